"""The dataset that flows through the pipeline, and the progress callback every stage takes.

A ground-floor module: loading produces a :class:`Dataset`; evidence, scoring, the model
and evaluation consume it without depending on how it was loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from buitengebied.contract import ADDRESSES, finds_schema, load_order

#: Called with a short description of the step and the fraction of work done (0..1).
ProgressCallback = Callable[[str, float], None]


@dataclass(frozen=True)
class Outcomes:
    """The records of the layer that tells confirmed finds (``inspections``), one per row.

    Attributes
    ----------
    address_ids : pandas.Series
        The address each record is about.
    moments : pandas.Series
        When it happened (the layer's time column).
    confirmed : numpy.ndarray of bool
        Whether it was a confirmed find (the contract's :class:`~buitengebied.contract.FindRule`).
    """

    address_ids: pd.Series
    moments: pd.Series
    confirmed: np.ndarray

    def __len__(self) -> int:
        return len(self.address_ids)


@dataclass
class Dataset:
    """The validated layers of one data directory, in EPSG:28992.

    Attributes
    ----------
    addresses : geopandas.GeoDataFrame
        Candidate targets, one row per unique ``address_id``.
    layers : dict of str to DataFrame
        Every other layer that was present, keyed by layer name.
    area : shapely.Geometry
        The area the map covers (union of ``area`` or the addresses' bbox + 1 km).
    source_files : dict of str to Path
        Which file each layer came from.
    rejected_rows : dict of str to int
        Rows dropped per layer in lenient mode.
    ignored_files : list of Path
        Files in the directory that are not a contract layer.
    """

    addresses: gpd.GeoDataFrame
    layers: dict[str, pd.DataFrame]
    area: shapely.Geometry
    source_files: dict[str, Path] = field(default_factory=dict)
    rejected_rows: dict[str, int] = field(default_factory=dict)
    ignored_files: list[Path] = field(default_factory=list)

    def layer(self, name: str) -> pd.DataFrame | None:
        """Return layer ``name``, or ``None`` when the directory does not hold it."""
        if name == ADDRESSES:
            return self.addresses
        return self.layers.get(name)

    @property
    def layers_present(self) -> list[str]:
        """Names of the layers that were loaded, in load order."""
        return [n for n in load_order() if n == ADDRESSES or n in self.layers]

    def outcomes(self) -> Outcomes:
        """Return the records that tell confirmed finds, empty when the layer is absent."""
        schema = finds_schema()
        assert schema.finds is not None and schema.time_column and schema.address_column
        frame = self.layer(schema.name)
        if frame is None:
            return Outcomes(
                pd.Series([], dtype=object),
                pd.Series([], dtype="datetime64[ns, UTC]"),
                np.zeros(0, dtype=bool),
            )
        values = frame[schema.finds.column].astype("string").str.lower()
        return Outcomes(
            frame[schema.address_column],
            frame[schema.time_column],
            values.isin(schema.finds.values).to_numpy(dtype=bool),
        )
