"""Training examples from a dataset's history, and the fit of the learned model."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from buitengebied.evaluation.backtest import score_methods, select_methods
from buitengebied.evidence.features import SharedEvidence, compute_evidence
from buitengebied.evidence.layerspec import is_modifier, load_layer_specs
from buitengebied.load.directory import load_data_dir
from buitengebied.load.timefilter import known_at, known_at_moments
from buitengebied.scoring import training
from buitengebied.scoring.analysis import analyse, evidence_at_moments
from buitengebied.scoring.choice import ModelKind, choose_model, score_with_model
from buitengebied.scoring.estimator import LearnedRiskModel
from buitengebied.scoring.fusion import factor_strengths
from buitengebied.scoring.ranking import rank_dataset
from buitengebied.scoring.training import LearnedFit, fit_learned_model, training_examples
from buitengebied.timeutil import parse_as_of
from buitengebied_scenarios.families import family_params
from buitengebied_scenarios.generator import ScenarioParams, generate_scenario

AS_OF = "2026-11-01"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):
    data_dir: Path = tmp_path_factory.mktemp("scenario") / "data"
    generate_scenario(
        data_dir,
        ScenarioParams(n_addresses=800, inspection_rate=0.3, n_hidden_sites=80, seed=1),
    )
    dataset = load_data_dir(data_dir)
    specs = load_layer_specs()
    learned = fit_learned_model(dataset, as_of=parse_as_of(AS_OF), specs=specs)
    return dataset, specs, learned


def test_learned_fit_holds_a_model_or_the_reason_it_refused():
    assert LearnedFit(None, "too few").refusal == "too few"
    assert LearnedFit(LearnedRiskModel()).refusal == ""
    for inconsistent in ((None, ""), (LearnedRiskModel(), "too few")):
        with pytest.raises(ValueError, match="either a model or the reason"):
            LearnedFit(*inconsistent)


def test_scenario_learns(scenario):
    _dataset, specs, learned = scenario
    model = learned.model
    assert isinstance(model, LearnedRiskModel), learned.refusal
    assert learned.refusal == ""
    assert model.n_positives_ >= 20
    # The modifiers (a find, nothing found) scale the score; they are not learned.
    assert set(model.factor_weights_) == {s.name for s in specs if not is_modifier(s)}
    assert model.cv_average_precision_["n_folds"] > 0
    choice = choose_model(ModelKind.AUTO, learned)
    assert choice.kind in ("expert", "learned") and "average precision" in choice.reason
    assert choose_model(ModelKind.LEARNED, learned).kind == "learned"


def test_training_uses_nothing_known_at_or_after_as_of(scenario):
    dataset, specs, _learned = scenario
    as_of = parse_as_of(AS_OF) - pd.Timedelta(days=200)
    full = fit_learned_model(dataset, as_of=as_of, specs=specs).model
    past = known_at(dataset, as_of)
    cut = fit_learned_model(past, as_of=as_of, specs=specs).model
    assert full is not None and cut is not None
    assert_allclose(full.coef_, cut.coef_)
    pd.testing.assert_frame_equal(full.cv_results_, cut.cv_results_)


def test_labels_come_strictly_after_the_cutoff(scenario):
    dataset, specs, _ = scenario
    examples = training_examples(dataset, as_of=parse_as_of(AS_OF), specs=specs)
    inspections = dataset.layers["inspections"]
    cutoff = examples.cutoffs[3]
    at_cutoff = examples.X.index.get_level_values("cutoff") == cutoff
    end = cutoff + pd.DateOffset(days=180)
    window = inspections[
        (inspections["inspected_at"] >= cutoff) & (inspections["inspected_at"] < end)
    ]
    found = window[window["outcome"].isin(["cannabis_grow", "drug_lab", "storage"])]
    ids = examples.X.index.get_level_values("address_id")[at_cutoff]
    assert set(ids[examples.y[at_cutoff]]) == set(found["address_id"])
    assert set(ids[examples.exposure[at_cutoff]]) == set(window["address_id"])


def test_shared_evidence_equals_a_full_analysis_at_every_cutoff(scenario):
    """Factors reused across cut-offs give what a full analysis at each cut-off gives."""
    dataset, specs, _ = scenario
    examples = training_examples(dataset, as_of=parse_as_of(AS_OF), specs=specs)
    for cutoff in examples.cutoffs:
        expected = factor_strengths(analyse(dataset, as_of=cutoff, specs=specs).evidence)[0]
        pd.testing.assert_frame_equal(
            examples.X.loc[cutoff], expected[examples.X.columns].astype(np.float32)
        )


def test_register_matched_once_gives_the_premises_of_every_cutoff(scenario):
    """The register's matches, made once over all rows, are each moment's own matches."""
    scenario_dataset, specs, _ = scenario
    premises = [s for s in specs if s.method == "premises" or s.host is not None]
    cutoffs = training_examples(
        scenario_dataset, as_of=parse_as_of(AS_OF), specs=specs, with_features=False
    ).cutoffs
    register = scenario_dataset.layers["vacant_buildings"]
    assert register["address_id"].isna().any(), "the scenario needs unlinked register rows"
    # Rows registered over the whole training period, so that the register grows.
    since = pd.date_range(cutoffs[0] - pd.Timedelta(days=60), cutoffs[-1], periods=len(register))
    register = register.assign(vacant_since=since[np.random.default_rng(3).permutation(len(since))])
    dataset = replace(
        scenario_dataset, layers={**scenario_dataset.layers, "vacant_buildings": register}
    )
    shared = SharedEvidence.of(dataset)
    known_counts = []
    for cutoff, known_rows in zip(
        cutoffs, (rows for _, rows in known_at_moments(dataset, cutoffs)), strict=True
    ):
        known = known_at(dataset, cutoff)
        known_counts.append(len(known.layers["vacant_buildings"]))
        alone = compute_evidence(known, premises, as_of=cutoff).raw
        sharing = compute_evidence(
            known, premises, as_of=cutoff, shared=shared.at_moment(known_rows)
        ).raw
        pd.testing.assert_frame_equal(sharing, alone, check_exact=True)
    assert 0 < min(known_counts) < max(known_counts) <= len(register)
    assert len(shared.vacancies) == 1


def test_uninspected_examples_are_sampled_and_weighted_up(scenario):
    dataset, specs, _ = scenario
    as_of = parse_as_of(AS_OF)
    full = training_examples(dataset, as_of=as_of, specs=specs, with_features=False)
    sampled = training_examples(
        dataset, as_of=as_of, specs=specs, with_features=False, max_uninspected_per_cutoff=100
    )
    per_cutoff = pd.Series(sampled.exposure).groupby(sampled.groups["cutoff"]).agg(["sum", "size"])
    assert ((per_cutoff["size"] - per_cutoff["sum"]) == 100).all()
    # Every inspected example is kept; the uninspected weigh for all of them.
    assert sampled.exposure.sum() == full.exposure.sum() and sampled.y.sum() == full.y.sum()
    assert_allclose(
        sampled.sample_weight[~sampled.exposure].sum(), full.sample_weight[~full.exposure].sum()
    )


def test_backtest_ranks_with_learned_probabilities_in_the_expert_order_of_the_model(scenario):
    dataset, specs, _learned = scenario
    as_of = parse_as_of(AS_OF)
    methods = select_methods(specs, model="all")[:3]
    analysis, scores = score_methods(dataset, as_of=as_of, specs=specs, methods=methods)
    assert "learned" not in scores.attrs["fallback"]
    learned = scores["learned"]
    assert learned.between(0.0, 1.0).all() and learned.nunique() > 10
    fit = fit_learned_model(dataset, as_of=as_of, specs=specs)
    assert fit.model is not None, fit.refusal
    ranked = score_with_model(analysis, fit.model).table
    # Probabilities rank the addresses as the model's explained score does.
    assert_array_equal(
        learned.reindex(ranked["address_id"]).to_numpy(), ranked["probability"].to_numpy()
    )
    assert ranked.set_index("address_id")["score"].corr(learned, method="spearman") > 0.999
    choice = choose_model(ModelKind.AUTO, fit)
    expected = learned if choice.kind == "learned" else scores["expert"]
    assert_array_equal(scores["auto"].to_numpy(), expected.to_numpy())


def test_without_finds_learned_and_auto_rank_as_the_expert(scenario):
    dataset, specs, _learned = scenario
    as_of = parse_as_of(AS_OF)
    inspections = dataset.layers["inspections"].assign(outcome="nothing")
    no_finds = replace(dataset, layers={**dataset.layers, "inspections": inspections})
    fit = fit_learned_model(no_finds, as_of=as_of, specs=specs)
    assert fit.model is not None and fit.model.n_positives_ == 0
    assert fit.model.expert_distance_ == 0.0
    assert fit.model.weights_on_expert_scale_ == {
        s.name: float(s.weight) for s in specs if not is_modifier(s)
    }
    expert = analyse(no_finds, as_of=as_of, specs=specs).scores.table
    for kind in (ModelKind.LEARNED, ModelKind.AUTO):
        ranking = rank_dataset(no_finds, as_of=as_of, specs=specs, model=kind)
        assert ranking.choice.kind == "expert"
        assert ranking.choice.reason.startswith("no confirmed find in the training windows")
        pd.testing.assert_frame_equal(ranking.scores.table, expert)


def test_without_finds_no_evidence_is_computed_per_cutoff(scenario, monkeypatch):
    dataset, specs, _learned = scenario
    computed = []

    def counting(*args, **kwargs):
        for moment, raw in evidence_at_moments(*args, **kwargs):
            computed.append(moment)
            yield moment, raw

    monkeypatch.setattr(training, "evidence_at_moments", counting)
    as_of = parse_as_of(AS_OF)
    inspections = dataset.layers["inspections"].assign(outcome="nothing")
    no_finds = replace(dataset, layers={**dataset.layers, "inspections": inspections})
    assert fit_learned_model(no_finds, as_of=as_of, specs=specs).model.n_positives_ == 0
    assert computed == []
    assert fit_learned_model(dataset, as_of=as_of, specs=specs).model.n_positives_ > 0
    assert computed == training_examples(dataset, as_of=as_of, with_features=False).cutoffs


def _auto_against_expert(dataset, as_of):
    """The blocked-CV average precision of what auto ranks with, and of the expert."""
    fit = fit_learned_model(dataset, as_of=as_of, specs=load_layer_specs())
    assert fit.model is not None, fit.refusal
    choice = choose_model(ModelKind.AUTO, fit)
    ap = fit.model.cv_average_precision_
    if not ap["n_folds"]:
        assert choice.kind == "expert"
        return None
    chosen = ap["learned"] if choice.kind == "learned" else ap["expert"]
    return chosen, ap["expert"], choice


@pytest.mark.slow
def test_auto_is_never_below_expert_in_blocked_validation_on_the_demo():
    demo = load_data_dir(Path(__file__).parents[2] / "data" / "demo")
    compared = _auto_against_expert(demo, parse_as_of(AS_OF))
    assert compared is not None
    chosen, expert, choice = compared
    assert chosen >= expert, choice.reason


@pytest.mark.slow
@pytest.mark.parametrize("family", ["default", "mostly_labs", "sparse_reports", "rich_inspections"])
def test_auto_is_never_below_expert_in_blocked_validation_on_scenario_families(family, tmp_path):
    params = family_params(family, seed=11, n_addresses=1500, n_hidden_sites=30)
    generate_scenario(tmp_path / "data", params)
    compared = _auto_against_expert(load_data_dir(tmp_path / "data"), parse_as_of(AS_OF))
    if compared is not None:
        chosen, expert, choice = compared
        assert chosen >= expert, choice.reason
