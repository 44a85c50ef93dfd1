"""GeoParquet and Parquet layer files, read through pyarrow."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from buitengebied.io._ogr import arrow_text_dtype
from buitengebied.io._raw import RawLayer
from buitengebied.io._wkb import reject_deep_wkb_nesting
from buitengebied.io.csv import table_with_coordinate_columns


def read_parquet(path: Path, layer_name: str) -> RawLayer:
    """Read a GeoParquet (or plain Parquet) layer file."""
    import pyarrow.parquet as pq

    metadata = pq.read_schema(path).metadata or {}
    if b"geo" in metadata:
        geo_metadata = json.loads(metadata[b"geo"])
        reject_deep_wkb_nesting(path, geo_metadata)
        try:
            frame = gpd.read_parquet(path, to_pandas_kwargs={"types_mapper": arrow_text_dtype})
        except Exception:
            # Say which rows hold broken WKB, if that is why GEOS refused the file.
            reject_deep_wkb_nesting(path, geo_metadata, every_row=True)
            raise
        crs = frame.crs.to_string() if frame.crs is not None else None
        geometry = np.asarray(frame.geometry.array, dtype=object)
        attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name)).reset_index(drop=True)
        return RawLayer(path, attributes, geometry, crs, [])
    # Text stays in Arrow, as from GeoParquet (checked for UTF-8 by the caller).
    frame = pq.read_table(path).to_pandas(types_mapper=arrow_text_dtype)
    return table_with_coordinate_columns(path, frame.reset_index(drop=True))
