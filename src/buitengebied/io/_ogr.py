"""Reading vector files through OGR (pyogrio), by Arrow where the file allows it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from buitengebied.io._raw import RawLayer
from buitengebied.io._wkb import wkb_may_nest, wkb_nesting_problem

if TYPE_CHECKING:
    import pyarrow as pa

logger = logging.getLogger(__name__)


def read_with_ogr(path: Path, *, layer: str | None, use_arrow: bool = False) -> RawLayer:
    """Read a file through GDAL; through its Arrow stream first when ``use_arrow``.

    The Arrow stream reads a GeoPackage about twice as fast.  Whatever it cannot read (a
    text encoding other than UTF-8, JSON fields) is read again feature by feature.
    """
    if use_arrow:
        try:
            return _read_with_ogr_arrow(path, layer=layer)
        except (MemoryError, RecursionError):
            raise
        except Exception as exc:
            logger.debug("%s: not read through Arrow (%s); reading row by row", path.name, exc)
    frame = pyogrio.read_dataframe(
        path, layer=layer, datetime_as_string=True, on_invalid="ignore", use_arrow=False
    )
    if isinstance(frame, gpd.GeoDataFrame):
        crs = frame.crs.to_string() if frame.crs is not None else None
        geometry = np.asarray(frame.geometry.array, dtype=object)
        attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name)).reset_index(drop=True)
        return RawLayer(path, attributes, geometry, crs, [])
    return RawLayer(path, pd.DataFrame(frame).reset_index(drop=True), None, None, [])


class _ArrowUnsuitableError(ValueError):
    """The file holds something only the feature-by-feature reader converts."""


def _read_with_ogr_arrow(path: Path, *, layer: str | None) -> RawLayer:
    """Read through GDAL's Arrow stream, giving what the feature reader gives.

    That stream hands over a GeoPackage's WKB as stored, without GDAL parsing it, so
    the nesting of collections is measured on the bytes before GEOS sees them (see
    :func:`_wkb_nesting_depth`); a geometry nested too deep becomes ``None``, as GDAL's
    own reader makes it.  Dates become ISO text and booleans with gaps 1.0/0.0/NaN, as
    from the feature reader.
    """
    import pyarrow as pa
    from pyproj import CRS

    meta, table = pyogrio.read_arrow(path, layer=layer, datetime_as_string=True)
    if "OFSTJSON" in list(meta["ogr_subtypes"]):
        raise _ArrowUnsuitableError("JSON fields")
    geometry_name = meta["geometry_name"] or "wkb_geometry"
    geometry = None
    if geometry_name in table.column_names:
        geometry = _geometry_from_wkb(table.column(geometry_name))
        table = table.drop_columns([geometry_name])
    for position, field in enumerate(table.schema):
        column = table.column(position)
        if pa.types.is_date(field.type):
            table = table.set_column(position, field.name, column.cast(pa.string()))
        elif pa.types.is_boolean(field.type) and column.null_count:
            table = table.set_column(position, field.name, column.cast(pa.float64()))
    # Text stays in Arrow (no million Python strings); validation reads it either way.
    attributes = table.to_pandas(types_mapper=arrow_text_dtype).reset_index(drop=True)
    if geometry is None:
        return RawLayer(path, attributes, None, None, [])
    crs = CRS.from_user_input(meta["crs"]).to_string() if meta["crs"] else None
    return RawLayer(path, attributes, geometry, crs, [])


def arrow_text_dtype(arrow_type: pa.DataType) -> pd.ArrowDtype | None:
    """Map Arrow text columns to pandas' Arrow-backed dtype, leave the rest to pandas."""
    import pyarrow as pa

    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.ArrowDtype(arrow_type)
    return None


def _geometry_from_wkb(column: pa.ChunkedArray) -> np.ndarray:
    """Return shapely geometries of a WKB column; deep or broken collections become None."""
    import pyarrow as pa

    array = column.combine_chunks()
    if isinstance(array, pa.ExtensionArray):
        array = array.storage
    wkb = array.to_numpy(zero_copy_only=False)
    candidates = np.flatnonzero(wkb_may_nest(array))
    for row in candidates:
        if wkb_nesting_problem(wkb[row]) is not None:
            wkb[row] = None
    return shapely.from_wkb(wkb, on_invalid="ignore")
