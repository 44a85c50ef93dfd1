"""Loading whole data directories (buitengebied.load.directory), including the real CBS/BAG files."""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import pytest
import shapely
from conftest import HOT_ADDRESS, ORIGIN_X, ORIGIN_Y

from buitengebied.errors import ContractError, OutputError, ValidationError
from buitengebied.io import read_layer_file
from buitengebied.load.directory import check_data_dir, find_layer_files, load_data_dir

#: Extracts of real public files (each folder with its SOURCE.txt), shipped with the tests.
REALDATA = Path(__file__).resolve().parents[1] / "data" / "realdata"


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


# --- files that are no regular file, misspelt layers --------------------------------------


def test_a_fifo_named_like_a_layer_is_refused_unopened(contract_dir: Path) -> None:
    (contract_dir / "reports.csv").unlink()
    os.mkfifo(contract_dir / "reports.csv")
    # Opening a FIFO for reading would block this test for ever: the check only stats it.
    with pytest.raises(ContractError, match=r"reports\.csv: a named pipe \(FIFO\)"):
        find_layer_files(contract_dir)
    with pytest.raises(ContractError, match=r"reports\.csv: a named pipe"):
        load_data_dir(contract_dir)
    with pytest.raises(ContractError, match=r"reports\.csv: a named pipe"):
        check_data_dir(contract_dir)


def test_a_directory_named_like_a_layer_is_refused(contract_dir: Path) -> None:
    (contract_dir / "reports.csv").unlink()
    (contract_dir / "reports.csv").mkdir()
    with pytest.raises(ContractError, match=r"reports\.csv: a directory, not a regular file"):
        load_data_dir(contract_dir)


def test_a_dangling_symlink_named_like_a_layer_is_refused(contract_dir: Path) -> None:
    (contract_dir / "reports.csv").unlink()
    (contract_dir / "reports.csv").symlink_to(contract_dir / "gone.csv")
    with pytest.raises(ContractError, match=r"reports\.csv: a dangling symbolic link \(to .*gone"):
        load_data_dir(contract_dir)


def test_a_symlink_to_a_device_is_refused_unopened(contract_dir: Path) -> None:
    (contract_dir / "reports.csv").unlink()
    (contract_dir / "reports.csv").symlink_to("/dev/zero")
    (contract_dir / "dumpings.csv").unlink()
    os.mkfifo(contract_dir / "dumpings.csv")
    with pytest.raises(ContractError) as caught:
        load_data_dir(contract_dir)
    message = str(caught.value)
    # Every such file is named at once, with what it is.
    assert "reports.csv: a symbolic link to /dev/zero, a character device" in message
    assert "dumpings.csv: a named pipe (FIFO)" in message


