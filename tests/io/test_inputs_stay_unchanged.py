"""Reading a data directory changes no byte, no time stamp and no file name in it."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
from conftest import write_contract_dir

from buitengebied.load.directory import check_data_dir, load_data_dir


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Per file of ``folder``: its sha256 and modification time (ns)."""
    return {
        path.name: (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
        for path in sorted(folder.iterdir())
    }


def dumpings_gpkg_pending_in_wal(source_dir: Path, data_dir: Path) -> int:
    """Write ``dumpings.gpkg`` in WAL mode into ``data_dir`` with one row only in its WAL.

    The files are copied while the writer still holds its connection, as a partner's
    files are when copied off a running application: the ``-wal`` holds a committed row
    that the main file does not.  Returns the number of committed rows.
    """
    dumpings = pd.read_csv(data_dir / "dumpings.csv", dtype=str)
    (data_dir / "dumpings.csv").unlink()
    layer = gpd.GeoDataFrame(
        dumpings.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(dumpings["lon"].astype(float), dumpings["lat"].astype(float)),
        crs=4326,
    )
    written = source_dir / "dumpings.gpkg"
    # Without an R-tree the rows can be inserted by plain SQLite (no spatial functions).
    layer.to_file(written, driver="GPKG", layer="dumpings", SPATIAL_INDEX="NO")
    connection = sqlite3.connect(written)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA wal_autocheckpoint=0")
        connection.execute(
            "INSERT INTO dumpings (geom, dumping_id, observed_at, waste_type)"
            " SELECT geom, 'D-IN-WAL', '2025-08-01', 'barrels' FROM dumpings LIMIT 1"
        )
        connection.commit()
        for suffix in ("", "-wal", "-shm"):
            shutil.copy2(f"{written}{suffix}", data_dir / f"dumpings.gpkg{suffix}")
    finally:
        connection.close()
    assert (data_dir / "dumpings.gpkg-wal").stat().st_size > 0
    return len(layer) + 1


def test_a_geopackage_with_a_pending_wal_is_read_whole_and_left_as_it_was(
    tmp_path: Path,
) -> None:
    data_dir = write_contract_dir(tmp_path / "data")
    source_dir = tmp_path / "writer"
    source_dir.mkdir()
    n_rows = dumpings_gpkg_pending_in_wal(source_dir, data_dir)
    before = snapshot(data_dir)

    checks, _ = check_data_dir(data_dir)
    assert snapshot(data_dir) == before
    dumpings_check = next(c for c in checks if c.path.name == "dumpings.gpkg")
    assert dumpings_check.error is None
    assert dumpings_check.rows == n_rows

    dataset = load_data_dir(data_dir)
    assert snapshot(data_dir) == before
    assert "D-IN-WAL" in set(dataset.layers["dumpings"]["dumping_id"])
    assert len(dataset.layers["dumpings"]) == n_rows


def test_a_geopackage_with_a_hot_rollback_journal_is_left_as_it_was(tmp_path: Path) -> None:
    data_dir = write_contract_dir(tmp_path / "data")
    area = data_dir / "area.gpkg"
    # A rollback journal beside the file: what a writer killed mid-transaction leaves.
    shutil.copy2(area, tmp_path / "area.gpkg")
    connection = sqlite3.connect(tmp_path / "area.gpkg")
    connection.execute("PRAGMA journal_mode=DELETE")
    connection.execute("PRAGMA cache_size=1")
    connection.execute("BEGIN")
    connection.execute("CREATE TABLE filler(x)")
    connection.execute("INSERT INTO filler VALUES (zeroblob(100000))")
    journal = tmp_path / "area.gpkg-journal"
    assert journal.exists()
    shutil.copy2(tmp_path / "area.gpkg", area)
    shutil.copy2(journal, data_dir / "area.gpkg-journal")
    connection.rollback()
    connection.close()
    before = snapshot(data_dir)

    load_data_dir(data_dir)
    assert snapshot(data_dir) == before


def test_no_format_changes_its_input(tmp_path: Path) -> None:
    data_dir = write_contract_dir(tmp_path / "data")
    dumpings = pd.read_csv(data_dir / "dumpings.csv", dtype=str)
    gpd.GeoDataFrame(
        dumpings.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(dumpings["lon"].astype(float), dumpings["lat"].astype(float)),
        crs=4326,
    ).to_parquet(data_dir / "dumpings.parquet")
    (data_dir / "dumpings.csv").unlink()
    suffixes = {path.suffix for path in data_dir.iterdir()}
    assert suffixes == {".csv", ".geojson", ".gpkg", ".parquet"}
    before = snapshot(data_dir)

    check_data_dir(data_dir)
    load_data_dir(data_dir)
    assert snapshot(data_dir) == before
