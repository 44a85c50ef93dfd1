"""End-to-end behaviour of the ranking: signals, the as-of rule, new layer files."""

import shutil

import numpy as np
import pandas as pd
from conftest import HOT_ADDRESS

from buitengebied.evidence.layerspec import default_layer_files, load_layer_specs
from buitengebied.load.directory import load_data_dir
from buitengebied.scoring.analysis import analyse
from buitengebied.scoring.ranking import rank_directory, ranking_table
from buitengebied.timeutil import parse_as_of

AS_OF = parse_as_of("2025-10-01")


def test_address_with_every_signal_ranks_first_with_explained_factors(contract_dir):
    analysis = rank_directory(contract_dir, as_of=AS_OF, model="expert")
    table = ranking_table(analysis.scores)
    assert list(table.columns) == ["address_id", "score", "rank", "top_factors"]
    top = table.iloc[0]
    assert top["address_id"] == HOT_ADDRESS
    contributions = analysis.scores.contributions().loc[HOT_ADDRESS]
    signals = ["energy", "vacant_buildings", "reports", "inspections", "dumpings"]
    assert (contributions[signals] > 0).all()
    # Named: the largest contributions, largest first (at most three here).
    assert top["top_factors"].split(";") == list(contributions.nlargest(3).index)
    assert sorted(table["rank"]) == list(range(1, len(table) + 1))
    assert table["address_id"].str.len().eq(16).all()
    assert set(analysis.scores.layers_used) == {
        "vacant_buildings",
        "dumpings",
        "reports",
        "energy",
        "inspections",
    }


def test_future_records_change_nothing(contract_dir, tmp_path):
    before = ranking_table(rank_directory(contract_dir, as_of=AS_OF, model="expert").scores)
    future = tmp_path / "future"
    shutil.copytree(contract_dir, future)
    reports = pd.read_csv(future / "reports.csv", dtype=str)
    extra = reports.iloc[[0]].assign(
        report_id="R-future", observed_at="2025-10-01T00:00:00", x="216000", y="450800"
    )
    pd.concat([reports, extra]).to_csv(future / "reports.csv", index=False)
    inspections = pd.read_csv(future / "inspections.csv", dtype=str)
    later = pd.DataFrame(
        {
            "address_id": ["0000000000000020"],
            "inspected_at": ["2026-01-05"],
            "outcome": ["drug_lab"],
        }
    )
    pd.concat([inspections, later]).to_csv(future / "inspections.csv", index=False)
    energy = pd.read_csv(future / "energy.csv", dtype=str)
    # Ends on the as-of day itself: not over yet, so unknown.
    spike = pd.DataFrame(
        {
            "address_id": ["0000000000000020"],
            "period_start": ["2025-09-01"],
            "period_end": ["2025-10-01"],
            "kwh": ["90000"],
        }
    )
    pd.concat([energy, spike]).to_csv(future / "energy.csv", index=False)
    after = ranking_table(rank_directory(future, as_of=AS_OF, model="expert").scores)
    pd.testing.assert_frame_equal(before, after)
    moved = ranking_table(
        rank_directory(future, as_of=parse_as_of("2026-02-01"), model="expert").scores
    )
    assert not moved.equals(before)


def test_missing_optional_layers_contribute_nothing(contract_dir):
    for name in (
        "energy.csv",
        "dumpings.csv",
        "reports.csv",
        "vacant_buildings.geojson",
        "inspections.csv",
        "area.gpkg",
    ):
        (contract_dir / name).unlink()
    analysis = rank_directory(contract_dir, as_of=AS_OF, model="expert")
    assert analysis.scores.layers_used == []
    table = analysis.scores.table
    # What is left is derived from the addresses alone: how remote, what premises.
    named = set(";".join(table.loc[table["score"] > 0, "top_factors"]).split(";"))
    assert named == {"remoteness", "premises"}
    assert set(table.loc[table["score"] == 0, "top_factors"]) <= {""}


def test_adding_a_layer_file_adds_a_factor(contract_dir, tmp_path):
    layers = tmp_path / "layers"
    layers.mkdir()
    for name, text in default_layer_files():
        (layers / name).write_text(text, encoding="utf-8")
    (layers / "poaching_reports.toml").write_text(
        """
[layer]
source_layer = "reports"
title = "Stroperij"
description = "Poaching reports: where people move at night with vehicles and lights."
weight = 5.0
visible_to = ["police", "boa"]

[evidence]
method = "kernel_density"
bandwidth_m = 300
half_life_days = 365

[evidence.filter]
category = ["poaching"]
""",
        encoding="utf-8",
    )
    dataset = load_data_dir(contract_dir)
    analysis = analyse(dataset, as_of=AS_OF, specs=load_layer_specs(layers))
    assert "poaching_reports" in analysis.scores.factors
    contributions = analysis.scores.contributions()["poaching_reports"]
    # The poaching report lies at (ORIGIN_X + 400, ORIGIN_Y): address 0 or 1 is nearest.
    assert contributions.idxmax() in {"0000000000000000", "0000000000000001"}
    assert analysis.scores.table["top_factors"].str.contains("poaching_reports").any()


def test_reports_in_busy_places_weigh_less_than_at_a_lonely_farm(contract_dir):
    dataset = load_data_dir(contract_dir)
    specs = [s for s in load_layer_specs() if s.name == "reports"]
    lonely = analyse(dataset, as_of=AS_OF, specs=specs).evidence.raw["reports"]
    reports = dataset.layers["reports"]
    hot_xy = reports.geometry.iloc[0]
    crowd = reports.iloc[np.repeat(2, 40)].copy()
    crowd["report_id"] = [f"L{k}" for k in range(40)]
    crowd["geometry"] = hot_xy.buffer(300).exterior.interpolate(
        np.linspace(0, 1, 40), normalized=True
    )
    dataset.layers["reports"] = pd.concat([reports, crowd], ignore_index=True)
    busy = analyse(dataset, as_of=AS_OF, specs=specs).evidence.raw["reports"]
    assert busy[HOT_ADDRESS] < lonely[HOT_ADDRESS]


def test_the_effort_reference_count_of_the_layer_file_is_used(contract_dir, tmp_path):
    dataset = load_data_dir(contract_dir)
    text = dict(default_layer_files())["reports.toml"]
    assert "reference_count = 5" in text
    evidence = {}
    for count in (1, 50):
        layers = tmp_path / f"layers-{count}"
        layers.mkdir()
        (layers / "reports.toml").write_text(
            text.replace("reference_count = 5", f"reference_count = {count}"), encoding="utf-8"
        )
        specs = load_layer_specs(layers)
        assert specs[0].effort.reference_count == count
        evidence[count] = analyse(dataset, as_of=AS_OF, specs=specs).evidence.raw["reports"]
    # A larger reference count divides the density by less: 1 + around / count.
    assert (evidence[50] >= evidence[1]).all() and (evidence[50] > evidence[1]).any()
