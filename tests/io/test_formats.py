"""Reading every supported format into a RawLayer (buitengebied.io)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import struct
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely
from numpy.testing import assert_allclose
from pyproj import Transformer

from buitengebied.contract import LAYER_SCHEMAS
from buitengebied.errors import ValidationError
from buitengebied.io import read_layer_file, write_csv, write_spreadsheet_csv
from buitengebied.io._wkb import _wkb_nesting_depth
from buitengebied.load.validate import validate_layer
from buitengebied.settings import MAX_COLLECTION_DEPTH

#: Hengelo (Gelderland), lon/lat.
HENGELO_LON, HENGELO_LAT = 6.309, 52.061


def hengelo_rd() -> tuple[float, float]:
    """Hengelo in EPSG:28992, computed by pyproj (not a guess)."""
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True).transform(
        HENGELO_LON, HENGELO_LAT
    )
    return float(x), float(y)


def dumpings_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dumping_id": ["D1", "D2"],
            "observed_at": ["2026-03-14", "2026-03-14T23:40:00"],
            "waste_type": ["barrels", "other"],
        }
    )


def validated_points(path: Path, layer: str = "dumpings") -> np.ndarray:
    validated = validate_layer(read_layer_file(path, layer_name=layer), LAYER_SCHEMAS[layer])
    assert validated.problems == []
    return shapely.get_coordinates(np.asarray(validated.frame.geometry))


def file_fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_hengelo_reference_is_where_we_expect() -> None:
    x, y = hengelo_rd()
    assert 216_500 < x < 218_500
    assert 451_500 < y < 453_500


def test_csv_lon_lat_is_wgs84_and_reprojected(tmp_path: Path) -> None:
    path = tmp_path / "dumpings.csv"
    dumpings_frame().assign(lon=HENGELO_LON, lat=HENGELO_LAT).to_csv(path, index=False)
    raw = read_layer_file(path, layer_name="dumpings")
    assert raw.crs == "EPSG:4326"
    assert "lon" not in raw.attributes and "lat" not in raw.attributes
    assert_allclose(validated_points(path), [hengelo_rd()] * 2, atol=0.01)


def test_csv_x_y_is_rd_new(tmp_path: Path) -> None:
    path = tmp_path / "dumpings.csv"
    dumpings_frame().assign(x=[217_000.5, 217_100.0], y=[452_000.25, 452_100.0]).to_csv(
        path, index=False
    )
    raw = read_layer_file(path, layer_name="dumpings")
    assert raw.crs == "EPSG:28992"
    assert_allclose(validated_points(path), [[217_000.5, 452_000.25], [217_100.0, 452_100.0]])


@pytest.mark.parametrize("bom", [b"\xef\xbb\xbf", b""])
def test_csv_semicolon_bom_and_decimal_comma(tmp_path: Path, bom: bytes) -> None:
    path = tmp_path / "dumpings.csv"
    text = "dumping_id;observed_at;waste_type;lon;lat\nD1;2026-03-14;barrels;6,309;52,061\n"
    path.write_bytes(bom + text.encode("utf-8"))
    raw = read_layer_file(path, layer_name="dumpings")
    assert list(raw.attributes.columns) == ["dumping_id", "observed_at", "waste_type"]
    assert_allclose(validated_points(path), [hengelo_rd()], atol=0.01)


def test_csv_column_names_are_trimmed_and_lower_cased(tmp_path: Path) -> None:
    path = tmp_path / "dumpings.csv"
    path.write_text(" Dumping_ID ,OBSERVED_AT, X , Y \nD1,2026-03-14,217000,452000\n")
    raw = read_layer_file(path, layer_name="dumpings")
    assert list(raw.attributes.columns) == ["dumping_id", "observed_at"]
    assert raw.crs == "EPSG:28992"


def test_csv_columns_equal_but_for_case_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "addresses.csv"
    path.write_text("address_id,Address_ID,x,y\n1,2,217000,452000\n")
    with pytest.raises(ValidationError, match="each column once"):
        read_layer_file(path, layer_name="addresses")


def test_csv_ids_are_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "addresses.csv"
    path.write_text("address_id,x,y\n0221010000012345,217000,452000\n")
    raw = read_layer_file(path, layer_name="addresses")
    assert raw.attributes["address_id"].tolist() == ["0221010000012345"]


def test_geopackage_prefers_layer_named_like_the_file(tmp_path: Path) -> None:
    path = tmp_path / "dumpings.gpkg"
    frame = dumpings_frame()
    decoy = gpd.GeoDataFrame(
        frame.assign(dumping_id=["X1", "X2"]),
        geometry=gpd.points_from_xy([1e5, 1e5], [4e5, 4e5]),
        crs=28992,
    )
    decoy.to_file(path, layer="aaa_first", driver="GPKG")
    gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy([217_000, 217_100], [452_000, 452_100]), crs=28992
    ).to_file(path, layer="Dumpings", driver="GPKG")
    raw = read_layer_file(path, layer_name="dumpings")
    assert raw.attributes["dumping_id"].tolist() == ["D1", "D2"]


def test_geopackage_falls_back_to_first_layer(tmp_path: Path) -> None:
    path = tmp_path / "dumpings.gpkg"
    gpd.GeoDataFrame(
        dumpings_frame(),
        geometry=gpd.points_from_xy([HENGELO_LON] * 2, [HENGELO_LAT] * 2),
        crs=4326,
    ).to_file(path, layer="export_2026", driver="GPKG")
    raw = read_layer_file(path, layer_name="dumpings")
    assert raw.attributes["dumping_id"].tolist() == ["D1", "D2"]
    assert_allclose(validated_points(path), [hengelo_rd()] * 2, atol=0.01)


def test_geojson_is_wgs84_and_reprojected(tmp_path: Path) -> None:
    path = tmp_path / "dumpings.geojson"
    feature = {
        "type": "Feature",
        "properties": {"dumping_id": "D1", "observed_at": "2026-03-14"},
        "geometry": {"type": "Point", "coordinates": [HENGELO_LON, HENGELO_LAT]},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    raw = read_layer_file(path, layer_name="dumpings")
    assert raw.crs is not None
    assert_allclose(validated_points(path), [hengelo_rd()], atol=0.01)


def test_geoparquet_with_declared_crs_is_reprojected(tmp_path: Path) -> None:
    path = tmp_path / "dumpings.parquet"
    gpd.GeoDataFrame(
        dumpings_frame(),
        geometry=gpd.points_from_xy([HENGELO_LON] * 2, [HENGELO_LAT] * 2),
        crs=4326,
    ).to_parquet(path)
    assert_allclose(validated_points(path), [hengelo_rd()] * 2, atol=0.01)


@pytest.mark.parametrize(
    ("columns", "expected_crs"), [(("lon", "lat"), "EPSG:4326"), (("x", "y"), "EPSG:28992")]
)
def test_plain_parquet_with_coordinate_columns(
    tmp_path: Path, columns: tuple[str, str], expected_crs: str
) -> None:
    path = tmp_path / "dumpings.parquet"
    x, y = hengelo_rd()
    values = (HENGELO_LON, HENGELO_LAT) if expected_crs == "EPSG:4326" else (x, y)
    dumpings_frame().assign(**dict(zip(columns, values, strict=True))).to_parquet(path)
    raw = read_layer_file(path, layer_name="dumpings")
    assert raw.crs == expected_crs
    assert_allclose(validated_points(path), [hengelo_rd()] * 2, atol=0.01)


def test_unsupported_suffix_is_a_validation_error(tmp_path: Path) -> None:
    path = tmp_path / "addresses.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(ValidationError, match=r"addresses\.xlsx"):
        read_layer_file(path, layer_name="addresses")


def _gpkg_with_area(path: Path) -> None:
    gpd.GeoDataFrame(
        {"name": ["a"]}, geometry=[shapely.box(215_000, 450_000, 216_000, 451_000)], crs=28992
    ).to_file(path, layer="area", driver="GPKG")


def test_geopackage_view_as_layer_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "area.gpkg"
    _gpkg_with_area(path)
    connection = sqlite3.connect(path)
    connection.execute("ALTER TABLE area RENAME TO area_source")
    connection.execute("CREATE VIEW area AS SELECT * FROM area_source")
    connection.commit()
    connection.close()
    with pytest.raises(ValidationError, match=r"area\.gpkg.*(?s:.*)view"):
        read_layer_file(path, layer_name="area")


def test_geopackage_with_triggers_is_read_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "area.gpkg"
    _gpkg_with_area(path)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE audit(anything)")
    connection.execute(
        "CREATE TRIGGER area_audit AFTER UPDATE ON area BEGIN INSERT INTO audit VALUES (1); END"
    )
    connection.execute(
        "CREATE TRIGGER area_guard BEFORE DELETE ON area BEGIN SELECT RAISE(ABORT, 'no'); END"
    )
    connection.commit()
    connection.close()
    before = file_fingerprint(tmp_path)
    # The untyped audit column makes GDAL warn; the reader logs it instead of failing.
    raw = read_layer_file(path, layer_name="area")
    assert len(raw) == 1
    assert file_fingerprint(tmp_path) == before


def test_write_spreadsheet_csv_neutralises_formulas_only_in_text(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "text": pd.Series(['=HYPERLINK("x")', "+31", "@SUM(A1)", "plain", None], dtype=object),
            "mixed": pd.Series([-5.0, "-1+1", 3, None, "ok"], dtype=object),
            "kwh": [-12.5, 1.0, 2.0, 3.0, 4.0],
        }
    )
    target = tmp_path / "out" / "x.csv"
    write_spreadsheet_csv(frame, target)
    written = pd.read_csv(target, dtype=str, keep_default_na=False)
    assert written["text"].tolist() == ['\'=HYPERLINK("x")', "'+31", "'@SUM(A1)", "plain", ""]
    assert written["mixed"].tolist() == ["-5.0", "'-1+1", "3", "", "ok"]
    assert written["kwh"].tolist() == ["-12.5", "1.0", "2.0", "3.0", "4.0"]


@pytest.mark.parametrize(
    "text",
    [
        ["a", "b", None],  # plain: the fast writer
        ["a,b", 'say "hi"', None],  # needs quotes: pandas
        ["line\nbreak", "x", "y"],
        ["=1+1", "ok", "-3"],  # neutralised first, then plain
    ],
)
@pytest.mark.parametrize("spreadsheet", [True, False])
def test_csv_writers_read_back_the_same_values_on_either_path(tmp_path, text, spreadsheet):
    frame = pd.DataFrame(
        {
            "address_id": pd.Series(text, dtype=object),
            "score": [0.0, 1.5e-7, 46.78577310350218],
            "rank": [1, 2, 3],
            "maybe": [np.nan, 2.0, -0.5],
        }
    )
    target = tmp_path / "x.csv"
    (write_spreadsheet_csv if spreadsheet else write_csv)(frame, target)
    back = pd.read_csv(target, dtype={"address_id": str})
    expected = [("'" + v if spreadsheet and v and v.startswith(("=", "-")) else v) for v in text]
    assert back["address_id"].where(back["address_id"].notna(), None).tolist() == expected
    np.testing.assert_array_equal(back["score"], frame["score"])
    np.testing.assert_array_equal(back["rank"], frame["rank"])
    np.testing.assert_array_equal(back["maybe"], frame["maybe"])
    assert target.read_text(encoding="utf-8").startswith("address_id,score,rank,maybe\n")


def _nested_collection_wkb(levels: int) -> bytes:
    wkb = struct.pack("<BIdd", 1, 1, 6.3, 52.06)
    for _ in range(levels):
        wkb = struct.pack("<BII", 1, 7, 1) + wkb
    return wkb


@pytest.mark.parametrize(
    ("geometry", "depth"),
    [
        (shapely.Point(1, 2), 0),
        (shapely.box(0, 0, 1, 1), 0),
        (shapely.MultiPoint([(0, 0, 1), (1, 1, 2)]), 1),
        (shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)]), 1),
        (
            shapely.GeometryCollection(
                [shapely.GeometryCollection([shapely.MultiPoint([(0, 0), (1, 1)])])]
            ),
            3,
        ),
    ],
)
def test_wkb_nesting_depth_of_ordinary_geometries(geometry: shapely.Geometry, depth: int) -> None:
    for options in ({}, {"byte_order": 0}, {"flavor": "iso"}):
        assert _wkb_nesting_depth(shapely.to_wkb(geometry, **options), limit=10) == depth
    with_srid = shapely.to_wkb(shapely.set_srid(geometry, 28992), include_srid=True)
    assert _wkb_nesting_depth(with_srid, limit=10) == depth


def test_wkb_nesting_depth_stops_early_on_hostile_nesting() -> None:
    assert _wkb_nesting_depth(_nested_collection_wkb(100_000), limit=3) == 4
    assert _wkb_nesting_depth(_nested_collection_wkb(3), limit=3) == 3


def test_geoparquet_with_deep_collections_is_rejected_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "vacant_buildings.parquet"
    geo = {
        "version": "1.0.0",
        "primary_column": "geometry",
        "columns": {"geometry": {"encoding": "WKB", "geometry_types": []}},
    }
    wkbs = [shapely.to_wkb(shapely.Point(6.3, 52.06)), _nested_collection_wkb(50_000)]
    table = pa.table({"building_id": ["B1", "B2"], "geometry": pa.array(wkbs, pa.binary())})
    pq.write_table(table.replace_schema_metadata({b"geo": json.dumps(geo).encode()}), path)
    with pytest.raises(ValidationError) as caught:
        read_layer_file(path, layer_name="vacant_buildings")
    assert f"nested at most {MAX_COLLECTION_DEPTH} deep" in str(caught.value)
    assert [p.row for p in caught.value.problems] == [2]


def test_fast_and_pandas_csv_readers_give_the_same_rows(tmp_path: Path) -> None:
    content = (
        "report_id,observed_at,category,x,y,note\n"
        '0001,2026-01-01,other,200000,450000,"two,parts"\n'
        '0002,2026-01-02,,200001,450001,"line\nbreak"\n'
        '0003,2026-01-03,night_noise,200002,450002,""\n'
        "0004,2026-01-04,drug_waste,200003,450003,é ñ\n"
    )
    path = tmp_path / "reports.csv"
    path.write_text(content, encoding="utf-8")
    fast = read_layer_file(path, layer_name="reports")
    assert isinstance(fast.attributes["report_id"].dtype, pd.ArrowDtype)  # the Arrow path ran
    spaced = tmp_path / "spaced" / "reports.csv"
    spaced.parent.mkdir()
    spaced.write_text(content.replace(",other,", ", other,"), encoding="utf-8")
    slow = read_layer_file(spaced, layer_name="reports")  # a space after a comma: pandas
    assert slow.attributes["report_id"].dtype == object

    def plain(frame: pd.DataFrame) -> list[list[object]]:
        return frame.astype(object).where(frame.notna(), None).values.tolist()

    assert plain(fast.attributes) == plain(slow.attributes)
    assert plain(fast.attributes)[1] == ["0002", "2026-01-02", None, "line\nbreak"]
    assert fast.attributes["report_id"].tolist() == ["0001", "0002", "0003", "0004"]
    assert shapely.equals(fast.geometry, slow.geometry).all()


def test_spaces_at_line_starts_are_skipped_as_pandas_does(tmp_path: Path) -> None:
    path = tmp_path / "reports.csv"
    path.write_text(
        'report_id,observed_at,category,x,y\n "R,1",2026-01-01,other,200000,450000\n',
        encoding="utf-8",
    )
    raw = read_layer_file(path, layer_name="reports")
    assert raw.attributes["report_id"].tolist() == ["R,1"]


def test_missing_values_of_arrow_backed_text_are_shown_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "inspections.csv"
    path.write_text(
        "address_id,inspected_at,outcome\n,2026-01-01,nothing\n0000000000000001,2026-01-02,x\n",
        encoding="utf-8",
    )
    raw = read_layer_file(path, layer_name="inspections")
    assert isinstance(raw.attributes["address_id"].dtype, pd.ArrowDtype)
    problems = validate_layer(raw, LAYER_SCHEMAS["inspections"]).problems
    assert any(p.column == "address_id" and p.value == "(empty)" for p in problems)


def test_a_single_text_column_keeps_its_empty_rows(tmp_path: Path) -> None:
    target = tmp_path / "one.csv"
    write_csv(pd.DataFrame({"note": ["a", None, ""]}), target)
    assert len(pd.read_csv(target, keep_default_na=False)) == 3
