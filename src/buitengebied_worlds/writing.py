"""Write the layers of a world as contract files, each in the format its world asks for.

Geometry layers go out as GeoPackage or GeoParquet in EPSG:28992, as GeoJSON in WGS84
(RFC 7946), or as CSV with ``x``, ``y`` (EPSG:28992); table layers as CSV or Parquet.
Every id is text.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

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
        ``gpkg``, ``geojson``, ``parquet`` or ``csv``.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = directory / f"{layer}.{suffix}"
    has_points = {"x", "y"} <= set(frame.columns)
    has_geometry = has_points or "geometry" in frame.columns
    if not has_geometry:
        if suffix == "parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
        return path
    if suffix == "csv":
        if not has_points:
            raise ValueError(f"layer {layer} has no point coordinates for a CSV")
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
