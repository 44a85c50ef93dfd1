import math
from dataclasses import replace

import pandas as pd
import pytest
from conftest import HOT_ADDRESS
from typer.testing import CliRunner

from buitengebied.cli import app
from buitengebied.dataset import Dataset
from buitengebied.evaluation import backtest
from buitengebied.evaluation.backtest import (
    Method,
    rolling_cutoffs,
    run_backtest,
    score_methods,
    select_methods,
    window_end,
    window_finds,
)
from buitengebied.evidence.layerspec import load_layer_specs
from buitengebied.load.directory import load_data_dir
from buitengebied.timeutil import parse_as_of

CUTOFF = parse_as_of("2025-06-01")
SPECS = load_layer_specs()


@pytest.fixture
def dataset(contract_dir) -> Dataset:
    return load_data_dir(contract_dir)


def with_inspections(dataset: Dataset, rows: list[tuple[str, pd.Timestamp, str]]) -> Dataset:
    extra = pd.DataFrame(rows, columns=["address_id", "inspected_at", "outcome"])
    extra["inspected_at"] = pd.to_datetime(extra["inspected_at"], utc=True)
    inspections = pd.concat([dataset.layers["inspections"], extra], ignore_index=True)
    return replace(dataset, layers={**dataset.layers, "inspections": inspections})


def test_cutoffs_are_monthly_local_midnights_and_drop_unfinished_windows():
    cutoffs = rolling_cutoffs(parse_as_of("2026-11-01"), months=12, horizon_days=180)
    local = [t.tz_convert("Europe/Amsterdam") for t in cutoffs]
    # 2025-11-01 .. 2026-10-01; from 2026-06-01 on the window ends after 2026-11-01.
    assert [t.strftime("%Y-%m-%d %H:%M") for t in local] == [
        f"{y}-{m:02d}-01 00:00"
        for y, m in [(2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 6)]
    ]
    assert all(window_end(t, 180) <= parse_as_of("2026-11-01") for t in cutoffs)
    assert window_end(parse_as_of("2026-06-01"), 180) > parse_as_of("2026-11-01")


def test_cutoffs_step_months():
    cutoffs = rolling_cutoffs(parse_as_of("2026-01-01"), months=12, step_months=3, horizon_days=30)
    assert [t.tz_convert("Europe/Amsterdam").month for t in cutoffs] == [1, 4, 7, 10]


def test_window_finds_counts_only_confirmed_finds_in_the_window(dataset):
    end = window_end(CUTOFF, 90)
    second = pd.Timedelta(seconds=1)
    changed = with_inspections(
        dataset,
        [
            ("0000000000000010", CUTOFF, "cannabis_grow"),  # at T: not known at T, counts
            ("0000000000000011", end - second, "drug_lab"),  # last moment of the window
            ("0000000000000012", end, "storage"),  # after the window
            ("0000000000000013", CUTOFF - second, "cannabis_grow"),  # before T: known at T
            ("0000000000000014", CUTOFF + second, "signals"),  # not a find
        ],
    )
    assert list(window_finds(changed, CUTOFF, end)) == ["0000000000000010", "0000000000000011"]


def future_records(dataset: Dataset, moment: pd.Timestamp) -> Dataset:
    """Copies of every timed layer's records, dated at or after ``moment``."""
    layers = dict(dataset.layers)
    for name, column in (("reports", "observed_at"), ("dumpings", "observed_at")):
        future = layers[name].copy()
        future[column] = moment
        future[f"{name[:-1]}_id"] = future[f"{name[:-1]}_id"] + "-future"
        layers[name] = pd.concat([layers[name], future], ignore_index=True)
    energy = layers["energy"].copy()
    energy["period_start"] = moment
    energy["period_end"] = moment + pd.Timedelta(days=30)
    energy["kwh"] = energy["kwh"] * 50
    layers["energy"] = pd.concat([layers["energy"], energy], ignore_index=True)
    vacant = layers["vacant_buildings"].copy()
    vacant["vacant_since"] = moment
    vacant["building_id"] = vacant["building_id"] + "-future"
    layers["vacant_buildings"] = pd.concat([layers["vacant_buildings"], vacant], ignore_index=True)
    changed = replace(dataset, layers=layers)
    return with_inspections(
        changed, [(a, moment, "drug_lab") for a in ("0000000000000020", HOT_ADDRESS)]
    )


def test_records_from_the_cutoff_on_change_no_ranking(dataset):
    methods = select_methods(SPECS, model="expert")
    _, before = score_methods(dataset, as_of=CUTOFF, specs=SPECS, methods=methods)
    _, with_future = score_methods(
        future_records(dataset, CUTOFF), as_of=CUTOFF, specs=SPECS, methods=methods
    )
    pd.testing.assert_frame_equal(before, with_future)
    _, later = score_methods(
        future_records(dataset, CUTOFF),
        as_of=CUTOFF + pd.Timedelta(days=60),
        specs=SPECS,
        methods=methods,
    )
    assert not later.equals(before)  # the copies do count once they are known


