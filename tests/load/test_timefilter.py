"""What is known on --as-of (buitengebied.load.timefilter): the contract's "Time" section."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from buitengebied.contract import (
    LAYER_SCHEMAS,
    Column,
    ColumnType,
    GeometryKind,
    LayerSchema,
    TimeRule,
)
from buitengebied.dataset import Dataset
from buitengebied.errors import ContractError
from buitengebied.load.directory import load_data_dir
from buitengebied.load.timefilter import known_at, known_at_moments
from buitengebied.timeutil import parse_as_of, parse_moments


def moments(*texts: str | None) -> pd.Series:
    parsed, unparsable = parse_moments(pd.Series(list(texts), dtype=object))
    assert not unparsable.any()
    return parsed


def dataset_with(name: str, frame: pd.DataFrame) -> Dataset:
    addresses = gpd.GeoDataFrame(
        {"address_id": ["A1"]}, geometry=[shapely.Point(217_000, 452_000)], crs=28992
    )
    return Dataset(addresses=addresses, layers={name: frame}, area=shapely.box(0, 0, 1, 1))


def kept_ids(name: str, frame: pd.DataFrame, as_of: str, id_column: str) -> list[str]:
    result = known_at(dataset_with(name, frame), parse_as_of(as_of)).layers[name]
    return result[id_column].tolist()


@pytest.mark.parametrize(
    ("layer", "column"),
    [("dumpings", "observed_at"), ("reports", "observed_at"), ("inspections", "inspected_at")],
)
def test_records_count_only_when_dated_before_the_moment(layer: str, column: str) -> None:
    frame = pd.DataFrame(
        {
            "record_id": ["before", "at_midnight", "evening", "next_day"],
            column: moments(
                "2026-03-13T23:59:59", "2026-03-14", "2026-03-14T23:40:00", "2026-03-15"
            ),
        }
    )
    assert kept_ids(layer, frame, "2026-03-14", "record_id") == ["before"]
    assert kept_ids(layer, frame, "2026-03-14T00:00:01", "record_id") == ["before", "at_midnight"]
    assert kept_ids(layer, frame, "2026-03-15", "record_id") == ["before", "at_midnight", "evening"]
    assert kept_ids(layer, frame, "2026-03-14T23:40:00", "record_id") == ["before", "at_midnight"]


def test_as_of_offsets_are_honoured() -> None:
    frame = pd.DataFrame({"record_id": ["r"], "observed_at": moments("2026-03-14T12:00")})  # 11:00Z
    assert kept_ids("reports", frame, "2026-03-14T11:00:01+00:00", "record_id") == ["r"]
    assert kept_ids("reports", frame, "2026-03-14T11:00:00Z", "record_id") == []


def test_energy_period_counts_once_its_last_day_is_over() -> None:
    frame = pd.DataFrame(
        {
            "address_id": ["march", "q1", "april"],
            "period_start": moments("2026-03-01", "2026-01-01", "2026-04-01"),
            "period_end": moments("2026-03-31", "2026-03-31", "2026-04-30"),
            "kwh": [300.0, 900.0, 280.0],
        }
    )
    assert kept_ids("energy", frame, "2026-03-31", "address_id") == []
    assert kept_ids("energy", frame, "2026-03-31T23:59", "address_id") == []
    assert kept_ids("energy", frame, "2026-04-01", "address_id") == ["march", "q1"]
    assert kept_ids("energy", frame, "2026-05-01", "address_id") == ["march", "q1", "april"]


@pytest.mark.parametrize(
    ("period_end", "last_excluded", "first_included"),
    [
        # Clocks go forward in the night of 28/29 March 2026, back in that of 24/25 October.
        ("2026-03-28", "2026-03-28T23:59:59", "2026-03-29"),
        ("2026-03-29", "2026-03-29T23:59:59", "2026-03-30"),
        ("2026-10-24", "2026-10-24T23:59:59", "2026-10-25"),
        ("2026-10-25", "2026-10-25T23:59:59", "2026-10-26"),
    ],
)
def test_energy_period_end_around_dst_changes(
    period_end: str, last_excluded: str, first_included: str
) -> None:
    frame = pd.DataFrame(
        {
            "address_id": ["A1"],
            "period_start": moments("2026-01-01"),
            "period_end": moments(period_end),
            "kwh": [1.0],
        }
    )
    assert kept_ids("energy", frame, last_excluded, "address_id") == []
    assert kept_ids("energy", frame, first_included, "address_id") == ["A1"]


def test_energy_period_end_with_a_time_still_means_that_whole_day() -> None:
    frame = pd.DataFrame(
        {
            "address_id": ["A1"],
            "period_start": moments("2026-03-01"),
            "period_end": moments("2026-03-31T08:00"),
            "kwh": [1.0],
        }
    )
    assert kept_ids("energy", frame, "2026-03-31T12:00", "address_id") == []
    assert kept_ids("energy", frame, "2026-04-01", "address_id") == ["A1"]


def test_vacant_since_on_or_after_as_of_is_ignored_and_missing_always_counts() -> None:
    frame = pd.DataFrame(
        {
            "building_id": ["earlier", "same_day", "later", "unknown"],
            "vacant_since": moments("2026-03-13", "2026-03-14", "2026-06-01", None),
        }
    )
    assert kept_ids("vacant_buildings", frame, "2026-03-14", "building_id") == [
        "earlier",
        "unknown",
    ]
    assert kept_ids("vacant_buildings", frame, "2026-03-15", "building_id") == [
        "earlier",
        "same_day",
        "unknown",
    ]
    assert kept_ids("vacant_buildings", frame, "2000-01-01", "building_id") == ["unknown"]


def test_vacant_buildings_without_the_column_all_count() -> None:
    frame = pd.DataFrame({"building_id": ["B1", "B2"]})
    assert kept_ids("vacant_buildings", frame, "2000-01-01", "building_id") == ["B1", "B2"]


def test_as_of_date_is_midnight_amsterdam_across_dst() -> None:
    assert parse_as_of("2026-01-15") == pd.Timestamp("2026-01-14T23:00Z")
    assert parse_as_of("2026-03-29") == pd.Timestamp("2026-03-28T23:00Z")  # still CET
    assert parse_as_of("2026-03-30") == pd.Timestamp("2026-03-29T22:00Z")  # CEST
    assert parse_as_of("2026-10-25") == pd.Timestamp("2026-10-24T22:00Z")  # still CEST
    assert parse_as_of("2026-10-26") == pd.Timestamp("2026-10-25T23:00Z")  # CET
    assert parse_as_of("2026-03-29T03:30") == pd.Timestamp("2026-03-29T01:30Z")


@pytest.mark.parametrize("text", ["", "yesterday", "14-03-2026", "2026-02-30"])
def test_as_of_that_is_not_a_date_is_a_contract_error(text: str) -> None:
    with pytest.raises(ContractError, match="as-of"):
        parse_as_of(text)


def test_as_of_default_is_the_start_of_today() -> None:
    today = pd.Timestamp.now(tz="Europe/Amsterdam").normalize().tz_convert("UTC")
    assert parse_as_of(None) == today


def test_known_at_on_a_loaded_directory(contract_dir: Path) -> None:
    dataset = load_data_dir(contract_dir)
    known = known_at(dataset, parse_as_of("2025-06-02"))
    dumpings = known.layers["dumpings"]
    # D2 was seen on 2025-06-01 at 23:40 local time: known on 2 June.
    assert dumpings["dumping_id"].tolist() == ["D1", "D2"]
    assert known_at(dataset, parse_as_of("2025-06-01T23:40")).layers["dumpings"][
        "dumping_id"
    ].tolist() == ["D1"]
    assert known.layers["reports"]["report_id"].tolist() == ["R3"]
    assert len(known.layers["inspections"]) == 3
    assert known_at(dataset, parse_as_of("2025-02-01")).layers["inspections"][
        "address_id"
    ].tolist() == ["0000000000000007", "0000000000000001"]
    energy = known.layers["energy"]
    assert energy["period_end"].max() == pd.Timestamp("2025-05-30T22:00Z")  # 31 May, CEST
    assert len(energy) == 36 * 29  # January 2023 up to May 2025
    assert known.layers["vacant_buildings"]["building_id"].tolist() == ["B1", "B2"]
    assert known.layers["area"] is dataset.layers["area"]
    assert known.addresses is dataset.addresses


# --- each time rule, on a layer the contract does not have -----------------------------------

_WHEN = Column("when", ColumnType.DATE, required=True)
_SINCE = Column("since", ColumnType.DATE)
_FROM = Column("from", ColumnType.DATE, required=True)
PROBES = {
    TimeRule.OBSERVED: LayerSchema(
        "probe", GeometryKind.NONE, (_WHEN,), time_rule=TimeRule.OBSERVED, time_column="when"
    ),
    TimeRule.PERIOD_END: LayerSchema(
        "probe",
        GeometryKind.NONE,
        (_FROM, _WHEN),
        time_rule=TimeRule.PERIOD_END,
        time_column="when",
        period_start="from",
    ),
    TimeRule.STARTS: LayerSchema(
        "probe", GeometryKind.NONE, (_SINCE,), time_rule=TimeRule.STARTS, time_column="since"
    ),
    TimeRule.TIMELESS: LayerSchema("probe", GeometryKind.NONE, (_SINCE,)),
}


def probe_ids(
    monkeypatch: pytest.MonkeyPatch, rule: TimeRule, frame: pd.DataFrame, as_of: str
) -> list[str]:
    monkeypatch.setitem(LAYER_SCHEMAS, "probe", PROBES[rule])
    return kept_ids("probe", frame, as_of, "record_id")


@pytest.mark.parametrize("as_of", ["2026-03-29", "2026-10-25", "2026-01-15"])
def test_observed_rule_at_local_midnight(monkeypatch: pytest.MonkeyPatch, as_of: str) -> None:
    midnight = pd.Timestamp(as_of, tz="Europe/Amsterdam")
    frame = pd.DataFrame(
        {
            "record_id": ["second_before", "midnight", "second_after"],
            "when": pd.Series(
                [midnight - pd.Timedelta(seconds=1), midnight, midnight + pd.Timedelta(seconds=1)]
            ).dt.tz_convert("UTC"),
        }
    )
    assert probe_ids(monkeypatch, TimeRule.OBSERVED, frame, as_of) == ["second_before"]


@pytest.mark.parametrize(
    ("last_day", "still_running", "ended"),
    [
        # 29 March 2026 has 23 hours, 25 October 25: the period ends with the local day.
        ("2026-03-29", "2026-03-29T23:59:59", "2026-03-30"),
        ("2026-10-25", "2026-10-25T23:59:59", "2026-10-26"),
        ("2026-03-28", "2026-03-28T23:59:59", "2026-03-29"),
    ],
)
def test_period_end_rule_on_dst_days(
    monkeypatch: pytest.MonkeyPatch, last_day: str, still_running: str, ended: str
) -> None:
    frame = pd.DataFrame(
        {"record_id": ["period"], "from": moments("2026-01-01"), "when": moments(last_day)}
    )
    assert probe_ids(monkeypatch, TimeRule.PERIOD_END, frame, still_running) == []
    assert probe_ids(monkeypatch, TimeRule.PERIOD_END, frame, ended) == ["period"]


def test_starts_rule_at_its_boundary(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = pd.DataFrame(
        {
            "record_id": ["before", "at", "after", "empty"],
            "since": moments("2026-03-28T23:59:59", "2026-03-29", "2026-03-29T00:00:01", None),
        }
    )
    assert probe_ids(monkeypatch, TimeRule.STARTS, frame, "2026-03-29") == ["before", "empty"]
    assert probe_ids(monkeypatch, TimeRule.STARTS, frame.drop(columns="since"), "2000-01-01") == [
        "before",
        "at",
        "after",
        "empty",
    ]


def test_timeless_rule_keeps_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = pd.DataFrame({"record_id": ["future"], "since": moments("2030-01-01")})
    assert probe_ids(monkeypatch, TimeRule.TIMELESS, frame, "2025-01-01") == ["future"]


def test_a_record_of_2030_is_not_known_in_2025_in_any_dated_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame = pd.DataFrame(
        {
            "record_id": ["future"],
            "from": moments("2030-01-01"),
            "when": moments("2030-01-31"),
            "since": moments("2030-01-01"),
        }
    )
    for rule in (TimeRule.OBSERVED, TimeRule.PERIOD_END, TimeRule.STARTS):
        assert probe_ids(monkeypatch, rule, frame, "2025-01-01") == [], rule


def test_known_at_moments_is_known_at_at_every_moment(contract_dir: Path) -> None:
    dataset = load_data_dir(contract_dir)
    dates = ["2020-01-01", "2024-06-01", "2025-03-01", "2025-03-02", "2025-07-01", "2030-01-01"]
    moments = [parse_as_of(date) for date in dates]
    for moment, (known, rows) in zip(moments, known_at_moments(dataset, moments), strict=True):
        expected = known_at(dataset, moment)
        assert set(known.layers) == set(expected.layers)
        for name, frame in expected.layers.items():
            pd.testing.assert_frame_equal(known.layers[name], frame)
            if name in rows:
                chosen = dataset.layers[name].iloc[rows[name]].reset_index(drop=True)
                pd.testing.assert_frame_equal(chosen, frame)
    assert set(rows) == {"dumpings", "reports", "inspections", "energy", "vacant_buildings"}
