"""Stage 2, store: reports, inspections, users and the audit log entered in the app.

- :mod:`~buitengebied.store.database`: the one module that talks to the database
  (:func:`open_store`, :class:`Store`, :class:`StoreError`);
- :mod:`~buitengebied.store.merge`: a loaded data directory with the stored records
  added, so that they pass the same validation and time rules as files.
"""

from buitengebied.store.database import SCHEMA_VERSION, Store, StoreError, open_store
from buitengebied.store.merge import with_stored_records

__all__ = ["SCHEMA_VERSION", "Store", "StoreError", "open_store", "with_stored_records"]