def test_a_find_in_the_window_at_the_top_address_is_a_hit(dataset):
    end = window_end(CUTOFF, 90)
    changed = with_inspections(
        dataset,
        [
            (HOT_ADDRESS, CUTOFF + pd.Timedelta(days=10), "cannabis_grow"),
            ("0000000000000030", end, "cannabis_grow"),
            ("0000000000000031", CUTOFF - pd.Timedelta(days=1), "drug_lab"),
        ],
    )
    result = run_backtest(
        changed,
        as_of=parse_as_of("2025-10-01"),
        horizon_days=90,
        cutoffs=[CUTOFF],
        specs=SPECS,
        methods=select_methods(SPECS, model="expert"),
    )
    expert = result.per_cutoff[result.per_cutoff["method"] == "expert"].set_index("metric")
    assert (expert["n_finds"] == 1).all()
    assert expert.loc["hit_rate_top10", "value"] == 1.0
    assert expert.loc["average_precision", "value"] == 1.0
    assert list(result.find_addresses) == [HOT_ADDRESS]
    assert result.has_finds
    assert set(result.methods) == {
        "expert",
        "random",
        "vacancy_only",
        "energy_only",
        "vacant_and_large",
        "dumping_density",
        "report_density",
        "naive_z_sum",
    }
    assert result.summary_table("mean").loc["expert", "hit_rate_top10"] == 1.0
    assert result.best_methods("mean").loc["expert", "average_precision"]


def test_cutoffs_whose_window_is_not_over_are_dropped(dataset):
    result = run_backtest(
        dataset,
        as_of=parse_as_of("2025-07-01"),
        horizon_days=90,
        cutoffs=[parse_as_of("2025-03-01"), CUTOFF],
        specs=SPECS,
        methods=[backtest.EXPERT_METHOD],
    )
    assert result.cutoffs == [parse_as_of("2025-03-01")]


def test_no_finds_gives_nan_metrics_and_still_a_bias_diagnostic(dataset):
    result = run_backtest(
        dataset,
        as_of=parse_as_of("2025-10-01"),
        horizon_days=60,
        cutoffs=rolling_cutoffs(parse_as_of("2025-10-01"), months=4, horizon_days=60),
        specs=SPECS,
        methods=select_methods(SPECS, model="expert"),
    )
    assert len(result.cutoffs) == 3 and not result.has_finds
    assert result.summary["value"].isna().all()
    assert result.curves.empty
    assert not result.best_methods().any().any()
    assert "expert" in result.bias


def test_methods_are_pluggable_and_their_fallbacks_recorded(dataset):
    def by_address_id(known, analysis, as_of):
        scores = pd.Series(range(len(analysis.evidence.address_ids)), analysis.evidence.address_ids)
        scores.attrs.update(fallback=True, reason="nothing learned")
        return scores.astype(float)

    result = run_backtest(
        dataset,
        as_of=parse_as_of("2025-10-01"),
        horizon_days=60,
        cutoffs=[CUTOFF],
        specs=SPECS,
        methods=[Method("by_id", "Op nummer", by_address_id, is_model=True)],
    )
    assert list(result.methods) == ["by_id"] and "by_id" in result.bias
    assert result.fallbacks[["method", "reason"]].values.tolist() == [["by_id", "nothing learned"]]


def test_model_choices_select_the_model_rankings():
    def names(model):
        return [m.name for m in select_methods(SPECS, model=model)]

    assert names("all")[:3] == ["expert", "learned", "auto"]
    assert names("expert")[0] == "expert" and not {"learned", "auto"} & set(names("expert"))
    assert names("learned")[0] == "learned" and "expert" not in names("learned")
    assert names("auto")[0] == "auto" and not {"expert", "learned"} & set(names("auto"))
    assert "random" in names("auto") and "naive_z_sum" in names("learned")


def test_with_few_finds_learned_moves_and_auto_keeps_the_unproven_expert_score(dataset):
    methods = select_methods(SPECS, model="all")[:3]
    _, scores = score_methods(dataset, as_of=CUTOFF, specs=SPECS, methods=methods)
    assert not scores["learned"].equals(scores["expert"])
    assert scores["auto"].equals(scores["expert"])
    assert set(scores.attrs["fallback"]) == {"auto"}
    assert "confirmed finds the weights moved" in scores.attrs["fallback"]["auto"]


