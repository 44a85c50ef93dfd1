"""Write the layers of a world as contract files, each in the format its world asks for.

Geometry layers go out as GeoPackage or GeoParquet in EPSG:28992, as GeoJSON in WGS84
(RFC 7946), as CSV with ``x``, ``y`` (EPSG:28992, format ``csv``) or as CSV with ``lon``,
``lat`` (EPSG:4326, format ``csv-lonlat``); table layers as CSV or Parquet.
Every id is text.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import Transformer

CRS = "EPSG:28992"


def write_layer(frame: pd.DataFrame, directory: Path, layer: str, suffix: str) -> Path:
    """Write one layer; ``frame`` has ``x``, ``y`` or ``geometry`` where the layer has geometry.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows; point layers carry ``x`` and ``y``, other geometry a ``geometry`` column.
    directory : pathlib.Path
        The data directory.
    layer : str
        The layer name (the file's stem).
    suffix : str
        ``gpkg``, ``geojson``, ``parquet``, ``csv`` or ``csv-lonlat`` (written as ``.csv``).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = directory / f"{layer}.{suffix.removesuffix('-lonlat')}"
    has_points = {"x", "y"} <= set(frame.columns)
    has_geometry = has_points or "geometry" in frame.columns
    if not has_geometry:
        if suffix == "parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
        return path
    if suffix in ("csv", "csv-lonlat"):
        if not has_points:
            raise ValueError(f"layer {layer} has no point coordinates for a CSV")
        if suffix == "csv-lonlat":
            frame = _lon_lat(frame)
        frame.to_csv(path, index=False)
        return path
    geometry = (
        shapely.points(frame["x"].to_numpy(), frame["y"].to_numpy())
        if has_points
        else frame["geometry"]
    )
    columns = frame.drop(columns=[c for c in ("x", "y", "geometry") if c in frame.columns])
    geo = gpd.GeoDataFrame(columns, geometry=geometry, crs=CRS)
    if suffix == "gpkg":
        geo.to_file(path, driver="GPKG", layer=layer)
    elif suffix == "geojson":
        geo.to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    elif suffix == "parquet":
        geo.to_parquet(path, index=False)
    else:
        raise ValueError(f"unknown format {suffix!r} for layer {layer}")
    return path


def _lon_lat(frame: pd.DataFrame) -> pd.DataFrame:
    """``x``, ``y`` (EPSG:28992) replaced by ``lon``, ``lat`` (EPSG:4326), 7 decimals."""
    transformer = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    lon, lat = transformer.transform(frame["x"].to_numpy(), frame["y"].to_numpy())
    return frame.drop(columns=["x", "y"]).assign(lon=lon.round(7), lat=lat.round(7))
