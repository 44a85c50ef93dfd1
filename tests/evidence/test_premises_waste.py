"""The premises factor, dumped waste carried from a source, and inspection outcomes."""

from __future__ import annotations

import dataclasses
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from buitengebied.dataset import Dataset
from buitengebied.evidence.features import compute_evidence
from buitengebied.evidence.layerspec import is_modifier, load_layer_specs
from buitengebied.evidence.premises import premises_components, use_weights
from buitengebied.evidence.waste import burst_weights
from buitengebied.scoring.fusion import fuse

X, Y = 215_000.0, 450_000.0
AS_OF = pd.Timestamp("2026-06-01", tz="UTC")
SPECS = {spec.name: spec for spec in load_layer_specs()}


def village_with_a_remote_shed() -> gpd.GeoDataFrame:
    """A village of 60 flats on a 40 m grid, and a large shed 8 km east of it.

    Also a small remote dwelling (``HOUSE``) beside the shed, and a farm ``FARM`` 8 km
    north whose stable stands on the vacancy register (unlinked, 100 m away).
    """
    ii, jj = np.meshgrid(np.arange(10), np.arange(6))
    flats = pd.DataFrame(
        {
            "address_id": [f"FLAT{k:02d}" for k in range(60)],
            "x": X + 40.0 * ii.ravel(),
            "y": Y + 40.0 * jj.ravel(),
            "use": "woonfunctie",
            "floor_area_m2": 70.0,
        }
    )
    remote = pd.DataFrame(
        {
            "address_id": ["SHED", "HOUSE", "FARM"],
            "x": [X + 8000.0, X + 8400.0, X],
            "y": [Y, Y, Y + 8000.0],
            "use": ["overige gebruiksfunctie", "woonfunctie", "woonfunctie"],
            "floor_area_m2": [1800.0, 120.0, 150.0],
        }
    )
    table = pd.concat([flats, remote], ignore_index=True)
    return gpd.GeoDataFrame(
        table.drop(columns=["x", "y"]),
        geometry=gpd.points_from_xy(table["x"], table["y"]),
        crs="EPSG:28992",
    )


def register() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "building_id": ["stal"],
            "address_id": [None],
            "building_type": ["stable"],
            "floor_area_m2": [1200.0],
        },
        geometry=[shapely.Point(X + 100.0, Y + 8000.0)],
        crs="EPSG:28992",
    )


def dataset(**layers: pd.DataFrame) -> Dataset:
    addresses = village_with_a_remote_shed()
    return Dataset(
        addresses, dict(layers), shapely.box(X - 12_000, Y - 12_000, X + 20_000, Y + 20_000)
    )


def dumpings(x: float, y: float, waste_type: str, count: int = 1) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "dumping_id": [f"D{k}" for k in range(count)],
            "observed_at": [AS_OF - pd.Timedelta(days=30)] * count,
            "waste_type": [waste_type] * count,
            "confirmed": [True] * count,
        },
        geometry=[shapely.Point(x + k, y) for k in range(count)],
        crs="EPSG:28992",
    )


def components(data: Dataset) -> pd.DataFrame:
    found = premises_components(SPECS["premises"], data)
    return found.as_frame(pd.Index(data.addresses["address_id"]))


def test_a_large_remote_shed_could_host_a_lab_and_a_village_flat_hardly():
    table = components(dataset())
    assert table.loc["SHED", "premises"] > 5 * table.loc["FLAT00", "premises"]
    assert table.loc["SHED", "premises"] > table.loc["HOUSE", "premises"]
    # Inside the village the distance to its edge is 0; the shed is 7640 m from its edge.
    assert table.loc["FLAT00", "seclusion"] == 0.0
    assert table.loc["SHED", "seclusion"] == pytest.approx(1.0 - np.exp(-7.64), rel=1e-9)
    assert table.loc["SHED", "size"] > 0.9 > table.loc["HOUSE", "size"]


def test_an_unlinked_register_row_within_150_m_counts_with_its_building_and_floor_area():
    without = components(dataset())
    with_register = components(dataset(vacant_buildings=register()))
    farm_before, farm_after = without.loc["FARM"], with_register.loc["FARM"]
    # That it stands empty is the vacant_buildings factor's evidence, not counted again here.
    assert farm_before["vacancy"] == 1.0 and farm_after["vacancy"] == 1.0
    # The stable lifts the use (a dwelling) to a stable's weight and the floor area to 1200.
    assert farm_after["use"] == 1.0 > farm_before["use"]
    assert farm_after["size"] > farm_before["size"]
    assert farm_after["premises"] > 5 * farm_before["premises"]
    assert (with_register.drop(index="FARM") == without.drop(index="FARM")).all().all()


def test_a_positive_vacancy_bonus_multiplies_the_premises_of_a_registered_address():
    """A layer set without a vacant_buildings factor may count the emptiness here."""
    spec = SPECS["premises"]
    bonus = dataclasses.replace(spec, params={**spec.params, "vacancy_bonus": 1.0})
    data = dataset(vacant_buildings=register())
    shipped = premises_components(spec, data).as_frame(pd.Index(data.addresses["address_id"]))
    found = premises_components(bonus, data).as_frame(pd.Index(data.addresses["address_id"]))
    # The stable's type weight is 1.0: the farm's premises double, nobody else's change.
    assert found.loc["FARM", "vacancy"] == 2.0
    assert found.loc["FARM", "premises"] == pytest.approx(2.0 * shipped.loc["FARM", "premises"])
    assert (found.drop(index="FARM") == shipped.drop(index="FARM")).all().all()


