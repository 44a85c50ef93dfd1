"""buitengebied: geospatial risk mapping for the Dutch rural outer area.

The library reads the partners' layers (see ``docs/data-contract.md``), turns each into
per-address evidence as declared in ``layers/``, fuses the evidence into an explained
risk score per address and a risk surface per grid cell.  Data flows one way::

    load -> validate -> features -> fuse/score -> plan -> present

The public entry points are re-exported here.
"""

from buitengebied.errors import BuitengebiedError, ContractError, ValidationError

__all__ = ["BuitengebiedError", "ContractError", "ValidationError"]
__version__ = "0.1.0"