def test_a_symlink_to_a_regular_file_is_a_layer_file(contract_dir: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "partner" / "meldingen.csv"
    elsewhere.parent.mkdir()
    (contract_dir / "reports.csv").rename(elsewhere)
    (contract_dir / "reports.csv").symlink_to(elsewhere)
    reports = load_data_dir(contract_dir).layer("reports")
    assert reports is not None and len(reports) == 4


@pytest.mark.parametrize(
    ("misspelt", "meant"),
    [
        ("report.csv", "reports.csv"),
        ("vacant_building.geojson", "vacant_buildings.geojson"),
        ("Adresses.gpkg", "addresses.gpkg"),
        ("inspectie.csv", "inspections.csv"),
    ],
)
def test_a_misspelt_layer_gets_a_did_you_mean(
    contract_dir: Path, caplog: pytest.LogCaptureFixture, misspelt: str, meant: str
) -> None:
    (contract_dir / misspelt).write_text("a,b\n1,2\n")
    found = find_layer_files(contract_dir)
    assert found.misspelt == {contract_dir / misspelt: meant}
    assert contract_dir / misspelt in found.ignored

    checks, ignored = check_data_dir(contract_dir)
    bad = [c for c in checks if c.error is not None]
    assert [c.path.name for c in bad] == [misspelt]
    assert f"did you mean {meant}?" in str(bad[0].error)
    assert contract_dir / misspelt not in ignored

    with caplog.at_level(logging.WARNING, logger="buitengebied.load.directory"):
        dataset = load_data_dir(contract_dir)
    assert f"{misspelt}: not a contract layer, ignored; did you mean {meant}?" in caplog.text
    assert contract_dir / misspelt in dataset.ignored_files


def test_a_misspelt_required_layer_is_named_in_the_error(contract_dir: Path) -> None:
    (contract_dir / "addresses.csv").rename(contract_dir / "Adresses.csv")
    with pytest.raises(ContractError, match=r"no addresses file.*did you mean addresses\.csv"):
        load_data_dir(contract_dir)


def test_files_that_are_clearly_no_layer_stay_ignored(contract_dir: Path) -> None:
    (contract_dir / "README.txt").write_text("Aangeleverd door de gemeente")
    (contract_dir / ".reports.csv").write_text("hidden")
    (contract_dir / "reports.csv.bak").write_text("old copy")
    (contract_dir / "readme.csv").write_text("a\n1\n")
    (contract_dir / "rejects").mkdir()
    os.mkfifo(contract_dir / "notes.fifo")
    found = find_layer_files(contract_dir)
    assert found.misspelt == {}
    assert sorted(p.name for p in found.ignored) == ["README.txt", "readme.csv", "reports.csv.bak"]
    checks, _ = check_data_dir(contract_dir)
    assert all(c.error is None for c in checks)


# --- lenient rejects: the rows as they were, to mend and load again -------------------------

VACANT_FORMATS = {
    "csv": ("EPSG:4326", None),
    "gpkg": ("EPSG:4258", "GPKG"),
    "geojson": ("EPSG:4326", "GeoJSON"),
    "parquet": ("EPSG:28992", None),
}


def write_vacant(data_dir: Path, ext: str, building_types: list[str]) -> Path:
    """Three vacant buildings in ``ext``, in that format's own CRS (not RD New but Parquet)."""
    crs, driver = VACANT_FORMATS[ext]
    frame = gpd.GeoDataFrame(
        {
            "building_id": ["B1", " B2", "0221100000311191"],
            "address_id": [HOT_ADDRESS, None, "0000000000000003"],
            "building_type": building_types,
            "vacant_since": ["2024-01-01", "2023-06-15T08:30:00", None],
            "floor_area_m2": ["900", "412,5", "80"] if ext == "csv" else [900.0, 412.5, 80.0],
            "source": ["gemeente", "=LTO", "-"],
        },
        geometry=gpd.points_from_xy(
            [ORIGIN_X + 10.123, ORIGIN_X + 3000.5, ORIGIN_X + 777.777],
            [ORIGIN_Y + 10.456, ORIGIN_Y + 3000.25, ORIGIN_Y + 555.555],
        ),
        crs="EPSG:28992",
    ).to_crs(crs)
    for old in data_dir.glob("vacant_buildings.*"):
        old.unlink()
    path = data_dir / f"vacant_buildings.{ext}"
    if ext == "csv":
        table = pd.DataFrame(frame.drop(columns="geometry"))
        table["lon"] = [repr(x) for x in frame.geometry.x]
        table["lat"] = [repr(y) for y in frame.geometry.y]
        table.to_csv(path, index=False)
    elif ext == "parquet":
        frame.to_parquet(path)
    else:
        frame.to_file(path, driver=driver)
    return path


def mend_building_type(path: Path, row: str, value: str) -> None:
    """Correct one cell of a rejects file the way a user's tool would, leaving the rest."""
    ext = path.suffix
    if ext == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        for record in rows:
            if record["row"] == row:
                record["building_type"] = value
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    elif ext == ".gpkg":
        # Through GDAL, as QGIS would: the table's R-tree triggers need SpatiaLite.
        table_name = str(pyogrio.list_layers(path)[0][0])
        frame = gpd.read_file(path, layer=table_name)
        frame.loc[frame["row"].astype(str) == row, "building_type"] = value
        frame.to_file(path, layer=table_name, driver="GPKG")
    elif ext == ".geojson":
        document = json.loads(path.read_text(encoding="utf-8"))
        for feature in document["features"]:
            if str(feature["properties"]["row"]) == row:
                feature["properties"]["building_type"] = value
        path.write_text(json.dumps(document), encoding="utf-8")
    else:
        table = pq.read_table(path)
        types = table.column("building_type").to_pylist()
        rows_written = [str(r) for r in table.column("row").to_pylist()]
        types[rows_written.index(row)] = value
        position = table.schema.get_field_index("building_type")
        pq.write_table(table.set_column(position, "building_type", pa.array(types)), path)


@pytest.mark.parametrize("ext", sorted(VACANT_FORMATS))
def test_mended_rejects_load_again_with_identical_values(
    contract_dir: Path, tmp_path: Path, ext: str
) -> None:
    write_vacant(contract_dir, ext, ["stable", "barn", "shed"])
    expected = load_data_dir(contract_dir).layer("vacant_buildings")
    assert expected is not None

    source = write_vacant(contract_dir, ext, ["stable", "Castle", "shed"])
    before = fingerprint(contract_dir)
    rejects_dir = tmp_path / "rejects"
    dataset = load_data_dir(contract_dir, lenient=True, rejects_dir=rejects_dir)
    assert dataset.rejected_rows == {"vacant_buildings": 1}
    assert fingerprint(contract_dir) == before
    rejects = rejects_dir / f"vacant_buildings.rejects.{ext}"
    assert sorted(p.name for p in rejects_dir.iterdir()) == [rejects.name]

    written = read_layer_file(rejects, layer_name="vacant_buildings")
    original = read_layer_file(source, layer_name="vacant_buildings")
    assert written.crs == original.crs
    assert written.attributes["row"].astype(str).tolist() == ["2"]
    assert "'Castle'" in str(written.attributes["reasons"].iloc[0])
    assert written.geometry is not None and original.geometry is not None
    assert shapely.equals_exact(written.geometry[0], original.geometry[1], tolerance=0)

    mend_building_type(rejects, "2", "barn")
    mended_dir = tmp_path / "mended"
    shutil.copytree(contract_dir, mended_dir)
    source_copy = mended_dir / source.name
    source_copy.unlink()
    shutil.copy(rejects, source_copy)
    reloaded = load_data_dir(mended_dir).layer("vacant_buildings")
    assert reloaded is not None and len(reloaded) == 1
    columns = list(expected.columns)
    pd.testing.assert_frame_equal(
        pd.DataFrame(reloaded[columns].drop(columns="geometry")).reset_index(drop=True),
        pd.DataFrame(expected[columns].drop(columns="geometry")).iloc[[1]].reset_index(drop=True),
        check_dtype=False,
    )
    assert shapely.equals_exact(reloaded.geometry.iloc[0], expected.geometry.iloc[1], tolerance=0)


def test_rejects_without_geometry_keep_their_own_columns(
    contract_dir: Path, tmp_path: Path
) -> None:
    inspections = pd.read_csv(contract_dir / "inspections.csv", dtype=str)
    inspections["row"] = ["a", "b", "c"]
    inspections.loc[2, "outcome"] = "hennep"
    inspections.to_csv(contract_dir / "inspections.csv", index=False)
    load_data_dir(contract_dir, lenient=True, rejects_dir=tmp_path)
    written = pd.read_csv(tmp_path / "inspections.rejects.csv", dtype=str)
    assert list(written.columns) == [
        "_row",
        "reasons",
        "address_id",
        "inspected_at",
        "outcome",
        "row",
    ]
    assert written.iloc[0].tolist()[2:] == ["0000000000000002", "2025-02-01", "hennep", "c"]
    assert written.loc[0, "_row"] == "3"


def test_a_file_where_the_rejects_folder_should_be_is_refused_before_reading(
    contract_dir: Path, tmp_path: Path
) -> None:
    break_reports(contract_dir)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the rejects folder should be")
    with pytest.raises(ContractError, match="blocked: exists and is not a folder"):
        load_data_dir(contract_dir, lenient=True, rejects_dir=blocked)
    assert blocked.read_text() == "a file where the rejects folder should be"


def test_unwritable_rejects_are_an_output_error_naming_the_folder(
    contract_dir: Path, tmp_path: Path
) -> None:
    break_reports(contract_dir)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, so no folder can be made below it")
    with pytest.raises(OutputError, match=r"blocked/rejects: cannot write \(Not a directory\)"):
        load_data_dir(contract_dir, lenient=True, rejects_dir=blocked / "rejects")
    assert blocked.read_text() == "a file, so no folder can be made below it"


# --- roads: what routing needs --------------------------------------------------------------

NWB = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "nwb"
    / "nwb_wegvakken_wageningen_20201124_rd.gpkg"
)


