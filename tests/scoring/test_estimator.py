"""The learned risk model as an estimator: conventions, the prior, selection, explanation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from buitengebied.errors import BuitengebiedError, InsufficientFindsError
from buitengebied.scoring.estimator import LearnedRiskModel, expert_scale
from buitengebied.scoring.split import example_groups, spatial_blocks

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


def with_finds(y: np.ndarray, n_finds: int) -> np.ndarray:
    """``y`` with only its first ``n_finds`` finds kept."""
    few = y.copy()
    few[np.flatnonzero(few)[n_finds:]] = False
    return few


@pytest.fixture(scope="module")
def selection_data():
    return selection_world()


@pytest.fixture(scope="module")
def fitted(selection_data):
    X, y, exposure, groups = selection_data
    model = LearnedRiskModel(shrink_to="zero", prior_strength=0.1, random_state=0)
    return model.fit(X, y, exposure=exposure, groups=groups)


# --------------------------------------------------------------------------- conventions


def test_init_only_stores_parameters_and_clone_keeps_them():
    model = LearnedRiskModel(prior_strength=7, calibration="isotonic", random_state=3)
    params = model.get_params()
    assert params["prior_strength"] == 7
    assert params["calibration"] == "isotonic" and params["random_state"] == 3
    assert clone(model).get_params() == params
    assert not [k for k in vars(model) if k.endswith("_")]


def test_clone_of_a_fitted_model_is_unfitted_with_the_same_parameters(fitted):
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    assert not [k for k in vars(copy) if k.endswith("_")]
    with pytest.raises(NotFittedError):
        copy.predict_proba(pd.DataFrame(np.zeros((1, 3)), columns=FACTORS))
    assert (
        copy.set_params(prior_strength=2.0, shrink_to="expert").get_params()["prior_strength"]
        == 2.0
    )
    assert fitted.get_params()["prior_strength"] == 0.1


def test_not_fitted_raises(selection_data):
    X = selection_data[0]
    model = LearnedRiskModel()
    for method in (model.predict_proba, model.predict, model.explain, model.risk_score):
        with pytest.raises(NotFittedError):
            method(X)
    with pytest.raises(NotFittedError):
        model.summary()


def test_fitted_attributes(fitted):
    for name in (
        "coef_",
        "intercept_",
        "propensity_model_",
        "calibrator_",
        "n_positives_",
        "cv_results_",
        "cv_average_precision_",
        "factor_weights_",
        "n_features_in_",
        "feature_names_in_",
    ):
        assert hasattr(fitted, name), name
    assert fitted.coef_.shape == (1, 3)
    assert list(fitted.feature_names_in_) == FACTORS
    assert list(fitted.factor_weights_) == FACTORS
    # A fitted model has learned: there is no fallback state on the estimator.
    assert not hasattr(fitted, "fallback_") and not hasattr(fitted, "fallback_reason_")
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


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([0, 1, 2, 0], "Only binary classification is supported.*multiclass labels such as 2"),
        ([0.0, 0.5, 1.0, 1.0], "only 0 and 1.*continuous labels such as 0.5"),
        (["no", "yes", "yes", "no"], "only 0 and 1.*binary labels such as 'no'"),
    ],
)
def test_labels_must_be_zero_or_one(labels, message):
    with pytest.raises(ValueError, match=message):
        LearnedRiskModel().fit(np.ones((4, 1)), labels)


@pytest.mark.parametrize(
    ("sample_weight", "message"),
    [
        (np.ones(3), r"one value per example: shape \(4,\) expected, got \(3,\)"),
        (np.ones((4, 1)), r"one value per example: shape \(4,\) expected, got \(4, 1\)"),
        ([1.0, -1.0, 1.0, 1.0], "finite and non-negative"),
        ([1.0, np.nan, 1.0, 1.0], "finite and non-negative"),
        ([1.0, np.inf, 1.0, 1.0], "finite and non-negative"),
        (np.zeros(4), "zero for every example"),
    ],
)
def test_sample_weight_must_be_finite_non_negative_one_per_example(sample_weight, message):
    X, y = np.arange(4.0)[:, None], np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match=message):
        LearnedRiskModel().fit(X, y, sample_weight=sample_weight)


def test_sample_weight_as_list_or_series_fits_as_an_array(selection_data):
    X, y, exposure, _ = selection_data
    weight = np.linspace(0.5, 1.5, len(y))
    runs = [
        LearnedRiskModel().fit(X, y, exposure=exposure, sample_weight=w)
        for w in (weight, list(weight), pd.Series(weight, index=X.index[::-1]))
    ]
    for run in runs[1:]:
        assert_array_equal(run.coef_, runs[0].coef_)
        assert run.n_positives_ == runs[0].n_positives_ == float(weight[y].sum())


# --------------------------------------------------------------------------- the prior

EXPERT = {"a": 1.0, "b": 1.0, "c": 1.0}


def fit_finds(data, n_finds: int, seed: int, **params) -> LearnedRiskModel:
    """Fit with ``n_finds`` random finds kept: the others read as inspected, nothing found.

    Many inspections and a handful of finds, as a municipality has them; the kept finds
    are nested as ``n_finds`` grows.
    """
    X, y, exposure, groups = data
    order = np.random.default_rng(seed).permutation(np.flatnonzero(y))
    few = np.zeros(len(y), dtype=bool)
    few[order[:n_finds]] = True
    return LearnedRiskModel(expert_weights=EXPERT, random_state=0, **params).fit(
        X, few, exposure=exposure, groups=groups
    )


def test_without_finds_the_model_is_the_expert_model(selection_data):
    X, _y, exposure, groups = selection_data
    weights = {"a": 2.0, "b": 1.0, "c": 0.5}
    nothing = np.zeros(len(X), dtype=bool)
    model = LearnedRiskModel(expert_weights=weights).fit(
        X, nothing, exposure=exposure, groups=groups
    )
    assert model.n_positives_ == 0
    assert_array_equal(model.coef_[0], [2.0, 1.0, 0.5])
    assert model.expert_distance_ == 0.0
    assert model.weights_on_expert_scale_ == weights
    assert model.propensity_model_ is None
    # It ranks exactly as the expert score does.
    expert_score = X.to_numpy() @ np.array([2.0, 1.0, 0.5])
    assert_array_equal(
        np.argsort(-model.risk_score(X), kind="stable"), np.argsort(-expert_score, kind="stable")
    )
    # No examples at all: the same.
    empty = LearnedRiskModel(expert_weights=weights).fit(X.iloc[:0], nothing[:0])
    assert_array_equal(empty.coef_[0], [2.0, 1.0, 0.5])


def test_five_finds_move_the_weights_a_little_and_fifty_far(selection_data):
    """Finds follow ``a`` only; the expert weighs all three factors alike."""
    for seed in range(3):
        few = fit_finds(selection_data, 5, seed)
        many = fit_finds(selection_data, 50, seed)
        assert few.n_positives_ == 5 and many.n_positives_ == 50
        assert 0 < few.expert_distance_ < 0.1
        assert many.expert_distance_ > 2 * few.expert_distance_
        # They move towards the truth: a up, b and c down (on the expert scale).
        assert many.weights_on_expert_scale_["a"] > 1.0


def test_distance_from_the_expert_grows_with_the_finds(selection_data):
    """A property over three random draws of finds: on average, more finds move further."""
    counts = (5, 50, 200)
    distances = np.array(
        [[fit_finds(selection_data, n, seed).expert_distance_ for n in counts] for seed in range(3)]
    )
    assert all(np.diff(distances.mean(axis=0)) > 0), distances


def test_a_stronger_prior_stays_closer_to_the_expert(selection_data):
    loose = fit_finds(selection_data, 50, 0, prior_strength=5)
    tight = fit_finds(selection_data, 50, 0, prior_strength=200)
    assert tight.expert_distance_ < loose.expert_distance_


def test_expert_scale_measures_the_move_from_the_expert_direction():
    scaled, distance = expert_scale(np.array([2.0, 4.0]), np.array([1.0, 2.0]))
    assert_allclose(scaled, [1.0, 2.0]) and distance == 0.0
    scaled, distance = expert_scale(np.zeros(2), np.array([1.0, 2.0]))
    assert_allclose(scaled, 0.0) and distance == 1.0
    scaled, distance = expert_scale(np.array([1.0, 0.0]), np.array([1.0, 1.0]))
    # Projection 0.5: (2, 0) on the expert scale, |(1, -1)| / |(1, 1)| = 1.
    assert_allclose(scaled, [2.0, 0.0]) and distance == pytest.approx(1.0)


def test_fit_refuses_one_class_of_finds_only(selection_data):
    X, _y, exposure, _ = selection_data
    with pytest.raises(
        InsufficientFindsError, match=r"^one class only: every inspected example is a find$"
    ) as refusal:
        LearnedRiskModel().fit(X, exposure, exposure=exposure)
    assert isinstance(refusal.value, BuitengebiedError) and isinstance(refusal.value, ValueError)


def test_prior_strength_must_be_positive(selection_data):
    X, y, exposure, _ = selection_data
    with pytest.raises(ValueError, match="prior_strength must be positive, not 0"):
        LearnedRiskModel(prior_strength=0).fit(X, y, exposure=exposure)


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


# --------------------------------------------------------------------------- scikit-learn

ONLY_ZERO_ONE = "y is whether an inspection found something: labels 0/1 only, not 1/2 or strings"
#: scikit-learn's own estimator checks that this model fails on purpose, and why.
EXPECTED_FAILED_CHECKS = {
    "check_estimators_dtypes": ONLY_ZERO_ONE,
    "check_sample_weights_pandas_series": ONLY_ZERO_ONE,
    "check_sample_weights_not_an_array": ONLY_ZERO_ONE,
    "check_sample_weights_shape": ONLY_ZERO_ONE,
    "check_sample_weights_not_overwritten": ONLY_ZERO_ONE,
    "check_classifier_data_not_an_array": ONLY_ZERO_ONE,
    "check_classifiers_classes": ONLY_ZERO_ONE,
    "check_fit2d_1feature": ONLY_ZERO_ONE,
    "check_classifiers_train": (
        "factor weights are non-negative by design (more evidence never lowers the risk); "
        "the blobs need a negative weight"
    ),
    "check_estimators_empty_data_messages": (
        "no examples (a history too short for a cut-off) is the expert model, not an error"
    ),
}


@parametrize_with_checks(
    [LearnedRiskModel()],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
    xfail_strict=True,
)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
