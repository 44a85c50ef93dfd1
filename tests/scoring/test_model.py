"""The learned risk model: estimator conventions, selection, validation, integration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from buitengebied.evaluation.backtest import score_methods, select_methods
from buitengebied.evidence.layerspec import load_layer_specs
from buitengebied.load.directory import load_data_dir
from buitengebied.load.timefilter import known_at
from buitengebied.scoring.analysis import analyse
from buitengebied.scoring.choice import choose_model, score_with_model
from buitengebied.scoring.estimator import FallbackError, LearnedRiskModel
from buitengebied.scoring.fusion import factor_strengths
from buitengebied.scoring.split import SpatioTemporalSplit, example_groups, spatial_blocks
from buitengebied.scoring.training import fit_learned_model, training_examples
from buitengebied.timeutil import parse_as_of
from buitengebied_scenarios.generator import ScenarioParams, generate_scenario

FACTORS = ["a", "b", "c"]


def selection_world(seed: int = 0, n_addresses: int = 4000, n_cutoffs: int = 6):
    """Finds depend on factor ``a`` only, inspections on factor ``b`` only."""
    rng = np.random.default_rng(seed)
    n = n_addresses * n_cutoffs
    X = pd.DataFrame(rng.uniform(size=(n, 3)), columns=FACTORS)
    inspected = rng.uniform(size=n) < expit(-4.0 + 5.0 * X["b"].to_numpy())
    found = inspected & (rng.uniform(size=n) < expit(-3.0 + 4.0 * X["a"].to_numpy()))
    xy = rng.uniform(0, 30_000, size=(n_addresses, 2))
    cutoffs = pd.date_range("2024-01-01", periods=n_cutoffs, freq="180D", tz="UTC")
    groups = example_groups(
        cutoffs.repeat(n_addresses), np.tile(spatial_blocks(xy), (n_cutoffs, 1))
    )
    return X, found, inspected, groups


@pytest.fixture(scope="module")
def selection_data():
    return selection_world()


@pytest.fixture(scope="module")
def fitted(selection_data):
    X, y, exposure, groups = selection_data
    model = LearnedRiskModel(shrink_to="zero", C=1.0, random_state=0)
    return model.fit(X, y, exposure=exposure, groups=groups)


# --------------------------------------------------------------------------- conventions


def test_init_only_stores_parameters_and_clone_keeps_them():
    model = LearnedRiskModel(C=0.5, min_positives=7, calibration="isotonic", random_state=3)
    params = model.get_params()
    assert params["C"] == 0.5 and params["min_positives"] == 7
    assert params["calibration"] == "isotonic" and params["random_state"] == 3
    assert clone(model).get_params() == params
    assert not [k for k in vars(model) if k.endswith("_")]


def test_not_fitted_raises(selection_data):
    X = selection_data[0]
    model = LearnedRiskModel()
    for method in (model.predict_proba, model.predict, model.explain, model.risk_score):
        with pytest.raises(NotFittedError):
            method(X)
    with pytest.raises(NotFittedError):
        choose_model("auto", model)


def test_fitted_attributes(fitted):
    for name in (
        "coef_",
        "intercept_",
        "propensity_model_",
        "calibrator_",
        "n_positives_",
        "fallback_",
        "cv_results_",
        "cv_average_precision_",
        "factor_weights_",
        "n_features_in_",
        "feature_names_in_",
    ):
        assert hasattr(fitted, name), name
    assert fitted.coef_.shape == (1, 3)
    assert list(fitted.feature_names_in_) == FACTORS
    assert not fitted.fallback_ and fitted.fallback_reason_ == ""
    assert fitted.calibrator_ is not None, fitted.calibration_note_
    assert fitted.cv_average_precision_["n_folds"] > 0
    probability = fitted.predict_proba(pd.DataFrame(np.full((1, 3), 0.5), columns=FACTORS))
    assert_allclose(probability.sum(axis=1), 1.0)


def test_random_state_makes_fit_reproducible(selection_data):
    X, y, exposure, groups = selection_data
    runs = [
        LearnedRiskModel(random_state=5).fit(X, y, exposure=exposure, groups=groups)
        for _ in range(2)
    ]
    assert_array_equal(runs[0].coef_, runs[1].coef_)
    pd.testing.assert_frame_equal(runs[0].cv_results_, runs[1].cv_results_)
    other = LearnedRiskModel(random_state=6).fit(X, y, exposure=exposure, groups=groups)
    assert not runs[0].cv_results_.equals(other.cv_results_)


def test_rejects_finds_without_inspection(selection_data):
    X, y, _exposure, _ = selection_data
    with pytest.raises(ValueError, match="needs an inspection"):
        LearnedRiskModel().fit(X, y, exposure=np.zeros(len(y), dtype=bool))


# --------------------------------------------------------------------------- fallback


def test_fallback_with_too_few_finds_uses_expert_weights(selection_data):
    X, y, exposure, groups = selection_data
    few = y.copy()
    few[np.flatnonzero(few)[3:]] = False
    weights = {"a": 2.0, "b": 1.0, "c": 0.5}
    model = LearnedRiskModel(expert_weights=weights).fit(X, few, exposure=exposure, groups=groups)
    assert model.fallback_
    assert model.n_positives_ == 3
    assert model.fallback_reason_ == (
        "only 3 confirmed finds in the training windows; at least 20 needed; using expert weights"
    )
    assert_allclose(model.risk_score(X), X.to_numpy() @ np.array([2.0, 1.0, 0.5]))
    with pytest.raises(FallbackError, match="only 3 confirmed finds"):
        model.predict_proba(X)
    for kind in ("auto", "learned"):
        choice = choose_model(kind, model)
        assert choice.kind == "expert" and "only 3 confirmed finds" in choice.reason
    assert choose_model("expert").kind == "expert"


# --------------------------------------------------------------------------- validation


def split_world(seed: int = 1):
    rng = np.random.default_rng(seed)
    n_addresses, n_cutoffs = 500, 10
    xy = rng.uniform(0, 40_000, size=(n_addresses, 2))
    cutoffs = pd.date_range("2023-03-01", periods=n_cutoffs, freq="90D", tz="UTC")
    blocks = np.tile(spatial_blocks(xy), (n_cutoffs, 1))
    groups = example_groups(cutoffs.repeat(n_addresses), blocks)
    return np.zeros((len(groups), 1)), groups


@pytest.mark.parametrize("buffer_blocks", [0, 1])
def test_split_keeps_neighbours_and_future_out_of_training(buffer_blocks):
    X, groups = split_world()
    splitter = SpatioTemporalSplit(
        n_spatial_folds=3, n_time_folds=2, horizon_days=180, buffer_blocks=buffer_blocks
    )
    splits = list(splitter.split(X, groups=groups))
    assert 0 < len(splits) <= splitter.get_n_splits()
    blocks = groups[["block_x", "block_y"]].to_numpy()
    seen_validation = np.zeros(len(groups), dtype=bool)
    for train, validation in splits:
        assert not seen_validation[validation].any()
        seen_validation[validation] = True
        train_blocks = np.unique(blocks[train], axis=0)
        validation_blocks = np.unique(blocks[validation], axis=0)
        chebyshev = np.abs(train_blocks[:, None, :] - validation_blocks[None, :, :]).max(axis=2)
        assert chebyshev.min() > buffer_blocks
        label_end = groups["cutoff"].iloc[train].max() + pd.Timedelta(days=180)
        assert label_end <= groups["cutoff"].iloc[validation].min()


def test_split_works_with_scikit_learn_and_rejects_bad_groups():
    X, groups = split_world()
    rng = np.random.default_rng(0)
    features = rng.normal(size=(len(groups), 2))
    labels = (features[:, 0] + rng.normal(size=len(groups)) > 1).astype(int)
    scores = cross_val_score(
        LogisticRegression(),
        features,
        labels,
        groups=groups,
        cv=SpatioTemporalSplit(random_state=0),
        scoring="average_precision",
    )
    assert len(scores) == 6 and (scores > 0.5).all()
    with pytest.raises(ValueError, match="needs groups"):
        next(SpatioTemporalSplit().split(X))
    with pytest.raises(ValueError, match="distinct cut-offs"):
        next(SpatioTemporalSplit(n_time_folds=20).split(X, groups=groups))


# --------------------------------------------------------------------------- selection


def test_selection_does_not_leak_into_the_risk_weights(selection_data, fitted):
    """Finds follow ``a``, inspections follow ``b``: ``b`` must not look risky."""
    X, y, _exposure, _ = selection_data
    coef_a, coef_b, coef_c = fitted.coef_[0]
    assert 3.0 < coef_a < 5.0  # truth: 4
    assert coef_b < 0.5 and coef_c < 0.5  # truth: 0
    # The propensity model sees the selection on b, not on a.
    propensity = fitted.propensity_model_.coef_[0]
    assert propensity[1] > 3.0 and abs(propensity[0]) < 0.5
    # Naive: "never inspected" read as "nothing there" makes b look as risky as a.
    naive = LogisticRegression().fit(X, y).coef_[0]
    assert naive[1] > 3.0
    assert naive[1] > 8 * coef_b


def test_contributions_add_up_to_the_score(selection_data, fitted):
    X = selection_data[0].iloc[:500]
    contributions = fitted.explain(X)
    assert list(contributions.columns) == FACTORS
    assert (contributions.to_numpy() >= 0).all()
    score = fitted.risk_score(X)
    assert_allclose(contributions.sum(axis=1).to_numpy(), score)
    baseline = fitted.predict_proba(pd.DataFrame(np.zeros((1, 3)), columns=FACTORS))[0, 1]
    assert_allclose(score, fitted.predict_proba(X)[:, 1] - baseline, atol=1e-12)
    assert_allclose(fitted.risk_score(pd.DataFrame(np.zeros((2, 3)), columns=FACTORS)), 0.0)


# --------------------------------------------------------------------------- integration


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
    model = fit_learned_model(dataset, as_of=parse_as_of(AS_OF), specs=specs)
    return dataset, specs, model


def test_scenario_learns_without_fallback(scenario):
    _dataset, specs, model = scenario
    assert not model.fallback_, model.fallback_reason_
    assert model.n_positives_ >= 20
    assert set(model.factor_weights_) == {s.name for s in specs}
    assert model.cv_average_precision_["n_folds"] > 0
    choice = choose_model("auto", model)
    assert choice.kind in ("expert", "learned") and "average precision" in choice.reason
    assert choose_model("learned", model).kind == "learned"


def test_score_with_model_explains_every_score(scenario):
    dataset, specs, model = scenario
    scores = score_with_model(analyse(dataset, as_of=parse_as_of(AS_OF), specs=specs), model)
    table = scores.table
    assert len(table) == len(dataset.addresses)
    assert_array_equal(table["rank"], np.arange(1, len(table) + 1))
    assert_allclose(scores.contributions().sum(axis=1).to_numpy(), table["score"].to_numpy())
    assert ((table["score"] > 0) == (table["top_factors"] != "")).all()
    assert table["probability"].between(0, 1).all()
    assert table["score"].is_monotonic_decreasing


def test_training_uses_nothing_known_at_or_after_as_of(scenario):
    dataset, specs, _model = scenario
    as_of = parse_as_of(AS_OF) - pd.Timedelta(days=200)
    full = fit_learned_model(dataset, as_of=as_of, specs=specs, min_positives=5)
    past = known_at(dataset, as_of)
    cut = fit_learned_model(past, as_of=as_of, specs=specs, min_positives=5)
    assert not full.fallback_
    assert_allclose(full.coef_, cut.coef_)
    pd.testing.assert_frame_equal(full.cv_results_, cut.cv_results_)


def test_labels_come_strictly_after_the_cutoff(scenario):
    dataset, specs, _ = scenario
    training = training_examples(dataset, as_of=parse_as_of(AS_OF), specs=specs)
    inspections = dataset.layers["inspections"]
    cutoff = training.cutoffs[3]
    at_cutoff = training.X.index.get_level_values("cutoff") == cutoff
    end = cutoff + pd.DateOffset(days=180)
    window = inspections[
        (inspections["inspected_at"] >= cutoff) & (inspections["inspected_at"] < end)
    ]
    found = window[window["outcome"].isin(["cannabis_grow", "drug_lab", "storage"])]
    ids = training.X.index.get_level_values("address_id")[at_cutoff]
    assert set(ids[training.y[at_cutoff]]) == set(found["address_id"])
    assert set(ids[training.exposure[at_cutoff]]) == set(window["address_id"])
    expected = factor_strengths(analyse(dataset, as_of=cutoff, specs=specs).evidence)[0]
    pd.testing.assert_frame_equal(training.X.loc[cutoff], expected[training.X.columns])


def test_backtest_ranks_with_learned_probabilities_in_the_expert_order_of_the_model(scenario):
    dataset, specs, _model = scenario
    as_of = parse_as_of(AS_OF)
    methods = select_methods(specs, model="all")[:3]
    analysis, scores = score_methods(dataset, as_of=as_of, specs=specs, methods=methods)
    assert "learned" not in scores.attrs["fallback"]
    learned = scores["learned"]
    assert learned.between(0.0, 1.0).all() and learned.nunique() > 10
    model = fit_learned_model(dataset, as_of=as_of, specs=specs)
    ranked = score_with_model(analysis, model).table
    # Probabilities rank the addresses as the model's explained score does.
    assert_array_equal(
        learned.reindex(ranked["address_id"]).to_numpy(), ranked["probability"].to_numpy()
    )
    assert ranked.set_index("address_id")["score"].corr(learned, method="spearman") > 0.999
    choice = choose_model("auto", model)
    expected = learned if choice.kind == "learned" else scores["expert"]
    assert_array_equal(scores["auto"].to_numpy(), expected.to_numpy())


def test_fallback_scores_equal_the_expert_ranking(scenario):
    dataset, specs, _model = scenario
    as_of = parse_as_of(AS_OF)
    model = fit_learned_model(dataset, as_of=as_of, specs=specs, min_positives=10**6)
    assert model.fallback_
    analysis = analyse(dataset, as_of=as_of, specs=specs)
    expert = analysis.scores.table
    pd.testing.assert_frame_equal(score_with_model(analysis, model).table, expert)