def test_real_nwb_wegvakken_load_as_roads(contract_dir: Path) -> None:
    shutil.copy(NWB, contract_dir / "roads.gpkg")
    checks, _ = check_data_dir(contract_dir)
    roads_check = next(c for c in checks if c.path.name == "roads.gpkg")
    assert roads_check.error is None and roads_check.rows == 247
    roads = load_data_dir(contract_dir).layer("roads")
    assert roads is not None and len(roads) == 247
    assert roads.geom_type.eq("LineString").all()
    assert roads["rijrichtng"].value_counts().to_dict() == {"b": 213, "h": 34}
    assert roads["wegbehsrt"].value_counts().to_dict() == {"g": 241, "p": 6}
    assert roads["wvk_id"].iloc[0] == "348286006" and roads["wvk_id"].is_unique
    assert roads["jte_id_beg"].iloc[0] == "348286005" and roads["jte_id_end"].iloc[0] == "348286018"
    # Every junction id a segment ends on is a node of the graph: ids are text, not numbers.
    junctions = set(roads["jte_id_beg"]) | set(roads["jte_id_end"])
    assert all(isinstance(j, str) and j.isdigit() for j in junctions)
    assert roads["stt_naam"].iloc[0] == "Rozenstraat"  # an extra NWB column, kept
    xmin, ymin, xmax, ymax = roads.total_bounds
    assert (172_900 < xmin < xmax < 174_700) and (442_800 < ymin < ymax < 444_900)