def test_a_multi_use_address_takes_its_most_suitable_use():
    addresses = village_with_a_remote_shed()
    addresses.loc[addresses["address_id"] == "HOUSE", "use"] = "woonfunctie, industriefunctie"
    data = Dataset(addresses, {}, shapely.box(X - 1000, Y - 1000, X + 9000, Y + 9000))
    assert components(data).loc["HOUSE", "use"] == 0.9


def test_use_weights_read_each_value_as_a_row_on_its_own_would():
    """Weights per distinct use, spread back, are those of every row read alone."""
    spec = SPECS["premises"]
    table = next(t for t in spec.record_weights if t.column == "use")
    uses = [
        "woonfunctie",
        "Industriefunctie",
        "woonfunctie; industriefunctie",
        "",
        None,
        "onbekend / bijeenkomstfunctie",
        "INDUSTRIEFUNCTIE",
    ]
    addresses = pd.DataFrame({"use": uses * 3}, index=np.arange(100, 121))

    def alone(use: str | None) -> float:
        if use is None:
            return table.default
        parts = [part.strip() for part in re.split(r"[,;/|]", use.lower())]
        return max(table.values.get(part, table.default) for part in parts)

    expected = [alone(use) for use in addresses["use"]]
    np.testing.assert_array_equal(use_weights(spec, addresses), expected)
    categorical = addresses.astype({"use": "category"})
    np.testing.assert_array_equal(use_weights(spec, categorical), expected)


def test_a_chemical_dumping_10_km_away_raises_a_large_remote_shed_more_than_a_village_flat():
    # The dumping lies 2 km west of the village, 10 km from the shed.
    data = dataset(dumpings=dumpings(X - 2000.0, Y, "barrels"))
    raw = compute_evidence(data, [SPECS["premises"], SPECS["dumpings"]], as_of=AS_OF).raw
    assert raw.loc["SHED", "dumpings"] > raw.loc["FLAT00", "dumpings"] > 0.0


def test_cannabis_waste_is_carried_less_far_than_chemicals():
    spec = SPECS["dumpings"]
    assert spec.carry_distance is not None
    distances = spec.carry_distance.values
    assert distances["cannabis_waste"] < distances["barrels"] == distances["jerrycans"]
    near, far = (
        compute_evidence(
            dataset(dumpings=dumpings(X + 8000.0, Y + 1000.0, waste_type)), [spec], as_of=AS_OF
        ).raw.loc["SHED", "dumpings"]
        for waste_type in ("cannabis_waste", "chemicals")
    )
    # 1 km from the shed: cannabis waste, spread over a smaller area, says more.
    assert near > far > 0.0


def test_a_burst_at_one_spot_counts_sub_linearly():
    xy = np.array([[X, Y]] * 9 + [[X + 5000.0, Y]])
    weights = burst_weights(xy, np.ones(10), radius_m=300.0, exponent=0.5)
    assert weights[:9].sum() == pytest.approx(3.0)
    assert weights[9] == pytest.approx(1.0)
    spec = SPECS["dumpings"]
    one, nine = (
        compute_evidence(
            dataset(dumpings=dumpings(X + 8000.0, Y + 3000.0, "barrels", count)),
            [spec],
            as_of=AS_OF,
        ).raw.loc["SHED", "dumpings"]
        for count in (1, 9)
    )
    assert nine == pytest.approx(3.0 * one, rel=0.02)


def inspections(outcome: str, days_ago: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "address_id": ["SHED"],
            "inspected_at": [AS_OF - pd.Timedelta(days=days_ago)],
            "outcome": [outcome],
        }
    )


def shed_rank(inspection_rows: pd.DataFrame | None) -> tuple[int, float]:
    layers = {} if inspection_rows is None else {"inspections": inspection_rows}
    specs = list(SPECS.values())
    scores = fuse(compute_evidence(dataset(**layers), specs, as_of=AS_OF)).table
    row = scores.set_index("address_id").loc["SHED"]
    return int(row["rank"]), float(row["score"])


def test_a_find_ends_the_site_and_nothing_found_lowers_the_risk_for_a_while():
    rank, score = shed_rank(None)
    assert rank == 1
    _, after_find = shed_rank(inspections("drug_lab", days_ago=30))
    _, after_nothing = shed_rank(inspections("nothing", days_ago=30))
    _, long_after_nothing = shed_rank(inspections("nothing", days_ago=900))
    _, after_signals = shed_rank(inspections("signals", days_ago=30))
    # One find takes half the score away, nothing found 15 %: both fade with time.
    assert after_find == pytest.approx(score * (1 - 0.5 * 0.5 ** (30 / 365)), rel=1e-9)
    assert after_find < after_nothing < long_after_nothing < score
    assert long_after_nothing == pytest.approx(score, rel=0.05)
    assert after_signals > score


def test_a_visit_with_an_other_outcome_is_no_evidence_in_itself():
    assert shed_rank(inspections("other", days_ago=30)) == shed_rank(None)


def test_modifiers_give_negative_contributions_that_add_up_to_the_score():
    specs = list(SPECS.values())
    data = dataset(inspections=inspections("cannabis_grow", days_ago=10))
    scores = fuse(compute_evidence(data, specs, as_of=AS_OF))
    contributions = scores.contributions()
    np.testing.assert_allclose(
        contributions.sum(axis=1),
        scores.table.set_index("address_id")["score"].reindex(contributions.index),
    )
    modifiers = [s.name for s in specs if is_modifier(s)]
    assert contributions.loc["SHED", modifiers].sum() < 0.0
    assert "inspection_finds" not in scores.table["top_factors"].str.cat(sep=";")
