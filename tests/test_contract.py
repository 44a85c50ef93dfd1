"""The contract as data (buitengebied.contract): one schema is all a new layer needs."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import HOT_ADDRESS

from buitengebied.contract import (
    ADDRESSES,
    CONFIRMED_FINDS,
    LAYER_SCHEMAS,
    Column,
    ColumnType,
    FindRule,
    GeometryKind,
    LayerSchema,
    TimeRule,
    finds_schema,
    load_order,
)
from buitengebied.errors import ValidationError
from buitengebied.load.directory import check_data_dir, find_layer_files, load_data_dir
from buitengebied.load.timefilter import known_at
from buitengebied.timeutil import parse_as_of

DOCS = Path(__file__).resolve().parents[1] / "docs" / "data-contract.md"

#: A layer the contract does not have: patrol sightings, dated, with a category.
SIGHTINGS = LayerSchema(
    "sightings",
    GeometryKind.POINT,
    (
        Column("sighting_id", ColumnType.ID, required=True, unique=True),
        Column("address_id", ColumnType.ID, references_addresses=True),
        Column("seen_at", ColumnType.DATE, required=True),
        Column("kind", ColumnType.CATEGORY, categories=("car", "van")),
    ),
    time_rule=TimeRule.OBSERVED,
    time_column="seen_at",
)


@pytest.fixture
def sightings(monkeypatch: pytest.MonkeyPatch, contract_dir: Path) -> Path:
    """The contract with a ``sightings`` layer, and a data directory holding one."""
    monkeypatch.setitem(LAYER_SCHEMAS, SIGHTINGS.name, SIGHTINGS)
    pd.DataFrame(
        {
            "sighting_id": ["S1", "S2", "S3"],
            "address_id": [HOT_ADDRESS, None, HOT_ADDRESS],
            "seen_at": ["2024-11-02T21:15", "2030-06-01", "2024-12-31T23:59"],
            "kind": ["van", "Car", "van"],
            "x": [215_100.0, 216_000.0, 215_200.0],
            "y": [450_100.0, 451_000.0, 450_200.0],
        }
    ).to_csv(contract_dir / "sightings.csv", index=False)
    return contract_dir


def test_a_new_schema_is_found_loaded_and_validated(sightings: Path) -> None:
    found = find_layer_files(sightings)
    assert found.layers["sightings"] == sightings / "sightings.csv"
    assert sightings / "sightings.csv" not in found.ignored
    dataset = load_data_dir(sightings)
    assert dataset.layers_present[-1] == "sightings"
    layer = dataset.layer("sightings")
    assert layer is not None
    assert layer["kind"].tolist() == ["van", "car", "van"]
    assert layer["seen_at"].iloc[1] == pd.Timestamp("2030-05-31T22:00Z")
    assert layer.crs == "EPSG:28992"


def test_a_new_schema_refuses_a_bad_row(sightings: Path) -> None:
    frame = pd.read_csv(sightings / "sightings.csv", dtype=str)
    frame.loc[1, "kind"] = "tractor"
    frame.loc[2, "address_id"] = "9999999999999999"
    frame.to_csv(sightings / "sightings.csv", index=False)
    with pytest.raises(ValidationError) as caught:
        load_data_dir(sightings)
    assert caught.value.path == sightings / "sightings.csv"
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "kind"), (3, "address_id")]
    checks, _ = check_data_dir(sightings)
    failed = [c for c in checks if c.error is not None]
    assert [c.path.name for c in failed] == ["sightings.csv"]


def test_a_new_schema_is_filtered_by_time(sightings: Path) -> None:
    dataset = load_data_dir(sightings)
    known = known_at(dataset, parse_as_of("2025-01-01"))
    assert known.layers["sightings"]["sighting_id"].tolist() == ["S1", "S3"]
    assert known_at(dataset, parse_as_of("2024-12-31T23:59")).layers["sightings"][
        "sighting_id"
    ].tolist() == ["S1"]
    assert len(known_at(dataset, parse_as_of("2030-06-02")).layers["sightings"]) == 3


def test_a_misspelt_new_layer_gets_a_hint(sightings: Path) -> None:
    (sightings / "sightings.csv").rename(sightings / "sighting.csv")
    found = find_layer_files(sightings)
    assert found.misspelt == {sightings / "sighting.csv": "sightings.csv"}


def test_addresses_load_first_and_every_layer_once() -> None:
    order = load_order()
    assert order[0] == ADDRESSES
    assert sorted(order) == sorted(LAYER_SCHEMAS)


def test_load_order_follows_a_new_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(LAYER_SCHEMAS, SIGHTINGS.name, SIGHTINGS)
    assert load_order()[0] == ADDRESSES
    assert load_order()[-1] == "sightings"


def test_the_contract_time_rules() -> None:
    rules = {name: (s.time_rule, s.time_column) for name, s in LAYER_SCHEMAS.items()}
    assert rules == {
        "addresses": (TimeRule.TIMELESS, None),
        "area": (TimeRule.TIMELESS, None),
        "vacant_buildings": (TimeRule.STARTS, "vacant_since"),
        "dumpings": (TimeRule.OBSERVED, "observed_at"),
        "reports": (TimeRule.OBSERVED, "observed_at"),
        "energy": (TimeRule.PERIOD_END, "period_end"),
        "inspections": (TimeRule.OBSERVED, "inspected_at"),
        "roads": (TimeRule.TIMELESS, None),
    }


def test_history_starts_at_observations_and_period_starts() -> None:
    history = {name: s.history_column for name, s in LAYER_SCHEMAS.items()}
    assert history == {
        "addresses": None,
        "area": None,
        "vacant_buildings": None,
        "dumpings": "observed_at",
        "reports": "observed_at",
        "energy": "period_start",
        "inspections": "inspected_at",
        "roads": None,
    }


def test_confirmed_finds_are_stated_once_by_the_inspections() -> None:
    schema = finds_schema()
    assert schema.name == "inspections"
    assert schema.finds == FindRule("outcome", CONFIRMED_FINDS)
    assert set(CONFIRMED_FINDS) == {"cannabis_grow", "drug_lab", "storage"}
    assert schema.address_column == "address_id"


def test_no_layer_of_finds_is_a_lookup_error(monkeypatch: pytest.MonkeyPatch) -> None:
    inspections = LAYER_SCHEMAS["inspections"]
    monkeypatch.setitem(
        LAYER_SCHEMAS,
        "inspections",
        LayerSchema(
            "inspections",
            inspections.geometry,
            inspections.columns,
            time_rule=inspections.time_rule,
            time_column=inspections.time_column,
        ),
    )
    with pytest.raises(LookupError, match="one layer of finds"):
        finds_schema()


def test_keys_and_references() -> None:
    assert LAYER_SCHEMAS[ADDRESSES].key == "address_id"
    assert LAYER_SCHEMAS["reports"].key == "report_id"
    assert LAYER_SCHEMAS["energy"].key is None
    assert LAYER_SCHEMAS["vacant_buildings"].address_column == "address_id"
    assert LAYER_SCHEMAS["dumpings"].address_column is None
    assert [s.name for s in LAYER_SCHEMAS.values() if s.required] == [ADDRESSES]


_DATE = Column("when", ColumnType.DATE, required=True)
_OPTIONAL_DATE = Column("when", ColumnType.DATE)
_TEXT = Column("note", ColumnType.TEXT)


@pytest.mark.parametrize(
    ("columns", "options", "message"),
    [
        ((_DATE,), {"time_column": "when"}, "time column exactly when"),
        ((_DATE,), {"time_rule": TimeRule.OBSERVED}, "time column exactly when"),
        ((_TEXT,), {"time_rule": TimeRule.OBSERVED, "time_column": "note"}, "no date column"),
        ((_DATE,), {"time_rule": TimeRule.OBSERVED, "time_column": "nowhere"}, "no date column"),
        (
            (_OPTIONAL_DATE,),
            {"time_rule": TimeRule.OBSERVED, "time_column": "when"},
            "must be required",
        ),
        ((_DATE,), {"time_rule": TimeRule.PERIOD_END, "time_column": "when"}, "period start"),
        (
            (_DATE, _TEXT),
            {"time_rule": TimeRule.OBSERVED, "time_column": "when", "period_start": "when"},
            "period start",
        ),
        (
            (_DATE, _TEXT),
            {"time_rule": TimeRule.OBSERVED, "time_column": "when", "finds": FindRule("note", ())},
            "no category column",
        ),
        (
            (_OPTIONAL_DATE, Column("outcome", ColumnType.CATEGORY, categories=("hit", "miss"))),
            {
                "time_rule": TimeRule.STARTS,
                "time_column": "when",
                "finds": FindRule("outcome", ("hit",)),
            },
            "finds must be dated",
        ),
        (
            (_DATE, Column("outcome", ColumnType.CATEGORY, categories=("hit", "miss"))),
            {
                "time_rule": TimeRule.OBSERVED,
                "time_column": "when",
                "finds": FindRule("outcome", ("bingo",)),
            },
            "finds must be dated, known categories",
        ),
    ],
)
def test_an_inconsistent_schema_is_refused(
    columns: tuple[Column, ...], options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        LayerSchema("probe", GeometryKind.POINT, columns, **options)  # type: ignore[arg-type]


def test_roads_accept_what_routing_needs() -> None:
    roads = LAYER_SCHEMAS["roads"]
    assert roads.geometry is GeometryKind.LINE
    assert set(roads.column_names) >= {
        "maxspeed",
        "name",
        "wvk_id",
        "jte_id_beg",
        "jte_id_end",
        "rijrichtng",
        "wegbehsrt",
        "highway",
        "oneway",
    }
    assert not any(c.required for c in roads.columns)
    assert set(roads.column("rijrichtng").categories) == {"b", "h", "t", "o"}
    assert set(roads.column("wegbehsrt").categories) == {"r", "p", "g", "w", "t"}
    assert {"yes", "no", "-1"} <= set(roads.column("oneway").categories)
    assert roads.column("highway").type is ColumnType.TEXT


def test_the_user_docs_name_every_layer_column_and_time_rule() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for schema in LAYER_SCHEMAS.values():
        assert f"`{schema.name}`" in text, schema.name
        for column in schema.columns:
            assert f"`{column.name}`" in text, (schema.name, column.name)
            for category in column.categories:
                assert f"`{category}`" in text or f"`{category.upper()}`" in text, category
    time_section = text[text.index("## Time") :]
    for schema in LAYER_SCHEMAS.values():
        assert re.search(rf"`{schema.name}`.*{schema.time_rule.value}", time_section), schema.name
    assert "/work/shared/data-contract.md" in text or "shared/data-contract.md" in text
