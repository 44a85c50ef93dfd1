"""Hostile and broken files: never a traceback, only a BuitengebiedError (or a clean load).

Every test here feeds files to :func:`buitengebied.load.directory.load_data_dir` and accepts two
outcomes only: the directory loads, or a :class:`~buitengebied.errors.BuitengebiedError`
(``ValidationError``/``ContractError``) is raised.  Anything else is a bug.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import shutil
import sqlite3
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely
from conftest import write_contract_dir
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import CRS

from buitengebied.dataset import Dataset
from buitengebied.errors import BuitengebiedError, ContractError, ValidationError
from buitengebied.load.directory import load_data_dir
from buitengebied.settings import MAX_VERTICES_PER_GEOMETRY

HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@functools.cache
def valid_layer_files() -> dict[str, bytes]:
    """Valid files of every format, built from :func:`conftest.write_contract_dir`."""
    root = write_contract_dir(Path(tempfile.mkdtemp(prefix="buitengebied-valid-")) / "data")
    files = {p.name: p.read_bytes() for p in root.iterdir()}
    dumpings = pd.read_csv(root / "dumpings.csv", dtype=str)
    points = gpd.GeoDataFrame(
        dumpings.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(dumpings["lon"].astype(float), dumpings["lat"].astype(float)),
        crs=4326,
    )
    buffer = io.BytesIO()
    points.to_parquet(buffer)
    files["dumpings.parquet"] = buffer.getvalue()
    points.to_file(root / "dumpings.gpkg", driver="GPKG")
    files["dumpings.gpkg"] = (root / "dumpings.gpkg").read_bytes()
    buffer = io.BytesIO()
    pd.read_csv(root / "reports.csv", dtype=str).to_parquet(buffer)
    files["reports.parquet"] = buffer.getvalue()
    shutil.rmtree(root.parent)
    return files


def fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def load_or_reject(files: dict[str, bytes]) -> Dataset | BuitengebiedError:
    """Write ``files`` into a fresh data dir and load it; the dir must stay unchanged."""
    with tempfile.TemporaryDirectory(prefix="buitengebied-hostile-") as folder:
        data_dir = Path(folder) / "data"
        data_dir.mkdir()
        for name, content in files.items():
            (data_dir / name).write_bytes(content)
        before = fingerprint(data_dir)
        try:
            return load_data_dir(data_dir)
        except BuitengebiedError as error:
            return error
        finally:
            assert fingerprint(data_dir) == before


def with_addresses(name: str, content: bytes) -> dict[str, bytes]:
    files = {"addresses.csv": valid_layer_files()["addresses.csv"]}
    files[name] = content
    return files


def rejected(name: str, content: bytes) -> BuitengebiedError:
    outcome = load_or_reject(with_addresses(name, content))
    assert isinstance(outcome, BuitengebiedError), f"{name} was loaded"
    return outcome


def test_every_valid_file_loads() -> None:
    for name, content in valid_layer_files().items():
        if name != "addresses.csv":
            assert isinstance(load_or_reject(with_addresses(name, content)), Dataset), name


# --- deep nesting, huge geometries --------------------------------------------------------


def nested_collection_json(levels: int) -> str:
    point = '{"type": "Point", "coordinates": [6.309, 52.061]}'
    opening = '{"type": "GeometryCollection", "geometries": ['
    return opening * levels + point + "]}" * levels


def nested_collection_wkb(levels: int) -> bytes:
    wkb = struct.pack("<BIdd", 1, 1, 6.309, 52.061)
    for _ in range(levels):
        wkb = struct.pack("<BII", 1, 7, 1) + wkb
    return wkb


def geoparquet_bytes(geometries: list[bytes], ids: list[str], *, epsg: int | None = None) -> bytes:
    """GeoParquet written by hand, so that GEOS never sees the geometries on the way."""
    column: dict[str, object] = {"encoding": "WKB", "geometry_types": []}
    if epsg is not None:
        column["crs"] = CRS.from_epsg(epsg).to_json_dict()
    geo = {"version": "1.0.0", "primary_column": "geometry", "columns": {"geometry": column}}
    table = pa.table({"building_id": ids, "geometry": pa.array(geometries, pa.binary())})
    buffer = io.BytesIO()
    pq.write_table(table.replace_schema_metadata({b"geo": json.dumps(geo).encode()}), buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("levels", [50, 5_000, 100_000])
def test_deeply_nested_collections_in_geojson(levels: int) -> None:
    feature = (
        '{"type": "Feature", "properties": {"building_id": "B1"}, "geometry": '
        + nested_collection_json(levels)
        + "}"
    )
    text = '{"type": "FeatureCollection", "features": [' + feature + "]}"
    error = rejected("vacant_buildings.geojson", text.encode())
    assert isinstance(error, ValidationError)
    assert "vacant_buildings.geojson" in str(error)


@pytest.mark.parametrize("levels", [50, 5_000, 100_000])
def test_deeply_nested_collections_in_geoparquet_wkb(levels: int) -> None:
    # 100 000 levels overflowed GEOS' recursive WKB reader (a segfault) before the
    # reader measured the nesting on the raw bytes.
    content = geoparquet_bytes(
        [shapely.to_wkb(shapely.Point(6.309, 52.061)), nested_collection_wkb(levels)], ["B1", "B2"]
    )
    error = rejected("vacant_buildings.parquet", content)
    assert isinstance(error, ValidationError)
    assert [p.row for p in error.problems] == [2]
    assert "nested at most" in error.problems[0].expected


def test_deeply_nested_collections_in_geopackage() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "vacant_buildings.gpkg"
        gpd.GeoDataFrame(
            {"building_id": ["B1", "B2"]},
            geometry=[shapely.Point(217_000, 452_000)] * 2,
            crs=28992,
        ).to_file(path, SPATIAL_INDEX="NO")
        header = b"GP" + bytes([0, 1]) + struct.pack("<i", 28992)
        connection = sqlite3.connect(path)
        connection.execute(
            "UPDATE vacant_buildings SET geom = ? WHERE fid = 2",
            (header + nested_collection_wkb(100_000),),
        )
        connection.commit()
        connection.close()
        content = path.read_bytes()
    error = rejected("vacant_buildings.gpkg", content)
    assert isinstance(error, ValidationError)
    assert {p.row for p in error.problems} == {2}


def test_two_million_vertices_are_rejected_with_a_clear_message() -> None:
    angles = np.linspace(0.0, 2 * np.pi, 2_000_000)
    ring = np.column_stack([217_000 + 50 * np.cos(angles), 452_000 + 50 * np.sin(angles)])
    ring[-1] = ring[0]
    content = geoparquet_bytes(
        [
            shapely.to_wkb(shapely.box(217_000, 452_000, 217_010, 452_010)),
            shapely.to_wkb(shapely.Polygon(ring)),
        ],
        ["B1", "B2"],
        epsg=28992,
    )
    error = rejected("vacant_buildings.parquet", content)
    assert isinstance(error, ValidationError)
    assert [(p.row, p.value) for p in error.problems] == [(2, "'2,000,000 vertices'")]
    assert f"{MAX_VERTICES_PER_GEOMETRY:,} vertices" in str(error)


# --- broken files ---------------------------------------------------------------------------

ALL_FORMATS = ["addresses.csv", "dumpings.gpkg", "vacant_buildings.geojson", "dumpings.parquet"]


@pytest.mark.parametrize("name", ALL_FORMATS)
def test_empty_files(name: str) -> None:
    files = with_addresses(name, b"")
    error = load_or_reject(files)
    assert isinstance(error, ValidationError)
    assert name in str(error)


@pytest.mark.parametrize("name", ALL_FORMATS)
def test_binary_garbage(name: str) -> None:
    garbage = np.random.default_rng(7).bytes(4096)
    error = load_or_reject(with_addresses(name, garbage))
    assert isinstance(error, ValidationError)
    assert name in str(error)


@pytest.mark.parametrize("name", ALL_FORMATS)
@pytest.mark.parametrize("keep", [0.2, 0.5, 0.9])
def test_truncated_files(name: str, keep: float) -> None:
    content = valid_layer_files()[name]
    outcome = load_or_reject(with_addresses(name, content[: int(len(content) * keep)]))
    assert isinstance(outcome, Dataset | BuitengebiedError)
    if not name.endswith(".csv"):
        assert isinstance(outcome, ValidationError)


def test_lines_in_a_point_layer() -> None:
    buffer = io.BytesIO()
    gpd.GeoDataFrame(
        {"dumping_id": ["D1"], "observed_at": ["2026-03-14"]},
        geometry=[shapely.LineString([(217_000, 452_000), (217_100, 452_100)])],
        crs=28992,
    ).to_parquet(buffer)
    error = rejected("dumpings.parquet", buffer.getvalue())
    assert isinstance(error, ValidationError)
    assert "'LineString'" in str(error) and "expected a point geometry" in str(error)


def test_csv_row_with_too_many_fields() -> None:
    content = valid_layer_files()["inspections.csv"] + b"0000000000000003,2026-01-01,nothing,x,y\n"
    error = rejected("inspections.csv", content)
    assert isinstance(error, ValidationError)
    assert "inspections.csv" in str(error) and "fields" in str(error)


def test_geopackage_whose_layer_is_a_view() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "area.gpkg"
        path.write_bytes(valid_layer_files()["area.gpkg"])
        connection = sqlite3.connect(path)
        connection.execute("ALTER TABLE area RENAME TO area_source")
        connection.execute("CREATE VIEW area AS SELECT * FROM area_source")
        connection.commit()
        connection.close()
        content = path.read_bytes()
    error = rejected("area.gpkg", content)
    assert isinstance(error, ValidationError) and "view" in str(error)


def test_directory_named_like_a_layer_is_no_crash() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        (data_dir / "addresses.csv").write_bytes(valid_layer_files()["addresses.csv"])
        (data_dir / "reports.csv").mkdir()
        with pytest.raises(ContractError, match=r"reports\.csv: a directory"):
            load_data_dir(data_dir)
        (data_dir / "reports.csv").rmdir()
        assert isinstance(load_data_dir(data_dir), Dataset)
        (data_dir / "addresses.csv").unlink()
        (data_dir / "addresses.csv").mkdir()
        with pytest.raises(ContractError):
            load_data_dir(data_dir)


# --- property tests ------------------------------------------------------------------------

FILE_NAMES = sorted(
    [
        "addresses.csv",
        "area.gpkg",
        "dumpings.csv",
        "dumpings.gpkg",
        "dumpings.parquet",
        "energy.csv",
        "inspections.csv",
        "reports.csv",
        "reports.parquet",
        "vacant_buildings.geojson",
    ]
)


def flip(content: bytes, position: int, mask: int) -> bytes:
    if not content:
        return content
    position %= len(content)
    return content[:position] + bytes([content[position] ^ mask]) + content[position + 1 :]


def delete(content: bytes, position: int, length: int) -> bytes:
    position %= max(len(content), 1)
    return content[:position] + content[position + length :]


def insert(content: bytes, position: int, extra: bytes) -> bytes:
    position %= max(len(content), 1)
    return content[:position] + extra + content[position:]


def truncate(content: bytes, position: int) -> bytes:
    return content[: position % max(len(content), 1)]


Mutation = Callable[[bytes], bytes]

mutations: st.SearchStrategy[Mutation] = st.one_of(
    st.builds(
        lambda p, m: lambda c: flip(c, p, m),
        st.integers(min_value=0),
        st.integers(min_value=1, max_value=255),
    ),
    st.builds(
        lambda p, n: lambda c: delete(c, p, n),
        st.integers(min_value=0),
        st.integers(min_value=1, max_value=64),
    ),
    st.builds(
        lambda p, b: lambda c: insert(c, p, b),
        st.integers(min_value=0),
        st.binary(min_size=1, max_size=64),
    ),
    st.builds(lambda p: lambda c: truncate(c, p), st.integers(min_value=0)),
)


def assert_loads_or_rejects(files: dict[str, bytes]) -> None:
    outcome = load_or_reject(files)
    assert isinstance(outcome, Dataset | BuitengebiedError)


@HYPOTHESIS
@given(name=st.sampled_from(FILE_NAMES), content=st.binary(max_size=2048))
def test_random_bytes_in_any_format(name: str, content: bytes) -> None:
    assert_loads_or_rejects(with_addresses(name, content))


@settings(HYPOTHESIS, max_examples=150)
@given(
    name=st.sampled_from(FILE_NAMES),
    changes=st.lists(mutations, min_size=1, max_size=4),
)
def test_mutated_valid_files(name: str, changes: list[Mutation]) -> None:
    content = valid_layer_files()[name]
    for change in changes:
        content = change(content)
    assert_loads_or_rejects(with_addresses(name, content))


cell_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "NaN",
            "inf",
            "-1e309",
            "=1+1",
            "2026-02-30",
            "2026-03-14T25:00",
            "0221010000012345",
            "None",
            "null",
            "TRUE",
            "1,5",
            "\x00",
            '"',
            "\n",
            ";",
            "1e400",
            "52.061",
            "6.309",
        ]
    ),
)


@HYPOTHESIS
@given(
    name=st.sampled_from([n for n in FILE_NAMES if n.endswith(".csv")]),
    data=st.data(),
)
def test_csv_cells_replaced_with_random_text(name: str, data: st.DataObject) -> None:
    frame = pd.read_csv(io.BytesIO(valid_layer_files()[name]), dtype=str, keep_default_na=False)
    frame = frame.head(60)
    for _ in range(data.draw(st.integers(min_value=1, max_value=5))):
        row = data.draw(st.integers(min_value=0, max_value=len(frame) - 1))
        column = data.draw(st.sampled_from(list(frame.columns)))
        frame.loc[row, column] = data.draw(cell_text)
    delimiter = data.draw(st.sampled_from([",", ";"]))
    content = frame.to_csv(index=False, sep=delimiter).encode("utf-8", errors="surrogatepass")
    files = with_addresses(name, content)
    if name != "addresses.csv":
        files["addresses.csv"] = valid_layer_files()["addresses.csv"]
    assert_loads_or_rejects(files)


@HYPOTHESIS
@given(
    name=st.sampled_from(
        [
            "area.gpkg",
            "dumpings.gpkg",
            "dumpings.parquet",
            "vacant_buildings.geojson",
            "reports.parquet",
        ]
    ),
    data=st.data(),
)
def test_geo_cells_replaced_with_random_text(name: str, data: st.DataObject) -> None:
    content = valid_layer_files()[name]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        if name == "reports.parquet":
            frame = pd.read_parquet(path)
        elif name.endswith(".parquet"):
            frame = gpd.read_parquet(path)
        else:
            frame = gpd.read_file(path)
        columns = [c for c in frame.columns if c != "geometry"]
        for column in columns:
            frame[column] = frame[column].astype(str).where(frame[column].notna(), None)
        for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
            row = data.draw(st.integers(min_value=0, max_value=len(frame) - 1))
            frame.loc[row, data.draw(st.sampled_from(columns))] = data.draw(cell_text)
        path.unlink()
        if name.endswith(".parquet"):
            frame.to_parquet(path)
        else:
            frame.to_file(path)
        mutated = path.read_bytes()
    assert_loads_or_rejects(with_addresses(name, mutated))


@pytest.mark.parametrize(
    "broken",
    [
        b"\x01\x01",  # shorter than a WKB header
        b"\x07\x01\x00\x00\x00" + bytes(16),  # no such byte order
        b"\x01\x07\x00\x00\x00\xff\xff\xff\x7f",  # a collection claiming 2 billion parts
        b"\x01\x01\x00\x00\x00" + bytes(8),  # a point cut off after its x
        b"\x01\x02\x00\x00\x00\xff\xff\xff\x7f",  # a line claiming 2 billion points
        b"\x01\x63\x00\x00\x00" + bytes(16),  # no such geometry type (99)
    ],
)
def test_malformed_wkb_in_geoparquet_is_reported_by_row(broken: bytes) -> None:
    content = geoparquet_bytes(
        [
            shapely.to_wkb(shapely.Point(6.309, 52.061)),
            broken,
            shapely.to_wkb(shapely.Point(6.3, 52.0)),
        ],
        ["B1", "B2", "B3"],
    )
    error = rejected("vacant_buildings.parquet", content)
    assert isinstance(error, ValidationError)
    assert [p.row for p in error.problems] == [2]
    assert "well-formed" in error.problems[0].expected


def test_csv_with_an_unclosed_quote_is_rejected_not_cut_short() -> None:
    # A reader that lets the open quote run to the end of the file would load one row.
    lines = valid_layer_files()["reports.csv"].decode("utf-8").splitlines()
    body = [lines[1].rstrip() + ',"he said ""hi'] + lines[1:] * 50
    content = ("\n".join([lines[0], *body]) + "\n").encode("utf-8")
    error = rejected("reports.csv", content)
    assert isinstance(error, ValidationError) and "reports.csv" in str(error)


def test_parquet_text_that_is_not_utf8_is_rejected_by_row() -> None:
    # A flipped byte in a Parquet string column: Arrow hands it over unchecked.
    ids = pa.array([b"D1", b"D\xc41", b"D3"], pa.binary()).view(pa.string())
    table = pa.table(
        {
            "dumping_id": ids,
            "observed_at": ["2025-05-01"] * 3,
            "x": [215_000.0] * 3,
            "y": [450_000.0] * 3,
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    error = rejected("dumpings.parquet", buffer.getvalue())
    assert isinstance(error, ValidationError)
    assert [(p.row, p.column, p.expected) for p in error.problems] == [
        (2, "dumping_id", "text in UTF-8")
    ]


@pytest.mark.parametrize(
    ("row", "columns"),
    [
        ("0000000000000001,1678-01-01,2261-12-31,100", ["period_end", "period_start"]),  # 4.7 GB
        ("0000000000000001,1900-01-01,2100-12-31,100", ["period_end"]),  # too long
        ("0000000000000001,2025-02-01,2025-01-01,100", ["period_end"]),  # backwards
        ("0000000000000001,2025-01-01,2025-01-31,1e308", ["kwh"]),  # topped the ranking
    ],
)
def test_implausible_energy_rows_are_rejected_by_row(row: str, columns: list[str]) -> None:
    content = f"address_id,period_start,period_end,kwh\n{row}\n".encode()
    error = rejected("energy.csv", content)
    assert isinstance(error, ValidationError)
    assert [(p.row, p.column) for p in error.problems] == [(1, c) for c in columns]
