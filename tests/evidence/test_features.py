"""Evidence methods against brute-force references."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from buitengebied.dataset import Dataset
from buitengebied.evidence import features
from buitengebied.evidence.features import SharedEvidence, compute_evidence
from buitengebied.evidence.layerspec import load_layer_specs
from buitengebied.load.directory import load_data_dir
from buitengebied.load.timefilter import known_at
from buitengebied.timeutil import parse_as_of

TYPES = {"stable": 1.0, "barn": 1.0, "shed": 0.8, "greenhouse": 0.7, "dwelling": 0.3}


def vacancy_case(seed: int) -> tuple[Dataset, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = 3_000
    xy = np.column_stack([rng.uniform(0, 2_000, n), rng.uniform(0, 2_000, n)]) + [150_000, 450_000]
    addresses = gpd.GeoDataFrame(
        {"address_id": [f"{i:016d}" for i in range(n)]},
        geometry=shapely.points(xy),
        crs=28992,
    )
    # Scattered records, points and small polygons, some linked to an address ...
    m = 400
    centre = np.column_stack([rng.uniform(0, 2_000, m), rng.uniform(0, 2_000, m)]) + [
        150_000,
        450_000,
    ]
    polygon = rng.random(m) < 0.3
    half = rng.uniform(5, 40, m)
    geometry = np.where(
        polygon,
        shapely.box(
            centre[:, 0] - half, centre[:, 1] - half, centre[:, 0] + half, centre[:, 1] + half
        ),
        shapely.points(centre),
    )
    kinds = rng.choice(list(TYPES), m)
    linked = np.where(
        rng.random(m) < 0.2, addresses["address_id"].to_numpy()[rng.integers(0, n, m)], None
    )
    # ... and a dense cluster of weak records (dwellings) with strong ones farther away, so
    # that the nearest few records of an address are not always the strongest.
    cluster = rng.normal(0, 15, (40, 2)) + [151_000, 451_000]
    strong = np.array([[151_000 + 180, 451_000], [151_000, 451_000 - 220]])
    geometry = np.concatenate([geometry, shapely.points(cluster), shapely.points(strong)])
    kinds = np.concatenate([kinds, ["dwelling"] * 40, ["stable"] * 2])
    linked = np.concatenate([linked, [None] * 42])
    records = gpd.GeoDataFrame(
        {
            "building_id": [f"B{i}" for i in range(len(kinds))],
            "building_type": kinds,
            "address_id": linked,
        },
        geometry=geometry,
        crs=28992,
    )
    dataset = Dataset(
        addresses=addresses,
        layers={"vacant_buildings": records},
        area=shapely.box(149_000, 449_000, 153_000, 453_000),
    )
    return dataset, records


def brute_force_nearest(dataset: Dataset, records: pd.DataFrame) -> np.ndarray:
    weights = records["building_type"].map(TYPES).to_numpy(dtype=float)
    address_geometry = np.asarray(dataset.addresses.geometry)
    distance = shapely.distance(address_geometry[:, None], np.asarray(records.geometry)[None, :])
    strength = np.where(distance <= 300.0, weights[None, :] * np.exp(-distance / 100.0), 0.0)
    best = strength.max(axis=1)
    ids = dataset.addresses["address_id"].to_numpy()
    for address_id, weight in zip(records["address_id"], weights, strict=True):
        if address_id is not None:
            position = np.flatnonzero(ids == address_id)[0]
            best[position] = max(best[position], weight)
    return best


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_nearest_vacancy_equals_the_brute_force_maximum(seed):
    dataset, records = vacancy_case(seed)
    spec = next(s for s in load_layer_specs() if s.name == "vacant_buildings")
    evidence = compute_evidence(dataset, as_of=parse_as_of("2026-01-01"), specs=[spec])
    expected = brute_force_nearest(dataset, records)
    np.testing.assert_allclose(evidence.raw["vacant_buildings"].to_numpy(), expected, rtol=1e-12)
    # The weak cluster is there: some addresses' best record is not among their nearest.
    assert (expected > 0).mean() > 0.3


def test_shared_evidence_gives_the_same_evidence():
    dataset, _ = vacancy_case(1)
    specs = load_layer_specs()
    as_of = parse_as_of("2026-01-01")
    own = compute_evidence(dataset, specs, as_of=as_of)
    shared = compute_evidence(dataset, specs, as_of=as_of, shared=SharedEvidence.of(dataset))
    pd.testing.assert_frame_equal(shared.raw, own.raw, check_exact=True)


def test_shared_evidence_of_other_addresses_is_refused():
    dataset, _ = vacancy_case(1)
    addresses = dataset.addresses
    fewer = addresses.iloc[:-1]
    reordered = addresses.assign(address_id=addresses["address_id"].to_numpy()[::-1])
    for other in (fewer, reordered):
        shared = SharedEvidence.of(Dataset(addresses=other, layers={}, area=dataset.area))
        with pytest.raises(ValueError, match="other addresses"):
            compute_evidence(
                dataset, load_layer_specs(), as_of=parse_as_of("2026-01-01"), shared=shared
            )


def test_ball_queries_and_the_dual_tree_search_give_the_same_evidence(monkeypatch):
    dataset, _ = vacancy_case(2)
    spec = next(s for s in load_layer_specs() if s.name == "vacant_buildings")
    as_of = parse_as_of("2026-01-01")
    by_ball = compute_evidence(dataset, [spec], as_of=as_of).raw
    monkeypatch.setattr(features, "_MAX_BALL_QUERIES", 0)
    by_tree = compute_evidence(dataset, [spec], as_of=as_of).raw
    pd.testing.assert_frame_equal(by_ball, by_tree, check_exact=True)


def test_shared_energy_comparisons_give_the_anomaly_of_every_moment(contract_dir):
    dataset = known_at(load_data_dir(contract_dir), parse_as_of("2025-07-01"))
    energy_spec = [s for s in load_layer_specs() if s.method == "energy_anomaly"]
    shared = SharedEvidence.of(dataset)
    for moment in ("2025-07-01", "2026-03-01", "2027-01-01"):  # later: stale data damped
        as_of = parse_as_of(moment)
        own = compute_evidence(dataset, energy_spec, as_of=as_of)
        reused = compute_evidence(dataset, energy_spec, as_of=as_of, shared=shared)
        pd.testing.assert_frame_equal(reused.raw, own.raw, check_exact=True)
        for name, detail in own.details.items():
            pd.testing.assert_frame_equal(reused.details[name], detail, check_exact=True)
    assert list(shared.energy) == [s.name for s in energy_spec]
    assert own.raw.iloc[:, 0].sum() > 0
