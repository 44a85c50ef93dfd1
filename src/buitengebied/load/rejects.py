"""Lenient mode's rejects file: the rejected rows as they were in the input, with their reasons.

A rejected row is written exactly as it was read, before any typing: the same attribute
values, the geometry in the file's own CRS, in the input's own format
(``<layer>.rejects.<suffix>``).  A CSV's points become its ``lon``/``lat`` (EPSG:4326) or
``x``/``y`` (EPSG:28992) columns again; a GeoPackage gets a layer named like the layer.
Two columns are added in front: ``row`` (the row number in the input, from 1) and
``reasons`` (every problem of the row, ``;``-separated).  A user mends a row, renames the
file to ``<layer>.<suffix>`` and loads it again; the added columns are extra columns,
which the contract ignores.

Values are written verbatim, also ones that look like a spreadsheet formula: the file
holds nothing that the partner's own file did not hold, and a changed value could not be
loaded again as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from buitengebied.io import WGS84, RawLayer
from buitengebied.io.atomic import atomic_path
from buitengebied.load.validate import ValidatedLayer


def write_rejects(layer: ValidatedLayer, raw: RawLayer, *, name: str, rejects_dir: Path) -> Path:
    """Write the rejected rows of one file as they were read, with row number and reason.

    Parameters
    ----------
    layer : ValidatedLayer
        The validated file; its ``bad_rows`` are written.
    raw : RawLayer
        The same file as read (:func:`buitengebied.io.read_layer_file`).
    name : str
        The layer name.
    rejects_dir : Path
        Folder of the rejects file (created when missing).

    Returns
    -------
    Path
        The file written: ``<rejects_dir>/<name>.rejects<suffix of the input>``.

    Raises
    ------
    OSError
        The file cannot be written (a read-only folder, a full disk); the caller names
        the rejects folder (:func:`buitengebied.load.directory.load_data_dir`).
    """
    rows = np.flatnonzero(layer.bad_rows)
    table = _annotated_rows(layer, raw, rows)
    geometry = None if raw.geometry is None else np.asarray(raw.geometry, dtype=object)[rows]
    suffix = raw.path.suffix.lower()
    target = Path(rejects_dir) / f"{name}.rejects{suffix}"
    with atomic_path(target) as temporary:
        _WRITERS[suffix](table, geometry, raw.crs, temporary, name)
    return target


def _annotated_rows(layer: ValidatedLayer, raw: RawLayer, rows: np.ndarray) -> pd.DataFrame:
    reasons: dict[int, list[str]] = {}
    for problem in layer.problems:
        if problem.row is not None:
            reasons.setdefault(problem.row, []).append(problem.describe())
    original = raw.attributes.iloc[rows].reset_index(drop=True)
    row_name, reason_name = (_free_name(n, original.columns) for n in ("row", "reasons"))
    annotations = pd.DataFrame(
        {
            row_name: rows + 1,
            reason_name: ["; ".join(reasons.get(int(r) + 1, [])) for r in rows],
        }
    )
    return pd.concat([annotations, original], axis=1)


def _free_name(name: str, taken: pd.Index) -> str:
    # An input column of the same name keeps its own: the annotation gets underscores.
    while name in taken:
        name = f"_{name}"
    return name


def _write_csv(
    table: pd.DataFrame, geometry: np.ndarray | None, crs: str | None, path: Path, name: str
) -> None:
    if geometry is not None:
        x_name, y_name = ("lon", "lat") if crs == WGS84 else ("x", "y")
        present = ~shapely.is_missing(geometry)
        xs = np.full(len(geometry), np.nan)
        ys = np.full(len(geometry), np.nan)
        xs[present] = shapely.get_x(geometry[present])
        ys[present] = shapely.get_y(geometry[present])
        table = table.assign(**{x_name: _float_text(xs), y_name: _float_text(ys)})
    table.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _float_text(values: np.ndarray) -> list[str | None]:
    # repr is the shortest text that reads back as the same float.
    return [repr(float(v)) if np.isfinite(v) else None for v in values]


def _write_ogr(driver: str, options: dict[str, object]) -> Callable[..., None]:
    def write(
        table: pd.DataFrame, geometry: np.ndarray | None, crs: str | None, path: Path, name: str
    ) -> None:
        frame = table if geometry is None else gpd.GeoDataFrame(table, geometry=geometry, crs=crs)
        pyogrio.write_dataframe(frame, path, layer=name, driver=driver, layer_options=options)

    return write


def _write_parquet(
    table: pd.DataFrame, geometry: np.ndarray | None, crs: str | None, path: Path, name: str
) -> None:
    if geometry is None:
        table.to_parquet(path, index=False)
    else:
        gpd.GeoDataFrame(table, geometry=geometry, crs=crs).to_parquet(path, index=False)


_WRITERS: dict[str, Callable[..., None]] = {
    ".csv": _write_csv,
    ".gpkg": _write_ogr("GPKG", {}),
    # Seventeen significant figures: every coordinate reads back as the same float.
    ".geojson": _write_ogr("GeoJSON", {"SIGNIFICANT_FIGURES": 17}),
    ".parquet": _write_parquet,
}
