import re

import pytest

from buitengebied.evaluation.backtest import (
    BacktestResult,
    rolling_cutoffs,
    run_backtest,
    select_methods,
    window_end,
    window_finds,
)
from buitengebied.evaluation.report import write_report
from buitengebied.evidence.layerspec import load_layer_specs
from buitengebied.load.directory import load_data_dir
from buitengebied.timeutil import parse_as_of
from buitengebied_scenarios.generator import ScenarioParams, generate_scenario

# Every test reads one backtest of a generated scenario: end to end.
pytestmark = pytest.mark.slow

AS_OF = parse_as_of("2026-06-01")


@pytest.fixture(scope="module")
def scenario_result(tmp_path_factory) -> BacktestResult:
    """Three quarterly cut-offs on a small synthetic Bronckhorst with confirmed finds."""
    data_dir = tmp_path_factory.mktemp("scenario") / "data"
    generate_scenario(data_dir, ScenarioParams(n_addresses=600, seed=1))
    dataset = load_data_dir(data_dir)
    specs = load_layer_specs()
    cutoffs = rolling_cutoffs(AS_OF, months=12, step_months=3, horizon_days=180)
    progress: list[tuple[str, float]] = []
    result = run_backtest(
        dataset,
        as_of=AS_OF,
        horizon_days=180,
        cutoffs=cutoffs,
        specs=specs,
        methods=select_methods(specs, model="expert"),
        on_progress=lambda step, fraction: progress.append((step, fraction)),
    )
    assert [f for _, f in progress] == [0.0, 1 / 3, 2 / 3, 1.0]
    finds = [len(window_finds(dataset, t, window_end(t, 180))) for t in result.cutoffs]
    assert result.finds_per_cutoff.tolist() == finds and sum(finds) > 0
    return result


def test_backtest_tables_have_every_cutoff_method_and_metric(scenario_result):
    result = scenario_result
    assert len(result.cutoffs) == 3
    assert len(result.per_cutoff) == 3 * len(result.methods) * 8
    assert set(result.summary["aggregation"]) == {"mean", "pooled"}
    assert set(result.curves["method"]) == set(result.methods)
    assert result.curves["hit_rate"].max() == pytest.approx(1.0)
    expert_deciles = result.calibration[result.calibration["method"] == "expert"]
    assert (expert_deciles["kind"] == "decile").all()
    assert expert_deciles["n_addresses"].sum() == 3 * result.n_addresses


def test_report_is_self_contained_with_plots(scenario_result, tmp_path):
    path = write_report(scenario_result, tmp_path / "out" / "report.html")
    page = path.read_text(encoding="utf-8")
    assert "<html lang='nl'>" in page
    assert len(re.findall(r"<img [^>]*src='data:image/png;base64,", page)) == 4
    links = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)""", page)
    assert links and all(link.startswith("data:image/png;base64,") for link in links)
    without_images = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    assert "http" not in without_images and "url(" not in without_images
    assert "<link" not in page and "<script" not in page
    for heading in (
        "Wat is hier getoetst?",
        "Resultaten",
        "Is de voorsprong meer dan toeval?",
        "Grafieken",
        "Vertekening",
    ):
        assert heading in page
    assert "class='best'" in page


def test_comparisons_pair_the_model_with_every_baseline(scenario_result):
    table = scenario_result.comparisons()
    baselines = [m for m in scenario_result.methods if m != "expert"]
    assert set(table["method"]) == {"expert"} and set(table["baseline"]) == set(baselines)
    assert set(table["verdict"]) <= {"ahead", "behind", "undecided"}
    assert (table["low"] <= table["mean_difference"] + 1e-12).all()
    assert (table["mean_difference"] <= table["high"] + 1e-12).all()
    # Three quarterly cut-offs with 180-day windows: two overlap.
    assert (table["block_length"] == 2).all()
    counted = table["wins"] + table["ties"] + table["losses"]
    assert (counted == int((scenario_result.finds_per_cutoff > 0).sum())).all()


def test_report_without_finds_explains_there_is_nothing_to_evaluate(scenario_result, tmp_path):
    nothing = BacktestResult(
        **{
            **scenario_result.__dict__,
            "per_cutoff": scenario_result.per_cutoff.assign(n_finds=0, value=float("nan")),
            "summary": scenario_result.summary.assign(value=float("nan")),
            "curves": scenario_result.curves.iloc[0:0],
            "find_addresses": scenario_result.find_addresses[0:0],
        }
    )
    page = write_report(nothing, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Er valt niets te toetsen" in page and "n.v.t." in page
    assert "class='best'" not in page
    assert nothing.comparisons().empty and "Is de voorsprong" not in page
    # Only the bias diagnostic still has a plot.
    assert page.count("data:image/png;base64,") == 1
