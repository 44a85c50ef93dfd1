"""Tests of the demo scenario generator (small Bronckhorst scenarios)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from buitengebied.contract import CONFIRMED_FINDS, LAYER_SCHEMAS
from buitengebied_scenarios.generator import (
    ScenarioParams,
    ScenarioTruth,
    generate_scenario,
    load_reference,
)

SMALL = ScenarioParams(
    n_addresses=600,
    n_hidden_sites=16,
    site_mix=(("cannabis_grow", 0.5), ("drug_lab", 0.3), ("storage", 0.2)),
    meter_bypass_share=0.3,
)
ID_COLUMNS = {"address_id", "building_id", "dumping_id", "report_id"}


def _generate(root: Path, params: ScenarioParams) -> tuple[Path, Path, ScenarioTruth]:
    data_dir, truth_dir = root / "data", root / "truth"
    truth = generate_scenario(data_dir, params, truth_dir=truth_dir)
    return data_dir, truth_dir, truth


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, ScenarioTruth]:
    return _generate(tmp_path_factory.mktemp("small"), SMALL)


@pytest.fixture(scope="module")
def without_sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, ScenarioTruth]:
    return _generate(tmp_path_factory.mktemp("nosites"), replace(SMALL, n_hidden_sites=0))


def _read(path: Path) -> pd.DataFrame:
    """Read a layer file as a user would; CSV text columns stay text."""
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    if path.suffix == ".parquet" and path.stem in ("energy", "inspections"):
        return pd.read_parquet(path)
    return gpd.read_file(path)


def _energy(data_dir: Path) -> pd.DataFrame:
    energy = pd.read_parquet(data_dir / "energy.parquet")
    energy["period_start"] = pd.to_datetime(energy["period_start"])
    energy["period_end"] = pd.to_datetime(energy["period_end"])
    return energy


def test_same_params_give_identical_files(small, tmp_path: Path) -> None:
    data_dir, truth_dir, _ = small
    again_data, again_truth, _ = _generate(tmp_path, SMALL)
    for first_dir, second_dir in ((data_dir, again_data), (truth_dir, again_truth)):
        names = sorted(p.name for p in first_dir.iterdir())
        assert names == sorted(p.name for p in second_dir.iterdir())
        for name in names:
            assert (first_dir / name).read_bytes() == (second_dir / name).read_bytes(), name


def test_other_seed_gives_other_scenario(small, tmp_path: Path) -> None:
    data_dir, _, _ = small
    other_data, _, _ = _generate(tmp_path, replace(SMALL, seed=1))
    assert (data_dir / "reports.csv").read_bytes() != (other_data / "reports.csv").read_bytes()


def test_every_layer_is_written_once_in_its_format(small) -> None:
    data_dir, _, _ = small
    assert sorted(p.name for p in data_dir.iterdir()) == [
        "addresses.gpkg",
        "area.gpkg",
        "dumpings.csv",
        "energy.parquet",
        "inspections.csv",
        "reports.csv",
        "roads.gpkg",
        "vacant_buildings.geojson",
    ]


def test_files_follow_the_contract(small) -> None:
    data_dir, _, _ = small
    for path in data_dir.iterdir():
        schema = LAYER_SCHEMAS[path.stem]
        frame = _read(path)
        assert len(frame) > 0, path.name
        for column in schema.columns:
            if column.required:
                assert column.name in frame, (path.name, column.name)
                assert (frame[column.name].astype(str).str.strip() != "").all()
            if column.unique:
                assert frame[column.name].is_unique, (path.name, column.name)
            if column.categories and column.name in frame:
                values = set(frame[column.name].replace("", np.nan).dropna())
                assert values <= set(column.categories), (path.name, column.name, values)


def test_csv_points_use_the_documented_coordinate_columns(small) -> None:
    data_dir, _, _ = small
    dumpings = pd.read_csv(data_dir / "dumpings.csv")
    reports = pd.read_csv(data_dir / "reports.csv")
    assert {"lon", "lat"} <= set(dumpings) and "x" not in dumpings
    assert dumpings["lon"].between(5.9, 6.6).all() and dumpings["lat"].between(51.9, 52.25).all()
    assert {"x", "y"} <= set(reports) and "lon" not in reports
    assert reports["x"].between(195_000, 240_000).all()


def test_ids_are_text_with_leading_zeros(small) -> None:
    data_dir, _, _ = small
    addresses = gpd.read_file(data_dir / "addresses.gpkg")
    assert addresses["address_id"].str.fullmatch(r"1876SYN\d{9}").all()
    dumpings = _read(data_dir / "dumpings.csv")
    assert dumpings["dumping_id"].str.fullmatch(r"0\d{5}").all()
    # A reader that guesses types loses the leading zeros: the id must be read as text.
    guessed = pd.read_csv(data_dir / "reports.csv")["report_id"]
    assert guessed.dtype.kind == "i"
    assert _read(data_dir / "reports.csv")["report_id"].str.len().eq(7).all()


def test_observed_at_mixes_dates_and_datetimes(small) -> None:
    data_dir, _, _ = small
    observed = _read(data_dir / "reports.csv")["observed_at"]
    assert observed.str.fullmatch(r"\d{4}-\d{2}-\d{2}").any()
    assert observed.str.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}").any()
    assert pd.to_datetime(observed, format="ISO8601").notna().all()


def test_area_is_bronckhorst_and_addresses_lie_inside(small) -> None:
    data_dir, _, _ = small
    area = gpd.read_file(data_dir / "area.gpkg")
    assert area.crs.to_epsg() == 28992
    assert area.area.sum() / 1e4 == pytest.approx(28_650, rel=0.01)
    addresses = gpd.read_file(data_dir / "addresses.gpkg")
    assert len(addresses) == SMALL.n_addresses
    assert addresses.within(area.union_all()).all()
    assert addresses["postcode"].str.fullmatch(r"(699[6-9]|702[15]|72[25]\d|723[34])[A-Z]{2}").all()
    assert {"Zelhem", "Vorden", "Hengelo Gld"} <= set(addresses["place"])


def test_street_names_are_synthetic(small) -> None:
    data_dir, _, _ = small
    real = load_reference().real_street_names
    assert len(real) > 400
    addresses = gpd.read_file(data_dir / "addresses.gpkg")
    roads = gpd.read_file(data_dir / "roads.gpkg")
    names = set(addresses["street"].str.lower()) | set(roads["name"].str.lower())
    assert not names & real


def test_roads_form_one_connected_network(small) -> None:
    data_dir, _, _ = small
    roads = gpd.read_file(data_dir / "roads.gpkg")
    assert roads["maxspeed"].isin([30, 60, 80]).all()
    coords = shapely.get_coordinates(shapely.boundary(roads.geometry.to_numpy()))
    keys, node = np.unique(np.round(coords, 3), axis=0, return_inverse=True)
    ends = node.reshape(-1, 2)
    graph = coo_matrix((np.ones(len(ends)), (ends[:, 0], ends[:, 1])), shape=(len(keys),) * 2)
    assert connected_components(graph, directed=False)[0] == 1


def test_vacant_buildings_mix_geometries_links_and_missing_dates(small) -> None:
    data_dir, _, _ = small
    vacant = gpd.read_file(data_dir / "vacant_buildings.geojson")
    assert vacant.crs.to_epsg() == 4326
    assert set(vacant.geom_type) == {"Point", "Polygon"}
    assert vacant["address_id"].isna().any() and vacant["address_id"].notna().any()
    assert vacant["vacant_since"].isna().any()
    assert set(vacant["source"]) == {"gemeente", "LTO"}


def test_truth_sites_are_addresses_and_stay_out_of_the_data_dir(small) -> None:
    data_dir, truth_dir, truth = small
    addresses = gpd.read_file(data_dir / "addresses.gpkg")
    sites = truth.hidden_sites
    assert len(sites) >= SMALL.n_hidden_sites
    assert sites["address_id"].isin(addresses["address_id"]).all()
    written = pd.read_csv(truth_dir / "hidden_sites.csv", dtype={"address_id": str})
    assert written["address_id"].tolist() == sites["address_id"].tolist()
    assert {"active_from", "active_until", "uses_meter_bypass", "site_type"} <= set(written)
    assert not list(data_dir.glob("hidden_sites*"))
    assert not sites.loc[sites["site_type"] != "cannabis_grow", "uses_meter_bypass"].any()


def test_found_sites_match_inspection_outcomes(small) -> None:
    data_dir, _, truth = small
    inspections = _read(data_dir / "inspections.csv")
    found = truth.hidden_sites.dropna(subset=["found_at"])
    for site in found.itertuples():
        rows = inspections[
            (inspections["address_id"] == site.address_id)
            & (inspections["inspected_at"] == site.found_at.strftime("%Y-%m-%d"))
        ]
        assert (rows["outcome"] == site.site_type).any()
        assert site.active_until == site.found_at
    finds = inspections[inspections["outcome"].isin(CONFIRMED_FINDS)]
    assert finds["address_id"].isin(truth.hidden_sites["address_id"]).all()


def test_zero_energy_coverage_writes_no_energy_file(small, tmp_path: Path) -> None:
    data_dir, _, _ = small
    target = tmp_path / "data"
    target.mkdir()
    (target / "energy.parquet").write_bytes((data_dir / "energy.parquet").read_bytes())
    generate_scenario(target, replace(SMALL, energy_coverage=0.0))
    assert not list(target.glob("energy.*"))
    assert (target / "addresses.gpkg").exists()


def test_energy_periods_differ_per_address_and_may_be_negative(small) -> None:
    data_dir, _, _ = small
    energy = _energy(data_dir)
    days = (energy["period_end"] - energy["period_start"]).dt.days + 1
    assert days.min() <= 31 and days.max() >= 365
    per_address = days.groupby(energy["address_id"]).median()
    assert per_address.nunique() > 2
    assert (energy["kwh"] < 0).any()
    assert (energy["period_end"] < pd.Timestamp(SMALL.end)).all()


def test_lab_dumpings_lie_kilometres_away(small) -> None:
    data_dir, _, truth = small
    origins = truth.dumping_origins
    dumpings = _read(data_dir / "dumpings.csv").merge(origins, on="dumping_id")
    from_labs = dumpings[dumpings["origin"] == "lab"]
    assert len(from_labs) > 0
    points = gpd.GeoSeries(
        gpd.points_from_xy(from_labs["lon"].astype(float), from_labs["lat"].astype(float)),
        crs="EPSG:4326",
    ).to_crs("EPSG:28992")
    labs = truth.hidden_sites.set_index("site_id").loc[from_labs["site_id"]]
    distance_km = np.hypot(points.x.to_numpy() - labs["x"], points.y.to_numpy() - labs["y"]) / 1e3
    low, high = SMALL.dumping_distance_km
    assert (distance_km > low - 0.1).all() and (distance_km < high + 0.1).all()


def test_genuine_reports_lie_near_their_site(small) -> None:
    data_dir, _, truth = small
    reports = _read(data_dir / "reports.csv").merge(truth.report_origins, on="report_id")
    genuine = reports[reports["origin"] == "genuine"]
    assert len(genuine) > 0
    sites = truth.hidden_sites.set_index("site_id").loc[genuine["site_id"]]
    distance = np.hypot(
        genuine["x"].astype(float).to_numpy() - sites["x"],
        genuine["y"].astype(float).to_numpy() - sites["y"],
    )
    assert (distance < 450).all()
    assert (reports["origin"] != "genuine").sum() > len(genuine)


def test_grows_raise_metered_energy_unless_bypassed(small, without_sites) -> None:
    data_dir, _, truth = small
    baseline_dir, _, _ = without_sites
    keys = ["address_id", "period_start", "period_end"]
    both = _energy(data_dir).merge(_energy(baseline_dir), on=keys, suffixes=("", "_base"))
    both["extra"] = both["kwh"] - both["kwh_base"]
    at_site = both["address_id"].isin(truth.hidden_sites["address_id"])
    assert (both.loc[~at_site, "extra"] == 0).all()
    grows = truth.hidden_sites[truth.hidden_sites["site_type"] == "cannabis_grow"]
    span_end = pd.Timestamp(SMALL.end)
    checked = {True: 0, False: 0}
    for grow in grows.itertuples():
        until = grow.active_until if pd.notna(grow.active_until) else span_end
        start = max(grow.active_from, pd.Timestamp(SMALL.start))
        active_days = (until - start).days
        rows = both[both["address_id"] == grow.address_id]
        if active_days < 60 or rows.empty or (grows["address_id"] == grow.address_id).sum() > 1:
            continue
        expected = grow.extra_kwh_per_year * active_days / 365.0
        extra = rows["extra"].sum()
        if grow.uses_meter_bypass:
            assert extra < 0.15 * expected
        else:
            assert extra > 0.5 * expected
        checked[grow.uses_meter_bypass] += 1
    assert checked[False] > 0


def test_invalid_params_are_rejected() -> None:
    with pytest.raises(ValueError, match=re.escape("site_mix")):
        ScenarioParams(site_mix=(("meth_kitchen", 1.0),))
    with pytest.raises(ValueError, match="energy_coverage"):
        ScenarioParams(energy_coverage=1.5)
