from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from buitengebied.dataset import Dataset
from buitengebied.evaluation.metrics import rank_addresses
from buitengebied.evaluation.premises import registered_vacancy, vacant_and_large_scores

X, Y = 215_000.0, 450_000.0


def tiny_dataset(
    register: gpd.GeoDataFrame | None, floor_area=(100.0, 500.0, np.nan, 50.0, 1000.0)
):
    # Addresses 2 km apart, so that no register row is near two of them.
    addresses = gpd.GeoDataFrame(
        {"address_id": ["A", "B", "C", "D", "E"], "floor_area_m2": list(floor_area)},
        geometry=gpd.points_from_xy([X + 2000.0 * k for k in range(5)], [Y] * 5),
        crs="EPSG:28992",
    )
    layers = {} if register is None else {"vacant_buildings": register}
    return Dataset(addresses, layers, shapely.box(X - 1000, Y - 1000, X + 9000, Y + 1000))


def register_rows() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "building_id": ["linked", "near C", "far from B", "polygon near D"],
            "address_id": ["A", None, None, None],
            "floor_area_m2": [900.0, 300.0, 800.0, np.nan],
        },
        geometry=[
            shapely.Point(X + 5000, Y + 5000),  # far away, but linked by id
            shapely.Point(X + 4000, Y + 100),  # 100 m from C
            shapely.Point(X + 2000, Y + 200),  # 200 m from B: beyond reach
            # Edge 140 m from D, its centre 240 m away.
            shapely.box(X + 6140, Y - 100, X + 6340, Y + 100),
        ],
        crs="EPSG:28992",
    )


def ranked(dataset: Dataset) -> list[str]:
    ids = pd.Index(dataset.addresses["address_id"], name="address_id")
    analysis = SimpleNamespace(evidence=SimpleNamespace(address_ids=ids))
    scores = vacant_and_large_scores(dataset, analysis, pd.Timestamp("2026-01-01", tz="UTC"))
    return list(rank_addresses(scores).sort_values().index)


def test_register_matches_by_id_or_within_150_m():
    found = registered_vacancy(tiny_dataset(register_rows()))
    assert found["vacant"].to_dict() == {"A": True, "B": False, "C": True, "D": True, "E": False}
    assert found["register_floor_area_m2"].to_dict() == pytest.approx(
        {"A": 900.0, "B": np.nan, "C": 300.0, "D": np.nan, "E": np.nan}, nan_ok=True
    )


def test_vacant_first_then_by_floor_area_own_area_before_the_registers():
    # Vacant: C (300 m² from the register), A (own 100 m² wins over the register's 900), D
    # (50); then E (1000) and B (500).
    assert ranked(tiny_dataset(register_rows())) == ["C", "A", "D", "E", "B"]


def test_without_a_register_only_floor_area_counts_ties_by_address_id():
    assert ranked(tiny_dataset(None)) == ["E", "B", "A", "D", "C"]
    assert ranked(tiny_dataset(None, floor_area=(np.nan,) * 5)) == ["A", "B", "C", "D", "E"]


def test_addresses_without_floor_area_column_use_the_register():
    dataset = tiny_dataset(register_rows())
    dataset.addresses = dataset.addresses.drop(columns="floor_area_m2")
    assert ranked(dataset) == ["A", "C", "D", "B", "E"]
