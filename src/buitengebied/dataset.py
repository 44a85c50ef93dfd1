"""The dataset that flows through the pipeline, and the progress callback every stage takes.

A ground-floor module: loading produces a :class:`Dataset`; evidence, scoring, the model
and evaluation consume it without depending on how it was loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from buitengebied.contract import LOAD_ORDER

#: Called with a short description of the step and the fraction of work done (0..1).
ProgressCallback = Callable[[str, float], None]


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
        if name == "addresses":
            return self.addresses
        return self.layers.get(name)

    @property
    def layers_present(self) -> list[str]:
        """Names of the layers that were loaded, in load order."""
        return [n for n in LOAD_ORDER if n == "addresses" or n in self.layers]
