"""A loaded data directory with the records of a store added.

The stored rows pass :func:`~buitengebied.load.validate.validate_layer` like a file's,
with the directory's addresses as the known ``address_id`` values, and are appended to
the directory's layer of the same name; :func:`buitengebied.load.timefilter.known_at`
then applies the layers' time rules to both alike.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from buitengebied.contract import ADDRESSES, LAYER_SCHEMAS
from buitengebied.dataset import Dataset
from buitengebied.errors import ValidationError
from buitengebied.load.validate import validate_layer
from buitengebied.store.database import Store, StoreError

#: The layers a store holds, in the order they are added.
STORED_LAYERS = ("reports", "inspections")


def with_stored_records(dataset: Dataset, store: Store) -> Dataset:
    """Return ``dataset`` with the store's reports and inspections added.

    Parameters
    ----------
    dataset : Dataset
        A loaded data directory (:func:`buitengebied.load.directory.load_data_dir`).
    store : Store
        An open store.

    Returns
    -------
    Dataset
        A new dataset; each stored layer's rows follow the directory's rows of that layer.

    Raises
    ------
    ValidationError
        A stored row breaks the contract against this directory (an inspection of an
        address the directory does not hold).
    StoreError
        A stored ``report_id`` is also a report of the directory.
    """
    address_ids = pd.Index(dataset.addresses[LAYER_SCHEMAS[ADDRESSES].key])
    layers = dict(dataset.layers)
    for name in STORED_LAYERS:
        raw = store.raw_layer(name)
        if not len(raw):
            continue
        stored = validate_layer(raw, LAYER_SCHEMAS[name], address_ids=address_ids)
        if stored.problems:
            raise ValidationError(store.path, stored.problems)
        existing = layers.get(name)
        layers[name] = stored.frame if existing is None else _appended(existing, stored.frame, name)
    return replace(dataset, layers=layers)


def _appended(existing: pd.DataFrame, stored: pd.DataFrame, name: str) -> pd.DataFrame:
    key = LAYER_SCHEMAS[name].key
    if key is not None:
        clashes = sorted(set(existing[key]) & set(stored[key]))
        if clashes:
            raise StoreError(
                f"{name}: the store and the data directory both hold {key} "
                f"{', '.join(clashes[:10])}; ids must be distinct"
            )
    return pd.concat([existing, stored], ignore_index=True)
