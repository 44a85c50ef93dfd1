"""The second world generator: determinism, contract validity, the truth's targets, the kinds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pytest

from buitengebied_worlds import KINDS, World, generate_world

FIND_OUTCOMES = {"cannabis_grow", "drug_lab", "storage"}
SMALL = 3000


def read_layer(path: Path) -> pd.DataFrame:
    """A layer file as a frame, ids as text, geometry as WKT (so frames compare exactly)."""
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    if path.suffix == ".parquet" and b"geo" not in (pq.read_schema(path).metadata or {}):
        return pd.read_parquet(path)
    frame = gpd.read_parquet(path) if path.suffix == ".parquet" else gpd.read_file(path)
    return pd.DataFrame(frame.drop(columns="geometry")).assign(wkt=frame.geometry.to_wkt())


def layers(world: World) -> dict[str, Path]:
    """The layer files of a world by layer name."""
    return {p.stem: p for p in world.data_dir.iterdir()}


def truth(world: World) -> pd.DataFrame:
    return pd.read_csv(world.truth_path, dtype=str, keep_default_na=False)


def hidden_active(world: World) -> pd.DataFrame:
    """Sites active on as_of and not found before it."""
    table = truth(world)
    active = (
        (table["active_from"] < world.as_of)
        & (table["active_to"] == "")
        & (table["found_on"] == "")
    )
    return table[active]


def recent_finds(world: World) -> pd.DataFrame:
    """Inspections with a find in the two years before as_of."""
    inspections = read_layer(layers(world)["inspections"])
    since = (pd.Timestamp(world.as_of) - pd.Timedelta(days=730)).strftime("%Y-%m-%d")
    chosen = inspections["outcome"].isin(FIND_OUTCOMES) & (inspections["inspected_at"] >= since)
    return inspections[chosen]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "buitengebied", *args], capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return generate_world(
        "mixed", seed=11, out_dir=tmp_path_factory.mktemp("small"), n_addresses=SMALL
    )


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, World]:
    """One world of every kind at the default size, seed 3."""
    root = tmp_path_factory.mktemp("worlds")
    return {kind: generate_world(kind, seed=3, out_dir=root / kind) for kind in KINDS}


def test_kinds_are_the_six_named_and_random():
    assert KINDS == (
        "mixed",
        "mostly_labs",
        "mostly_grows",
        "no_energy",
        "sparse_reports",
        "noisy_reports",
        "random",
    )


def test_unknown_kind_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="unknown world kind"):
        generate_world("volcano", seed=1, out_dir=tmp_path)


def test_same_kind_and_seed_give_the_same_world(small_world: World, tmp_path: Path):
    again = generate_world("mixed", seed=11, out_dir=tmp_path, n_addresses=SMALL)
    assert again.as_of == small_world.as_of
    assert again.truth_path.read_bytes() == small_world.truth_path.read_bytes()
    first, second = layers(small_world), layers(again)
    assert first.keys() == second.keys()
    for name, path in first.items():
        pd.testing.assert_frame_equal(read_layer(path), read_layer(second[name]), obj=name)


def test_another_seed_gives_another_world(small_world: World, tmp_path: Path):
    other = generate_world("mixed", seed=12, out_dir=tmp_path, n_addresses=SMALL)
    assert other.truth_path.read_bytes() != small_world.truth_path.read_bytes()


def test_regenerating_into_the_same_folder_leaves_no_stale_layer(tmp_path: Path):
    generate_world("mixed", seed=5, out_dir=tmp_path, n_addresses=SMALL)
    world = generate_world("no_energy", seed=5, out_dir=tmp_path, n_addresses=SMALL)
    assert "energy" not in layers(world)


def test_address_count_is_as_asked(small_world: World):
    addresses = read_layer(layers(small_world)["addresses"])
    assert len(addresses) == SMALL
    assert addresses["address_id"].is_unique


def test_truth_has_the_contract_columns_and_known_addresses(small_world: World):
    table = truth(small_world)
    assert list(table.columns) == [
        "address_id",
        "site_kind",
        "active_from",
        "active_to",
        "found_on",
    ]
    assert set(table["site_kind"]) <= {"grow", "lab", "storage"}
    assert table["address_id"].is_unique
    addresses = set(read_layer(layers(small_world)["addresses"])["address_id"])
    assert set(table["address_id"]) <= addresses
    ended = table[table["active_to"] != ""]
    assert (ended["active_from"] <= ended["active_to"]).all()
    found = table[table["found_on"] != ""]
    assert (found["found_on"] == found["active_to"]).all()


def test_every_truth_find_is_an_inspection_with_the_matching_outcome(small_world: World):
    inspections = read_layer(layers(small_world)["inspections"])
    finds = inspections[inspections["outcome"].isin(FIND_OUTCOMES)]
    found = truth(small_world).query("found_on != ''")
    expected = {
        (
            row.address_id,
            row.found_on,
            {"grow": "cannabis_grow", "lab": "drug_lab", "storage": "storage"}[row.site_kind],
        )
        for row in found.itertuples()
    }
    assert (
        set(zip(finds["address_id"], finds["inspected_at"], finds["outcome"], strict=True))
        == expected
    )


def test_no_record_is_dated_on_or_after_as_of(small_world: World):
    files = layers(small_world)
    for name, column in [
        ("dumpings", "observed_at"),
        ("reports", "observed_at"),
        ("inspections", "inspected_at"),
    ]:
        dates = read_layer(files[name])[column].astype(str).str.slice(0, 10)
        assert (dates < small_world.as_of).all(), name
    energy = read_layer(files["energy"])
    assert (energy["period_end"] < small_world.as_of).all()
    vacant = read_layer(files["vacant_buildings"])["vacant_since"].astype(str)
    assert (vacant[vacant != ""] < small_world.as_of).all()


@pytest.mark.slow
def test_every_kind_hits_the_truth_targets(worlds: dict[str, World]):
    for kind, world in worlds.items():
        assert 13 <= len(hidden_active(world)) <= 24, kind
        assert 5 <= len(recent_finds(world)) <= 10, kind
        addresses = read_layer(layers(world)["addresses"])
        assert 14_000 <= len(addresses) <= 20_000, kind


@pytest.mark.slow
def test_the_engine_loads_every_kind_without_rejected_rows(worlds: dict[str, World]):
    for kind, world in worlds.items():
        checked = cli("validate", str(world.data_dir))
        assert checked.returncode == 0, (kind, checked.stdout, checked.stderr)
        lines = [line for line in checked.stdout.splitlines() if line.strip()]
        assert len(lines) == len(layers(world)), (kind, checked.stdout)
        assert all(": ok," in line for line in lines), (kind, checked.stdout)


@pytest.mark.slow
def test_the_engine_ranks_every_kind(worlds: dict[str, World], tmp_path: Path):
    for kind, world in worlds.items():
        out = tmp_path / f"{kind}.csv"
        ranked = cli("rank", str(world.data_dir), "--as-of", world.as_of, "--out", str(out))
        assert ranked.returncode == 0, (kind, ranked.stderr)
        addresses = read_layer(layers(world)["addresses"])
        assert len(pd.read_csv(out, dtype=str)) == len(addresses), kind


@pytest.mark.slow
def test_each_kind_differs_as_it_says(worlds: dict[str, World]):
    assert "energy" not in layers(worlds["no_energy"])
    assert all(
        "energy" in layers(worlds[k])
        for k in ("mixed", "mostly_labs", "mostly_grows", "sparse_reports", "noisy_reports")
    )

    def share(kind: str, site_kind: str) -> float:
        return float((truth(worlds[kind])["site_kind"] == site_kind).mean())

    assert share("mostly_labs", "lab") > 0.45
    assert share("mostly_grows", "grow") > 0.6
    assert share("mostly_grows", "grow") > share("mixed", "grow") > share("mostly_labs", "grow")

    def n_reports(kind: str) -> int:
        return len(read_layer(layers(worlds[kind])["reports"]))

    assert n_reports("sparse_reports") * 2 < n_reports("mixed") < n_reports("noisy_reports") / 2


def test_command_line_writes_a_world_and_names_its_day(tmp_path: Path):
    run = subprocess.run(
        [sys.executable, "-m", "buitengebied_worlds", "no_energy", "--seed", "4"]
        + ["--out", str(tmp_path), "--addresses", "1500"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    as_of = run.stdout.split("as_of: ")[1].strip()
    assert (
        as_of
        == generate_world("no_energy", seed=4, out_dir=tmp_path / "again", n_addresses=1500).as_of
    )
    assert (tmp_path / "truth.csv").is_file()
    assert not (tmp_path / "data" / "energy.csv").exists()


@pytest.mark.slow
def test_kinds_write_the_formats_they_say(worlds: dict[str, World]):
    sparse = layers(worlds["sparse_reports"])
    assert sparse["reports"].suffix == ".csv"
    assert {"lon", "lat"} <= set(read_layer(sparse["reports"]).columns)
    assert {"x", "y"} <= set(read_layer(sparse["addresses"]).columns)
    assert layers(worlds["noisy_reports"])["reports"].suffix == ".parquet"
    assert layers(worlds["mostly_grows"])["dumpings"].suffix == ".geojson"
    register = gpd.read_file(layers(worlds["mostly_labs"])["vacant_buildings"])
    assert (register.geometry.geom_type == "Polygon").all()
    assert "roads" not in layers(worlds["no_energy"])
