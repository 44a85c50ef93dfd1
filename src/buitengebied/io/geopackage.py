"""GeoPackage layer files, read through OGR without changing a byte of them.

SQLite writes to a database that is only read when the database is in WAL mode (the last
connection to close checkpoints the ``-wal`` into the file and deletes ``-wal`` and
``-shm``; a read-only connection still rebuilds the ``-shm``) or when a hot rollback
journal lies beside it (a reader rolls the interrupted transaction back).  GDAL offers no
way around either: ``IMMUTABLE=YES`` (and SQLite's ``immutable=1``) ignores the WAL and so
loses its committed rows, ``NOLOCK=YES`` is not honoured in WAL mode.  Such a file is
therefore copied, with its ``-wal`` or ``-journal``, into a private temporary folder, the
copy is brought to its last committed state by SQLite and then read: every committed row
is read and the partner's files stay as they were.
Any other GeoPackage is read in place, which GDAL does read-only.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pyogrio

from buitengebied.io._ogr import read_with_ogr
from buitengebied.io._raw import RawLayer, file_problem
from buitengebied.io.atomic import atomic_path

if TYPE_CHECKING:
    import geopandas as gpd

#: Files SQLite keeps beside a database while it is written; the ``-shm`` is rebuilt.
_SIDECARS = ("-wal", "-journal")
#: Bytes 18 and 19 of an SQLite header: file format versions, 2 in WAL mode.
_WAL_FORMAT = b"\x02\x02"


def read_geopackage(path: Path, layer_name: str) -> RawLayer:
    """Read a GeoPackage layer file: the layer named ``layer_name``, else the first."""
    header = _sqlite_header(path)
    with _readable_copy(path, header) as readable:
        raw = _read_layer(readable, layer_name, shown_as=path)
    raw.path = path
    return raw


def _read_layer(readable: Path, layer_name: str, *, shown_as: Path) -> RawLayer:
    layers = pyogrio.list_layers(readable)
    names = [str(name) for name in layers[:, 0]] if len(layers) else []
    if not names:
        raise file_problem(shown_as, "a GeoPackage with at least one layer")
    lowered = {name.lower(): name for name in names}
    chosen = lowered.get(layer_name.lower(), names[0])
    if _is_sqlite_view(readable, chosen):
        raise file_problem(
            shown_as,
            f"layer '{chosen}' as a table; it is an SQL view, which is not read (export it)",
        )
    return read_with_ogr(readable, layer=chosen, use_arrow=True)


def _sqlite_header(path: Path) -> bytes:
    with path.open("rb") as handle:
        header = handle.read(100)
    if not header.startswith(b"SQLite format 3\x00"):
        raise file_problem(path, "a GeoPackage (an SQLite database file)")
    return header


@contextmanager
def _readable_copy(path: Path, header: bytes) -> Iterator[Path]:
    """Yield ``path`` itself, or a private copy when reading it would write to it."""
    sidecars = [Path(f"{path}{suffix}") for suffix in _SIDECARS]
    present = [sidecar for sidecar in sidecars if sidecar.exists()]
    if header[18:20] != _WAL_FORMAT and not present:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="buitengebied-gpkg-") as folder:
        copy = Path(folder) / path.name
        shutil.copyfile(path, copy)
        for sidecar in present:
            shutil.copyfile(sidecar, Path(folder) / sidecar.name)
        _settle(copy)
        yield copy


def _settle(copy: Path) -> None:
    """Roll back a hot journal and checkpoint a WAL into ``copy``, as a writer would.

    GDAL opens a file to read read-only, and a read-only connection cannot roll back.
    """
    connection = sqlite3.connect(copy)
    try:
        connection.execute("PRAGMA schema_version").fetchone()
    finally:
        connection.close()


def _is_sqlite_view(path: Path, layer: str) -> bool:
    # Read-only; a file that SQLite would write to is a private copy by now.
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        row = connection.execute(
            "SELECT type FROM sqlite_master WHERE lower(name) = lower(?)", (layer,)
        ).fetchone()
    finally:
        connection.close()
    return row is not None and row[0] == "view"


def write_geopackage_layers(path: Path, layers: Mapping[str, gpd.GeoDataFrame]) -> None:
    """Write several layers into one new GeoPackage, atomically.

    Parameters
    ----------
    path : Path
        The ``.gpkg``; replaced whole (its old layers are not kept).
    layers : mapping of str to GeoDataFrame
        Layer name to features, each with its CRS.
    """
    with atomic_path(Path(path)) as temporary:
        for name, frame in layers.items():
            pyogrio.write_dataframe(frame, temporary, layer=name, driver="GPKG")
