"""Loading whole data directories (buitengebied.load.directory), including the real CBS/BAG files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import HOT_ADDRESS, ORIGIN_X, ORIGIN_Y

from buitengebied.errors import ContractError, ValidationError
from buitengebied.load.directory import check_data_dir, find_layer_files, load_data_dir

SHARED = Path(__file__).resolve().parents[3] / "shared"
REALDATA = SHARED / "realdata"


def fingerprint(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def break_reports(data_dir: Path) -> None:
    reports = pd.read_csv(data_dir / "reports.csv", dtype=str, keep_default_na=False)
    reports.loc[1, "category"] = "graffiti"
    reports.loc[2, "report_id"] = "=1+1"
    reports.loc[3, "observed_at"] = "yesterday"
    reports.to_csv(data_dir / "reports.csv", index=False)


def test_contract_dir_loads_every_layer(contract_dir: Path) -> None:
    dataset = load_data_dir(contract_dir)
    assert dataset.layers_present == [
        "addresses",
        "area",
        "vacant_buildings",
        "dumpings",
        "reports",
        "energy",
        "inspections",
    ]
    assert HOT_ADDRESS in set(dataset.addresses["address_id"])
    assert dataset.addresses.crs == "EPSG:28992"
    assert dataset.rejected_rows == {}
    expected_area = shapely.box(ORIGIN_X - 1500, ORIGIN_Y - 1500, ORIGIN_X + 5500, ORIGIN_Y + 5500)
    assert dataset.area.equals(expected_area)
    assert dataset.source_files["vacant_buildings"].name == "vacant_buildings.geojson"


def test_without_area_the_map_covers_the_addresses_plus_one_km(contract_dir: Path) -> None:
    (contract_dir / "area.gpkg").unlink()
    dataset = load_data_dir(contract_dir)
    xmin, ymin, xmax, ymax = dataset.addresses.total_bounds
    assert dataset.area.equals(shapely.box(xmin - 1000, ymin - 1000, xmax + 1000, ymax + 1000))


def test_strict_load_rejects_the_file_and_leaves_the_data_dir_untouched(
    contract_dir: Path,
) -> None:
    break_reports(contract_dir)
    before = fingerprint(contract_dir)
    with pytest.raises(ValidationError) as caught:
        load_data_dir(contract_dir)
    assert caught.value.path == contract_dir / "reports.csv"
    assert {p.row for p in caught.value.problems} == {2, 3, 4}
    assert fingerprint(contract_dir) == before


def test_lenient_load_keeps_valid_rows_and_writes_the_rejected_rows_verbatim(
    contract_dir: Path, tmp_path: Path
) -> None:
    break_reports(contract_dir)
    rejects = tmp_path / "rejects"
    dataset = load_data_dir(contract_dir, lenient=True, rejects_dir=rejects)
    reports = dataset.layer("reports")
    assert reports is not None
    assert reports["report_id"].tolist() == ["R1"]
    assert dataset.rejected_rows == {"reports": 3}
    written = pd.read_csv(rejects / "reports.rejects.csv", dtype=str, keep_default_na=False)
    assert written["row"].tolist() == ["2", "3", "4"]
    assert "graffiti" in written.loc[0, "reasons"] and "one of" in written.loc[0, "reasons"]
    assert "spreadsheet formula" in written.loc[1, "reasons"]
    assert "ISO 8601" in written.loc[2, "reasons"]
    # The rejects file holds the rows as the partner wrote them, so that they can be
    # mended and loaded again: a formula-like id is not rewritten (it is refused on load).
    assert written.loc[1, "report_id"] == "=1+1"
    assert written.loc[2, "observed_at"] == "yesterday"


def test_lenient_rejects_keep_negative_numbers_as_numbers(
    contract_dir: Path, tmp_path: Path
) -> None:
    energy = pd.read_csv(contract_dir / "energy.csv", dtype=str)
    energy.loc[0, "kwh"] = "-12.5"
    energy.loc[0, "address_id"] = "9999999999999999"
    energy.to_csv(contract_dir / "energy.csv", index=False)
    load_data_dir(contract_dir, lenient=True, rejects_dir=tmp_path)
    written = pd.read_csv(tmp_path / "energy.rejects.csv", dtype=str)
    assert written.loc[0, "kwh"] == "-12.5"
    assert written.loc[0, "address_id"] == "9999999999999999"


def test_lenient_load_needs_a_rejects_dir(contract_dir: Path) -> None:
    with pytest.raises(ContractError, match="rejected rows"):
        load_data_dir(contract_dir, lenient=True)


def test_rejected_addresses_are_not_referenced_in_lenient_mode(
    contract_dir: Path, tmp_path: Path
) -> None:
    addresses = pd.read_csv(contract_dir / "addresses.csv", dtype=str)
    addresses.loc[addresses["address_id"] == HOT_ADDRESS, "x"] = "not a number"
    addresses.to_csv(contract_dir / "addresses.csv", index=False)
    dataset = load_data_dir(contract_dir, lenient=True, rejects_dir=tmp_path)
    assert HOT_ADDRESS not in set(dataset.addresses["address_id"])
    energy = dataset.layer("energy")
    assert energy is not None and HOT_ADDRESS not in set(energy["address_id"])
    assert dataset.rejected_rows["energy"] == 33


def test_two_files_for_one_layer_are_a_contract_error(contract_dir: Path) -> None:
    (contract_dir / "reports.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(ContractError, match="two files for layer 'reports'"):
        load_data_dir(contract_dir)


def test_missing_addresses_is_a_contract_error(contract_dir: Path) -> None:
    (contract_dir / "addresses.csv").unlink()
    with pytest.raises(ContractError, match="no addresses file"):
        load_data_dir(contract_dir)


def test_not_a_directory_is_a_contract_error(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="not a directory"):
        load_data_dir(tmp_path / "nowhere")


def test_unknown_files_are_ignored_and_reported(contract_dir: Path) -> None:
    (contract_dir / "notes.txt").write_text("hello")
    (contract_dir / "parcels.csv").write_text("a,b\n1,2\n")
    found = find_layer_files(contract_dir)
    assert "reports" in found.layers
    assert sorted(p.name for p in found.ignored) == ["notes.txt", "parcels.csv"]
    assert found.misspelt == {}
    assert sorted(p.name for p in load_data_dir(contract_dir).ignored_files) == [
        "notes.txt",
        "parcels.csv",
    ]


def test_progress_is_reported_per_layer(contract_dir: Path) -> None:
    steps: list[tuple[str, float]] = []
    load_data_dir(contract_dir, on_progress=lambda step, fraction: steps.append((step, fraction)))
    assert steps[0] == ("reading addresses.csv", 0.0)
    assert steps[-1] == ("layers read", 1.0)
    assert [f for _, f in steps] == sorted(f for _, f in steps)


# --- real public data ----------------------------------------------------------------------


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"real data not available at {REALDATA}")
    return REALDATA


def bronckhorst_addresses(realdata: Path, target: Path) -> None:
    """The 45 buurt label points of Bronckhorst as addresses (x, y in EPSG:28992)."""
    labels = gpd.read_file(
        realdata / "cbs-buurten-wijken-2014" / "bronckhorst_buurten_wijken_2014_rd.gpkg",
        layer="buurt_labels_2014",
    )
    pd.DataFrame(
        {
            "address_id": labels["statcode"],
            "place": labels["statnaam"],
            "x": labels.geometry.x,
            "y": labels.geometry.y,
        }
    ).to_csv(target / "addresses.csv", index=False)


def test_real_cbs_buurten_as_area_geopackage(realdata: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    bronckhorst_addresses(realdata, data)
    buurten = gpd.read_file(
        realdata / "cbs-buurten-wijken-2014" / "bronckhorst_buurten_wijken_2014_rd.gpkg",
        layer="buurten_2014",
    )
    # Not named "area": the GeoPackage's first (and only) layer is read.
    buurten.to_file(data / "area.gpkg", layer="buurten_2014", driver="GPKG")
    # CBS' quantisation collapsed some buurten to empty geometries: bad rows by contract.
    collapsed_rows = set(np.flatnonzero(buurten["collapsed_by_quantization"].to_numpy()) + 1)
    assert len(collapsed_rows) == 16
    with pytest.raises(ValidationError) as caught:
        load_data_dir(data)
    assert {p.row for p in caught.value.problems} == collapsed_rows
    assert {p.column for p in caught.value.problems} == {"geometry"}

    dataset = load_data_dir(data, lenient=True, rejects_dir=tmp_path / "rejects")
    area = dataset.layer("area")
    assert area is not None and len(area) == 45 - 16
    assert area.geometry.is_valid.all() and not area["geometry_repaired"].any()
    rejected = gpd.read_file(tmp_path / "rejects" / "area.rejects.gpkg")
    assert set(rejected["row"]) == collapsed_rows
    assert len(dataset.addresses) == 45
    inside = shapely.contains(dataset.area, np.asarray(dataset.addresses.geometry))
    assert inside.mean() > 0.5


def test_real_cbs_gemeente_as_area_geojson(realdata: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    bronckhorst_addresses(realdata, data)
    gemeenten = gpd.read_file(realdata / "cbs-gemeenten-2022-2023" / "gemeenten_2022_wgs84.geojson")
    gemeenten[gemeenten["statcode"] == "GM1876"].to_file(data / "area.geojson", driver="GeoJSON")
    dataset = load_data_dir(data)
    # CBS gives Bronckhorst some 286 km2; the generalised outline is close to that.
    assert 270e6 < dataset.area.area < 300e6
    xmin, ymin, xmax, ymax = dataset.area.bounds
    assert 200_000 < xmin < xmax < 235_000
    assert 438_000 < ymin < ymax < 465_000


def test_real_bag_panden_as_vacant_buildings(realdata: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    bronckhorst_addresses(realdata, data)
    panden = gpd.read_file(
        realdata / "bag-panden-doesburg-2020" / "doesburg_panden_actueel_20200915_rd.gpkg"
    )
    panden["building_id"] = panden["identificatie"].str.removeprefix("NL.IMBAG.Pand.")
    panden["vacant_since"] = panden["documentDatum"]
    panden.to_file(data / "vacant_buildings.gpkg", layer="vacant_buildings", driver="GPKG")
    vacant = load_data_dir(data).layer("vacant_buildings")
    assert vacant is not None and len(vacant) == len(panden)
    assert vacant["building_id"].str.fullmatch(r"\d{16}").all()
    assert vacant["building_id"].iloc[0] == "0221100000311191"
    assert vacant["vacant_since"].notna().all()
    # Doesburg lies next to Bronckhorst, outside its area but inside the Netherlands: kept.
    assert vacant.geometry.total_bounds[2] < 212_000


def test_check_data_dir_reports_every_bad_file_and_loads_nothing(contract_dir: Path) -> None:
    break_reports(contract_dir)
    (contract_dir / "dumpings.csv").write_text(
        "dumping_id,observed_at,lon,lat\nD1,2025-01-01,52.06,6.3\n"
    )
    (contract_dir / "notes.txt").write_text("not a layer")
    checks, ignored = check_data_dir(contract_dir)
    failed = {c.path.name for c in checks if c.error is not None}
    assert failed == {"reports.csv", "dumpings.csv"}
    assert [p.name for p in ignored] == ["notes.txt"]
    ok = {c.path.name: c.rows for c in checks if c.error is None}
    assert ok["addresses.csv"] == 36
