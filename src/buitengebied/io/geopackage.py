"""GeoPackage layer files, read through OGR."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyogrio

from buitengebied.io._ogr import read_with_ogr
from buitengebied.io._raw import RawLayer, file_problem


def read_geopackage(path: Path, layer_name: str) -> RawLayer:
    """Read a GeoPackage layer file: the layer named ``layer_name``, else the first."""
    _check_is_sqlite(path)
    layers = pyogrio.list_layers(path)
    names = [str(name) for name in layers[:, 0]] if len(layers) else []
    if not names:
        raise file_problem(path, "a GeoPackage with at least one layer")
    lowered = {name.lower(): name for name in names}
    chosen = lowered.get(layer_name.lower(), names[0])
    if _is_sqlite_view(path, chosen):
        raise file_problem(
            path, f"layer '{chosen}' as a table; it is an SQL view, which is not read (export it)"
        )
    return read_with_ogr(path, layer=chosen, use_arrow=True)


def _check_is_sqlite(path: Path) -> None:
    with path.open("rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise file_problem(path, "a GeoPackage (an SQLite database file)")


def _is_sqlite_view(path: Path, layer: str) -> bool:
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    connection = sqlite3.connect(uri, uri=True)
    try:
        row = connection.execute(
            "SELECT type FROM sqlite_master WHERE lower(name) = lower(?)", (layer,)
        ).fetchone()
    finally:
        connection.close()
    return row is not None and row[0] == "view"
