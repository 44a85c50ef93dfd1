"""The dataset that flows through the pipeline (buitengebied.dataset)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from buitengebied.dataset import Dataset


def small_dataset(layers: dict[str, pd.DataFrame]) -> Dataset:
    addresses = gpd.GeoDataFrame(
        {"address_id": ["0221010000012345", "0221010000012346"]},
        geometry=[shapely.Point(206_000, 447_000), shapely.Point(206_500, 447_200)],
        crs="EPSG:28992",
    )
    return Dataset(addresses, layers, shapely.box(205_000, 446_000, 207_500, 448_200))


def inspections() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "address_id": ["0221010000012345"],
            "inspected_at": pd.to_datetime(["2025-02-01"], utc=True),
            "outcome": ["cannabis_grow"],
        }
    )


def test_layer_returns_the_addresses_by_name() -> None:
    dataset = small_dataset({})
    assert dataset.layer("addresses") is dataset.addresses


def test_layer_returns_a_present_layer_and_none_for_an_absent_one() -> None:
    frame = inspections()
    dataset = small_dataset({"inspections": frame})
    assert dataset.layer("inspections") is frame
    assert dataset.layer("reports") is None
    assert dataset.layer("no such layer") is None


def test_layers_present_follow_the_load_order_not_the_order_of_insertion() -> None:
    area = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:28992")
    layers = {"inspections": inspections(), "reports": pd.DataFrame(), "area": area}
    assert small_dataset(layers).layers_present == ["addresses", "area", "reports", "inspections"]


def test_the_addresses_are_always_present() -> None:
    assert small_dataset({}).layers_present == ["addresses"]


def test_an_empty_layer_still_counts_as_present() -> None:
    empty = inspections().iloc[0:0]
    dataset = small_dataset({"inspections": empty})
    assert dataset.layers_present == ["addresses", "inspections"]
    layer = dataset.layer("inspections")
    assert layer is not None and len(layer) == 0


def test_bookkeeping_defaults_are_empty_and_not_shared() -> None:
    first, second = small_dataset({}), small_dataset({})
    assert first.source_files == {} and first.rejected_rows == {} and first.ignored_files == []
    first.rejected_rows["reports"] = 3
    assert second.rejected_rows == {}