def osm_roads(oneway: list[object], highway: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"highway": highway, "oneway": oneway, "maxspeed": [60.0] * len(oneway)},
        geometry=[
            shapely.LineString(
                [(ORIGIN_X + i * 100, ORIGIN_Y), (ORIGIN_X + i * 100 + 90, ORIGIN_Y)]
            )
            for i in range(len(oneway))
        ],
        crs="EPSG:28992",
    )


def test_osm_roads_accept_open_road_classes_and_oneway_spellings(contract_dir: Path) -> None:
    oneway = ["yes", "no", "-1", "True", None, "1", "reversible"]
    highway = ["motorway_link", "track", "unclassified", "living_street", "busway", "x", "road"]
    osm_roads(oneway, highway).to_file(contract_dir / "roads.gpkg", driver="GPKG")
    roads = load_data_dir(contract_dir).layer("roads")
    assert roads is not None
    assert roads["oneway"].tolist() == ["yes", "no", "-1", "true", None, "1", "reversible"]
    assert roads["highway"].tolist() == highway


def test_roads_refuse_unknown_directions_and_authorities(contract_dir: Path) -> None:
    roads = osm_roads(["yes", "sometimes"], ["primary", "primary"])
    roads["rijrichtng"] = ["B", "X"]
    roads["wegbehsrt"] = ["G", "Q"]
    roads.to_file(contract_dir / "roads.gpkg", driver="GPKG")
    with pytest.raises(ValidationError) as caught:
        load_data_dir(contract_dir)
    assert {(p.row, p.column) for p in caught.value.problems} == {
        (2, "oneway"),
        (2, "rijrichtng"),
        (2, "wegbehsrt"),
    }
