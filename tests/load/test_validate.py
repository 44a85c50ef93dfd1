"""Checking rows against the data contract (buitengebied.load.validate, buitengebied.timeutil)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from buitengebied.contract import LAYER_SCHEMAS
from buitengebied.errors import ValidationError
from buitengebied.io import read_layer_file
from buitengebied.load.directory import load_data_dir
from buitengebied.load.validate import ValidatedLayer, validate_layer
from buitengebied.timeutil import parse_as_of, parse_moments

X0, Y0 = 217_000.0, 452_000.0


def write_csv(path: Path, rows: dict[str, list]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def validate_csv(
    tmp_path: Path, layer: str, rows: dict[str, list], address_ids: list[str] | None = None
) -> ValidatedLayer:
    path = write_csv(tmp_path / f"{layer}.csv", rows)
    known = pd.Index(address_ids) if address_ids is not None else None
    return validate_layer(
        read_layer_file(path, layer_name=layer), LAYER_SCHEMAS[layer], address_ids=known
    )


def reports(n: int, **overrides: list) -> dict[str, list]:
    rows: dict[str, list] = {
        "report_id": [f"R{k}" for k in range(n)],
        "observed_at": ["2026-03-14"] * n,
        "category": ["litter"] * n,
        "x": [X0 + 10 * k for k in range(n)],
        "y": [Y0] * n,
    }
    rows.update(overrides)
    return rows


def problems_of(layer: ValidatedLayer) -> list[tuple[int | None, str, str]]:
    return [(p.row, p.column, p.expected) for p in layer.problems]


# --- ids, categories, dates --------------------------------------------------------------


def test_ids_are_text_trimmed_with_leading_zeros_and_case_kept(tmp_path: Path) -> None:
    path = tmp_path / "addresses.csv"
    path.write_text(
        "address_id,x,y\n0221010000012345,217000,452000\n  AbC-01  ,217010,452000\n00001,217020,452000\n"
    )
    layer = validate_layer(
        read_layer_file(path, layer_name="addresses"), LAYER_SCHEMAS["addresses"]
    )
    assert layer.problems == []
    assert layer.frame["address_id"].tolist() == ["0221010000012345", "AbC-01", "00001"]


def test_ids_written_as_numbers_by_a_reader_lose_no_digits(tmp_path: Path) -> None:
    path = tmp_path / "addresses.parquet"
    pd.DataFrame({"address_id": [221010000012345.0, 7.0], "x": [X0, X0], "y": [Y0, Y0]}).to_parquet(
        path
    )
    layer = validate_layer(
        read_layer_file(path, layer_name="addresses"), LAYER_SCHEMAS["addresses"]
    )
    assert layer.frame["address_id"].tolist() == ["221010000012345", "7"]


def test_categories_match_case_insensitively_after_trimming(tmp_path: Path) -> None:
    layer = validate_csv(
        tmp_path,
        "reports",
        reports(
            3,
            category=[" Litter ", "COVERED_WINDOWS", "night_noise"],
            confidence=["High", " low", "MEDIUM "],
        ),
    )
    assert layer.problems == []
    assert layer.frame["category"].tolist() == ["litter", "covered_windows", "night_noise"]
    assert layer.frame["confidence"].tolist() == ["high", "low", "medium"]


def test_dates_and_date_times_mix_in_one_column(tmp_path: Path) -> None:
    layer = validate_csv(
        tmp_path,
        "reports",
        reports(
            5,
            observed_at=[
                "2026-03-14",  # CET: 00:00 local is 23:00 UTC the day before
                "2026-03-14T23:40:00",
                "2026-07-01T12:00",  # CEST
                "2026-03-14T23:40:00+00:00",
                "2026-03-14T23:40:00Z",
            ],
        ),
    )
    assert layer.problems == []
    expected = pd.to_datetime(
        [
            "2026-03-13T23:00Z",
            "2026-03-14T22:40Z",
            "2026-07-01T10:00Z",
            "2026-03-14T23:40Z",
            "2026-03-14T23:40Z",
        ],
        utc=True,
    )
    assert layer.frame["observed_at"].tolist() == list(expected)


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-03-14T10:00+01", "2026-03-14T09:00Z"),
        ("2026-03-14T10:00+0100", "2026-03-14T09:00Z"),
        ("2026-03-14T10:00:00.5-02:00", "2026-03-14T12:00:00.5Z"),
        ("2026-03-14 10:00", "2026-03-14T09:00Z"),
        ("2026-03-29T02:30", "2026-03-29T01:00Z"),  # spring gap: moved forward
        ("2026-10-25T02:30", "2026-10-25T00:30Z"),  # autumn fold: summer-time reading
    ],
)
def test_offsets_are_honoured_and_local_time_follows_amsterdam(text: str, utc: str) -> None:
    moments, unparsable = parse_moments(pd.Series([text, "2026-03-14"]))
    assert not unparsable.any()
    assert moments.iloc[0] == pd.Timestamp(utc)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet="0123456789-:TZ +.,Wz", max_size=30), max_size=6))
def test_parse_moments_never_raises_and_flags_what_it_cannot_read(values: list[str]) -> None:
    moments, unparsable = parse_moments(pd.Series(values, dtype=object))
    assert str(moments.dtype) == "datetime64[ns, UTC]"
    given_text = np.array([v.strip() != "" for v in values], dtype=bool)
    assert np.array_equal(moments.notna().to_numpy() | unparsable, given_text)


def test_as_of_date_is_local_midnight_and_time_is_that_moment() -> None:
    assert parse_as_of("2026-03-29") == pd.Timestamp("2026-03-28T23:00Z")
    assert parse_as_of("2026-03-30") == pd.Timestamp("2026-03-29T22:00Z")
    assert parse_as_of("2026-03-30T08:15") == pd.Timestamp("2026-03-30T06:15Z")
    assert parse_as_of("2026-03-30T08:15+00:00") == pd.Timestamp("2026-03-30T08:15Z")


# --- bad rows ------------------------------------------------------------------------------


def test_every_kind_of_bad_row_is_listed_with_row_column_value_and_expectation(
    tmp_path: Path,
) -> None:
    layer = validate_csv(
        tmp_path,
        "reports",
        reports(
            7,
            report_id=["R0", "R1", "R1", "", "=cmd|' /C calc'!A0", "R5", "R6"],
            observed_at=[
                "2026-03-14",
                "14-03-2026",
                "2026-03-14",
                "2026-03-14",
                "2026-03-14",
                "",
                "2026-03-14",
            ],
            category=["litter", "litter", "litter", "litter", "litter", "litter", "graffiti"],
            x=[X0, X0, X0, X0, X0, X0, "nan"],
        ),
    )
    found = problems_of(layer)
    assert (2, "observed_at", "an ISO 8601 date (YYYY-MM-DD[THH:MM[:SS]])") in found
    assert (3, "report_id", "a unique value (it occurs in an earlier row)") in found
    assert (4, "report_id", "a value (required)") in found
    assert (5, "report_id", "an id, not a spreadsheet formula") in found
    assert (6, "observed_at", "a value (required)") in found
    assert (
        7,
        "category",
        "one of " + ", ".join(LAYER_SCHEMAS["reports"].column("category").categories),
    ) in found
    assert (7, "x", "a finite number") in found
    assert layer.bad_rows.tolist() == [False, True, True, True, True, True, True]
    value_of = {(p.row, p.column): p.value for p in layer.problems}
    assert value_of[(2, "observed_at")] == "'14-03-2026'"
    assert value_of[(7, "category")] == "'graffiti'"


def test_missing_required_column_rejects_the_file(tmp_path: Path) -> None:
    rows = reports(2)
    del rows["observed_at"]
    with pytest.raises(ValidationError, match="observed_at") as caught:
        validate_csv(tmp_path, "reports", rows)
    assert "reports.csv" in str(caught.value)


def test_point_outside_the_netherlands_and_swapped_lon_lat(tmp_path: Path) -> None:
    layer = validate_csv(
        tmp_path,
        "dumpings",
        {
            "dumping_id": ["D1", "D2", "D3"],
            "observed_at": ["2026-03-14"] * 3,
            "lon": [6.309, 52.061, 2.35],  # Hengelo; Hengelo swapped; Paris
            "lat": [52.061, 6.309, 48.86],
        },
    )
    messages = {p.row: p.expected for p in layer.problems}
    assert set(messages) == {2, 3}
    assert "swapped" in messages[2]
    assert "Netherlands" in messages[3] and "swapped" not in messages[3]


def test_swapped_polygon_gets_the_hint_too(tmp_path: Path) -> None:
    path = tmp_path / "vacant_buildings.gpkg"
    gpd.GeoDataFrame(
        {"building_id": ["B1"]}, geometry=[shapely.box(52.06, 6.30, 52.07, 6.31)], crs=4326
    ).to_file(path)
    layer = validate_layer(
        read_layer_file(path, layer_name="vacant_buildings"), LAYER_SCHEMAS["vacant_buildings"]
    )
    assert len(layer.problems) == 1 and "swapped" in layer.problems[0].expected


def test_nan_and_infinite_coordinates_are_bad_rows(tmp_path: Path) -> None:
    layer = validate_csv(
        tmp_path,
        "dumpings",
        {
            "dumping_id": ["D1", "D2", "D3", "D4"],
            "observed_at": ["2026-03-14"] * 4,
            "x": [X0, "NaN", "inf", X0],
            "y": [Y0, Y0, Y0, "-Infinity"],
        },
    )
    assert [(p.row, p.column) for p in layer.problems] == [(2, "x"), (3, "x"), (4, "y")]
    assert all(p.expected == "a finite number" for p in layer.problems)


def test_missing_geometry_is_a_bad_row(tmp_path: Path) -> None:
    layer = validate_csv(
        tmp_path,
        "dumpings",
        {
            "dumping_id": ["D1", "D2"],
            "observed_at": ["2026-03-14"] * 2,
            "x": [X0, ""],
            "y": [Y0, ""],
        },
    )
    assert problems_of(layer) == [(2, "geometry", "a point geometry")]


def test_invalid_geometry_types_and_empty_geometries_are_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "dumpings.gpkg"
    gpd.GeoDataFrame(
        {"dumping_id": ["D1", "D2", "D3", "D4"], "observed_at": ["2026-03-14"] * 4},
        geometry=[
            shapely.Point(X0, Y0),
            shapely.LineString([(X0, Y0), (X0 + 5, Y0)]),
            shapely.MultiPoint([(X0, Y0), (X0 + 1, Y0)]),
            shapely.Point(),
        ],
        crs=28992,
    ).to_file(path)
    layer = validate_layer(read_layer_file(path, layer_name="dumpings"), LAYER_SCHEMAS["dumpings"])
    assert [(p.row, p.column) for p in layer.problems] == [
        (2, "geometry"),
        (3, "geometry"),
        (4, "geometry"),
    ]
    assert layer.problems[0].value == "'LineString'"


def test_address_id_must_exist_in_addresses(tmp_path: Path) -> None:
    layer = validate_csv(
        tmp_path,
        "inspections",
        {
            "address_id": ["0001", "0002", " 0001 "],
            "inspected_at": ["2026-01-01"] * 3,
            "outcome": ["nothing"] * 3,
        },
        address_ids=["0001"],
    )
    assert problems_of(layer) == [(2, "address_id", "an address_id of the addresses layer")]


def test_bow_tie_polygons_are_repaired_and_flagged(tmp_path: Path) -> None:
    bow_tie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    assert not bow_tie.is_valid
    for layer_name, columns in (("vacant_buildings", {"building_id": ["B1", "B2"]}), ("area", {})):
        path = tmp_path / f"{layer_name}.gpkg"
        gpd.GeoDataFrame(
            columns or {"name": ["a", "b"]},
            geometry=[bow_tie, shapely.box(X0, Y0, X0 + 10, Y0 + 10)],
            crs=28992,
        ).to_file(path)
        layer = validate_layer(
            read_layer_file(path, layer_name=layer_name), LAYER_SCHEMAS[layer_name]
        )
        assert layer.problems == []
        assert layer.frame["geometry_repaired"].tolist() == [True, False]
        repaired = layer.frame.geometry.iloc[0]
        assert repaired.is_valid and repaired.geom_type == "MultiPolygon"
        assert_allclose(repaired.area, 5_000.0)


def test_crs_that_cannot_reach_rd_new_is_a_validation_error(tmp_path: Path) -> None:
    path = tmp_path / "vacant_buildings.gpkg"
    gpd.GeoDataFrame(
        {"building_id": ["B1"]}, geometry=[shapely.Point(10, 10)], crs="IAU_2015:49900"
    ).to_file(path)
    with pytest.raises(ValidationError, match="EPSG:28992"):
        validate_layer(
            read_layer_file(path, layer_name="vacant_buildings"), LAYER_SCHEMAS["vacant_buildings"]
        )


def test_geometry_without_crs_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "vacant_buildings.gpkg"
    with pytest.warns(UserWarning, match="crs"):
        gpd.GeoDataFrame({"building_id": ["B1"]}, geometry=[shapely.Point(X0, Y0)]).to_file(path)
    with pytest.raises(ValidationError, match="CRS"):
        validate_layer(
            read_layer_file(path, layer_name="vacant_buildings"), LAYER_SCHEMAS["vacant_buildings"]
        )


def test_one_error_names_the_file_and_lists_at_least_twenty_of_thirty_bad_rows(
    contract_dir: Path,
) -> None:
    n = 40
    categories = ["litter"] * n
    bad = list(range(5, 35))  # 30 bad rows, 0-based
    for k in bad:
        categories[k] = f"unknown_{k}"
    (contract_dir / "reports.csv").unlink()
    write_csv(contract_dir / "reports.csv", reports(n, category=categories))
    with pytest.raises(ValidationError) as caught:
        load_data_dir(contract_dir)
    message = str(caught.value)
    assert str(contract_dir / "reports.csv") in message
    listed = {int(r) for r in re.findall(r"row (\d+): column 'category' = 'unknown_\d+'", message)}
    assert len(listed) >= 20
    assert listed <= {k + 1 for k in bad}
    assert "expected one of comings_and_goings" in message
    assert len(caught.value.problems) == 30


def test_layer_with_valid_rows_types_its_columns(contract_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "copy"
    shutil.copytree(contract_dir, data)
    dumpings = load_data_dir(data).layer("dumpings")
    assert dumpings is not None
    assert dumpings["waste_type"].tolist() == ["barrels", "jerrycans", "chemicals"]
    assert dumpings["volume_l"].tolist() == [200.0, 60.0, 1000.0]
    assert dumpings["confirmed"].tolist() == [True, False, True]


def test_text_cleaning_falls_back_to_python_where_arrow_refuses_a_string():
    from buitengebied.load.validate import _distinct_text, _matches

    # A lone surrogate cannot be encoded for Arrow; the same rules apply in Python.
    values = pd.Series([" a\ud800 ", "b", "=c\ud800", None], dtype=object)
    codes, cleaned = _distinct_text(values)
    assert list(cleaned[codes]) == ["a\ud800", "b", "=c\ud800", None]
    formula = _matches(cleaned, "^[=+@\t\r]", lambda text: text.startswith("="))
    assert list(formula[codes]) == [False, False, True, False]


# --- plausibility: dates, periods, amounts --------------------------------------------------

DATE_RANGE = "a date from 1900-01-01 to 2100-12-31"


def validate_energy(
    tmp_path: Path, starts: list[str], ends: list[str], kwh: list | None = None
) -> ValidatedLayer:
    """Energy rows of address A1 with these periods (and 300 kWh each unless given)."""
    rows = {
        "address_id": ["A1"] * len(starts),
        "period_start": starts,
        "period_end": ends,
        "kwh": kwh if kwh is not None else [300.0] * len(starts),
    }
    return validate_csv(tmp_path, "energy", rows)


@pytest.mark.parametrize(
    "text",
    [
        "1677-01-01",
        "2263-01-01",
        "9999-12-31",
        "1700-01-01",
        "1899-12-31",
        "2101-01-01",
        "2300-01-01T10:00+01:00",
        "9999-12-31T23:59:59",
    ],
)
def test_valid_iso_dates_outside_the_plausible_range_are_refused_for_that(
    tmp_path: Path, text: str
) -> None:
    layer = validate_csv(tmp_path, "reports", reports(2, observed_at=["2026-03-14", text]))
    assert problems_of(layer) == [(2, "observed_at", DATE_RANGE)]
    assert layer.problems[0].value == repr(text)


def test_the_edges_of_the_date_range_are_accepted(tmp_path: Path) -> None:
    layer = validate_csv(
        tmp_path, "reports", reports(2, observed_at=["1900-01-01", "2100-12-31T23:59:59"])
    )
    assert layer.problems == []


def test_what_is_no_date_at_all_is_still_not_iso_8601(tmp_path: Path) -> None:
    layer = validate_csv(tmp_path, "reports", reports(2, observed_at=["2026-02-30", "10000-01-01"]))
    expected = "an ISO 8601 date (YYYY-MM-DD[THH:MM[:SS]])"
    assert problems_of(layer) == [(1, "observed_at", expected), (2, "observed_at", expected)]


def test_parquet_timestamps_outside_the_range_are_refused_not_a_crash(tmp_path: Path) -> None:
    from datetime import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    stamps = [datetime(1500, 1, 1), datetime(2025, 1, 1), datetime(3000, 1, 1)]
    table = pa.table(
        {
            "address_id": ["A1"] * 3,
            "period_start": pa.array(stamps, pa.timestamp("us")),
            "period_end": pa.array([datetime(2025, 1, 31)] * 3, pa.timestamp("us")),
            "kwh": [1.0, 2.0, 3.0],
        }
    )
    pq.write_table(table, tmp_path / "energy.parquet")
    layer = validate_layer(
        read_layer_file(tmp_path / "energy.parquet", layer_name="energy"),
        LAYER_SCHEMAS["energy"],
    )
    assert problems_of(layer) == [(1, "period_start", DATE_RANGE), (3, "period_start", DATE_RANGE)]
    assert layer.frame["period_start"].dtype == "datetime64[ns, UTC]"


def test_an_energy_period_ending_before_it_starts_is_refused(tmp_path: Path) -> None:
    layer = validate_energy(
        tmp_path,
        ["2025-01-01", "2025-02-01", "2025-03-01"],
        ["2025-01-31", "2025-01-31", "2025-03-01"],
    )
    assert problems_of(layer) == [(2, "period_end", "a period_end on or after period_start")]
    assert layer.problems[0].value == "'2025-01-31, before period_start 2025-02-01'"


def test_an_energy_period_longer_than_the_setting_is_refused(tmp_path: Path) -> None:
    # Two years with a leap day are 731 days; 1900 to 2100 are 73,414.
    layer = validate_energy(
        tmp_path,
        ["2023-01-01", "2022-12-31", "1900-01-01"],
        ["2024-12-31", "2025-01-01", "2100-12-31"],
    )
    expected = "a period of at most 732 days"
    assert problems_of(layer) == [(2, "period_end", expected), (3, "period_end", expected)]
    assert layer.problems[0].value == "'2025-01-01, 733 days from 2022-12-31'"


def test_the_period_bound_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("buitengebied.settings.MAX_ENERGY_PERIOD_DAYS", 31)
    layer = validate_energy(tmp_path, ["2025-01-01", "2025-01-01"], ["2025-01-31", "2025-02-01"])
    assert problems_of(layer) == [(2, "period_end", "a period of at most 31 days")]


def test_a_period_across_a_clock_change_counts_whole_days(tmp_path: Path) -> None:
    layer = validate_energy(tmp_path, ["2025-03-30"], ["2025-03-31"], kwh=[2_000_000.0])
    assert layer.problems == []  # 23 hours apart, yet two whole days, which may hold twice


def test_implausible_kwh_is_refused_per_day_of_its_period(tmp_path: Path) -> None:
    layer = validate_energy(
        tmp_path,
        ["2025-01-01"] * 5,
        ["2025-01-31"] * 5,
        kwh=["1e308", "-1e308", "31000000", "31000001", "-4500"],
    )
    expected = "at most 1,000,000 kWh (in magnitude) a day of its period"
    assert problems_of(layer) == [(1, "kwh", expected), (2, "kwh", expected), (4, "kwh", expected)]
    assert layer.problems[0].value == "1e+308"


def test_non_finite_kwh_is_refused(tmp_path: Path) -> None:
    layer = validate_energy(
        tmp_path, ["2025-01-01"] * 3, ["2025-01-31"] * 3, kwh=["inf", "nan", "1e400"]
    )
    assert problems_of(layer) == [(r, "kwh", "a finite number") for r in (1, 2, 3)]


@pytest.mark.parametrize(
    ("layer_name", "id_column", "column", "expected"),
    [
        ("addresses", "address_id", "floor_area_m2", "a number from 0 to 10,000,000"),
        ("dumpings", "dumping_id", "volume_l", "a number from 0 to 1,000,000"),
    ],
)
def test_floor_areas_and_volumes_are_bounded_and_not_negative(
    tmp_path: Path, layer_name: str, id_column: str, column: str, expected: str
) -> None:
    values = ["0", "250.5", "-1", "1e12"]
    rows: dict[str, list] = {
        id_column: [f"ID{k}" for k in range(4)],
        "observed_at": ["2026-03-14"] * 4,
        column: values,
        "x": [X0 + 10 * k for k in range(4)],
        "y": [Y0] * 4,
    }
    layer = validate_csv(tmp_path, layer_name, rows)
    assert problems_of(layer) == [(3, column, expected), (4, column, expected)]
