"""Choosing the model that ranks: the model kinds, the choice and its fallback, scoring."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError

from buitengebied.errors import InsufficientFindsError
from buitengebied.evidence.layerspec import is_modifier, load_layer_specs
from buitengebied.load.directory import load_data_dir
from buitengebied.scoring.analysis import Analysis, analyse
from buitengebied.scoring.choice import (
    DEFAULT_MODEL_KIND,
    EvaluationModels,
    ModelKind,
    choose_model,
    score_with_model,
)
from buitengebied.scoring.estimator import LearnedRiskModel
from buitengebied.scoring.training import LearnedFit
from buitengebied.timeutil import parse_as_of

AS_OF = parse_as_of("2025-06-01")


def learned_fit(*, n_factors: int = 3, names: list[str] | None = None) -> LearnedFit:
    """A model learned on synthetic factor strengths: finds follow the first factor."""
    rng = np.random.default_rng(0)
    names = names or [f"f{k}" for k in range(n_factors)]
    X = pd.DataFrame(rng.uniform(size=(2_000, len(names))), columns=names)
    y = rng.uniform(size=len(X)) < 0.05 + 0.4 * X[names[0]].to_numpy()
    return LearnedFit(LearnedRiskModel().fit(X, y))


@pytest.fixture
def analysis(contract_dir) -> Analysis:
    return analyse(load_data_dir(contract_dir), as_of=AS_OF, specs=load_layer_specs())


# --------------------------------------------------------------------------- model kinds


def test_evaluation_models_are_the_model_kinds_and_all():
    assert [k.value for k in ModelKind] == ["expert", "learned", "auto"]
    assert [m.value for m in EvaluationModels] == [*ModelKind, "all"]
    assert EvaluationModels.ALL.kinds() == tuple(ModelKind)
    for kind in ModelKind:
        assert EvaluationModels(kind).kinds() == (kind,)
    assert DEFAULT_MODEL_KIND is ModelKind.AUTO


def test_unknown_model_kinds_are_refused_with_the_choices():
    with pytest.raises(ValueError, match=r"^model must be one of expert, learned, auto, not 'x'$"):
        ModelKind("x")
    with pytest.raises(
        ValueError, match=r"^model must be one of expert, learned, auto, all, not 'x'$"
    ):
        EvaluationModels("x")
    with pytest.raises(ValueError, match="model must be one of expert, learned, auto, not 'all'"):
        choose_model("all", learned_fit())  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the choice


def test_expert_needs_no_model_and_learned_needs_a_fit():
    assert choose_model(ModelKind.EXPERT) == choose_model("expert")  # type: ignore[arg-type]
    assert choose_model(ModelKind.EXPERT).kind == "expert"
    for kind in (ModelKind.LEARNED, ModelKind.AUTO):
        with pytest.raises(ValueError, match=f"--model {kind} needs a fitted LearnedRiskModel"):
            choose_model(kind)


def test_not_fitted_raises(analysis):
    unfitted = LearnedFit(LearnedRiskModel())
    for kind in (ModelKind.LEARNED, ModelKind.AUTO):
        with pytest.raises(NotFittedError):
            choose_model(kind, unfitted)
    with pytest.raises(NotFittedError):
        score_with_model(analysis, LearnedRiskModel())


def test_a_refusal_falls_back_to_the_expert_weights_with_the_reason():
    X = np.random.default_rng(0).uniform(size=(500, 2))
    everything = np.ones(len(X), dtype=bool)
    with pytest.raises(InsufficientFindsError) as refusal:
        LearnedRiskModel().fit(X, everything)
    refused = LearnedFit(None, str(refusal.value))
    for kind in (ModelKind.AUTO, ModelKind.LEARNED):
        choice = choose_model(kind, refused)
        assert choice.kind == "expert"
        assert choice.reason == (
            "one class only: every inspected example is a find; using expert weights"
        )
    assert choose_model(ModelKind.EXPERT, refused).reason == "expert weights, as requested"


def test_without_finds_every_kind_ranks_with_the_expert_weights():
    X = np.random.default_rng(0).uniform(size=(500, 2))
    fit = LearnedFit(LearnedRiskModel().fit(X, np.zeros(len(X), dtype=bool)))
    for kind in (ModelKind.AUTO, ModelKind.LEARNED):
        choice = choose_model(kind, fit)
        assert choice.kind == "expert"
        assert choice.reason.startswith("no confirmed find in the training windows")


MOVED = r"on [\d.]+ confirmed finds the weights moved \d+% from the expert weights: f0 1\.00 -> "


@pytest.mark.parametrize(
    ("learned_ap", "expert_ap", "n_folds", "kind", "reason"),
    [
        (
            0.30,
            0.20,
            4,
            "learned",
            rf"learned model \({MOVED}.*\): blocked-CV average precision learned 0.300",
        ),
        (
            0.20,
            0.20,
            4,
            "expert",
            rf"expert weights \({MOVED}.*, not better\): blocked-CV average precision learned 0.200",
        ),
        (np.nan, np.nan, 0, "expert", rf"{MOVED}.*, but no validation fold could be evaluated"),
    ],
)
def test_auto_takes_the_learned_model_only_where_it_wins_blocked_validation(
    learned_ap, expert_ap, n_folds, kind, reason
):
    learned = learned_fit()
    assert learned.model is not None
    learned.model.cv_average_precision_ = {
        "learned": learned_ap,
        "expert": expert_ap,
        "n_folds": n_folds,
    }
    choice = choose_model(ModelKind.AUTO, learned)
    assert choice.kind == kind and re.match(reason, choice.reason), choice.reason
    requested = choose_model(ModelKind.LEARNED, learned)
    assert requested.kind == "learned"
    assert re.match(rf"learned model, as requested \({MOVED}", requested.reason)
    assert requested.reason.endswith(f": {learned.model.summary()}")


# --------------------------------------------------------------------------- scoring


def test_score_with_model_explains_every_score(analysis):
    model = learned_fit(names=[s.name for s in analysis.specs if not is_modifier(s)]).model
    assert model is not None
    scores = score_with_model(analysis, model)
    table = scores.table
    assert len(table) == len(analysis.dataset.addresses)
    assert_array_equal(table["rank"], np.arange(1, len(table) + 1))
    assert_allclose(scores.contributions().sum(axis=1).to_numpy(), table["score"].to_numpy())
    assert ((table["score"] > 0) == (table["top_factors"] != "")).all()
    assert table["probability"].between(0, 1).all()
    assert table["score"].is_monotonic_decreasing
    # The modifiers (a find, nothing found) keep their own weights beside the learned ones.
    modifiers = {s.name: s.weight for s in analysis.specs if is_modifier(s)}
    assert modifiers and scores.weights == {**modifiers, **model.factor_weights_}


def test_score_with_model_needs_every_factor_of_the_model(analysis):
    names = [s.name for s in analysis.specs if not is_modifier(s)]
    model = learned_fit(names=[*names, "moon_phase"]).model
    assert model is not None
    with pytest.raises(
        ValueError, match=r"the analysis lacks factor\(s\) of the model: moon_phase"
    ):
        score_with_model(analysis, model)