def test_auto_ranks_with_the_learned_model_when_the_choice_says_so(monkeypatch, dataset):
    from buitengebied.scoring import choice
    from buitengebied.scoring import training as learned_model
    from buitengebied.scoring.choice import ModelChoice
    from buitengebied.scoring.estimator import LearnedRiskModel

    seen = []
    fitted = learned_model.LearnedFit(LearnedRiskModel())

    def fit(known, *, as_of, specs):
        seen.append(known.layers["inspections"]["inspected_at"].max() < as_of)
        return fitted

    def reversed_expert(analysis, model):
        assert model is fitted.model
        table = analysis.scores.table
        reversed_table = table.assign(score=-table["score"], probability=-table["score"])
        return replace(analysis.scores, table=reversed_table)

    monkeypatch.setattr(learned_model, "fit_learned_model", fit)
    monkeypatch.setattr(choice, "score_with_model", reversed_expert)
    monkeypatch.setattr(choice, "choose_model", lambda kind, model: ModelChoice("learned", "test"))
    methods = select_methods(SPECS, model="all")[:3]
    _, scores = score_methods(dataset, as_of=CUTOFF, specs=SPECS, methods=methods)
    assert scores["auto"].equals(-scores["expert"]) and scores["auto"].equals(scores["learned"])
    assert "auto" not in scores.attrs["fallback"]
    # One fit per cut-off serves both methods, and it saw only what was known then.
    assert seen == [True]


def test_each_analysis_gets_its_own_fit_even_at_the_same_cutoff(monkeypatch, dataset):
    from buitengebied.scoring import training as learned_model

    fitted_on = []
    real_fit = learned_model.fit_learned_model

    def counting_fit(known, *, as_of, specs):
        fitted_on.append(len(known.addresses))
        return real_fit(known, as_of=as_of, specs=specs)

    monkeypatch.setattr(learned_model, "fit_learned_model", counting_fit)
    methods = select_methods(SPECS, model="all")[:3]
    smaller = replace(dataset, addresses=dataset.addresses.iloc[1:])
    for data, cutoff in (
        (dataset, CUTOFF),
        (smaller, CUTOFF),
        (dataset, CUTOFF + pd.Timedelta(days=30)),
    ):
        score_methods(data, as_of=cutoff, specs=SPECS, methods=methods)
    # learned and auto share one fit per analysis; a new dataset or cut-off refits.
    n = len(dataset.addresses)
    assert fitted_on == [n, n - 1, n]


def test_unknown_model_choice_is_refused():
    with pytest.raises(ValueError, match="model must be one of"):
        select_methods(SPECS, model="magic")


def test_random_baseline_is_reproducible_and_differs_per_cutoff(dataset):
    random_method = [m for m in select_methods(SPECS, model="expert") if m.name == "random"]
    _, first = score_methods(dataset, as_of=CUTOFF, specs=SPECS, methods=random_method)
    _, again = score_methods(dataset, as_of=CUTOFF, specs=SPECS, methods=random_method)
    _, other = score_methods(
        dataset, as_of=CUTOFF + pd.Timedelta(days=31), specs=SPECS, methods=random_method
    )
    assert first.equals(again) and not first.equals(other)


def test_naive_z_sum_adds_z_scores(dataset):
    analysis, scores = score_methods(
        dataset, as_of=CUTOFF, specs=SPECS, methods=select_methods(SPECS, model="expert")
    )
    raw = analysis.evidence.raw
    assert scores["naive_z_sum"].sum() == pytest.approx(0.0, abs=1e-9)
    assert scores["vacancy_only"].equals(raw["vacant_buildings"])
    # Issue 8: the four simple layers, not the engine's factors.
    simple = pd.DataFrame(
        {
            "vacant_and_large": scores["vacant_and_large"],
            "energy": raw["energy"],
            "dumpings": scores["dumping_density"],
            "reports": scores["report_density"],
        }
    )
    expected = ((simple - simple.mean()) / simple.std(ddof=0)).fillna(0.0).sum(axis=1)
    pd.testing.assert_series_equal(scores["naive_z_sum"], expected, check_names=False)


def test_evaluate_command_without_finds_says_so(contract_dir, tmp_path):
    out_dir = tmp_path / "eval"
    result = CliRunner().invoke(
        app,
        [
            "evaluate",
            str(contract_dir),
            "--as-of",
            "2025-10-01",
            "--months",
            "4",
            "--horizon-days",
            "60",
            "--model",
            "expert",
            "--out-dir",
            str(out_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Nothing to evaluate against" in result.output and "n/a" in result.output
    table = pd.read_csv(out_dir / "backtest.csv")
    assert list(table.columns) == ["cutoff", "window_end", "method", "metric", "value", "n_finds"]
    assert table["cutoff"].str.startswith("2025-0").all() and len(table) == 3 * 8 * 8
    assert (out_dir / "report.html").exists()
    assert math.isnan(table["value"].iloc[0])
    comparison = pd.read_csv(out_dir / "comparison.csv")
    assert comparison.empty and {"baseline", "verdict", "low", "high"} <= set(comparison.columns)
