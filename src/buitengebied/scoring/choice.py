"""Which model ranks: expert weights, the learned model, or the better of the two.

Light to import: scikit-learn is loaded only once a learned model is chosen or applied,
so an expert-only run does not pay for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Literal, NoReturn

import numpy as np
import pandas as pd

from buitengebied.evidence.layerspec import is_modifier
from buitengebied.scoring.analysis import Analysis
from buitengebied.scoring.fusion import RiskScores, factor_strengths, rank_scores, with_modifiers

if TYPE_CHECKING:
    # scikit-learn is imported only where a model is fitted or applied: an expert-only
    # run starts most of a second faster.
    from buitengebied.scoring.estimator import LearnedRiskModel
    from buitengebied.scoring.training import LearnedFit


class ModelKind(StrEnum):
    """The model ``rank --model`` asks for.

    ``expert``: the expert weights of the layer files.  ``learned``: the model learned
    from the inspection history (expert weights when it cannot learn).  ``auto``: learned
    only where it beats the expert weights in blocked validation.
    """

    EXPERT = "expert"
    LEARNED = "learned"
    AUTO = "auto"

    @classmethod
    def _missing_(cls, value: object) -> NoReturn:
        _refuse(cls, value)


class EvaluationModels(StrEnum):
    """The model rankings ``evaluate --model`` runs: one :class:`ModelKind`, or all three."""

    EXPERT = ModelKind.EXPERT.value
    LEARNED = ModelKind.LEARNED.value
    AUTO = ModelKind.AUTO.value
    ALL = "all"

    @classmethod
    def _missing_(cls, value: object) -> NoReturn:
        _refuse(cls, value)

    def kinds(self) -> tuple[ModelKind, ...]:
        """The model kinds this selection runs, in :class:`ModelKind` order."""
        return tuple(ModelKind) if self is EvaluationModels.ALL else (ModelKind(self.value),)


def _refuse(choices: type[StrEnum], value: object) -> NoReturn:
    raise ValueError(f"model must be one of {', '.join(choices)}, not {value!r}")


#: The model ``rank`` and the app use when nothing else is asked for.
DEFAULT_MODEL_KIND = ModelKind.AUTO


@dataclass(frozen=True)
class ModelChoice:
    """Which model ranks, and why.

    Attributes
    ----------
    kind : {"expert", "learned"}
        The model that ranks.
    reason : str
        A sentence for the user.
    """

    kind: Literal["expert", "learned"]
    reason: str


def score_with_model(analysis: Analysis, model: LearnedRiskModel) -> RiskScores:
    """Rank the addresses of an analysis with a fitted model, explained per factor.

    Parameters
    ----------
    analysis : Analysis
        Evidence as known at the ranking's ``as_of`` (:func:`buitengebied.scoring.analysis.analyse`).
    model : LearnedRiskModel
        Fitted on factor strengths with the same factor names.

    Returns
    -------
    RiskScores
        As :func:`buitengebied.scoring.fusion.fuse` returns: ``score`` is the sum of the
        ``contribution_<factor>`` columns, ``top_factors`` from
        :func:`buitengebied.scoring.fusion.rank_scores`.  ``weights`` are the model's
        :attr:`LearnedRiskModel.factor_weights_`.  The extra ``probability`` column is
        the find probability of an inspection within the horizon, with the modifiers
        (:func:`buitengebied.scoring.fusion.with_modifiers`) applied to its part above
        that of an address without evidence.

    Raises
    ------
    ValueError
        The analysis lacks a factor the model was fitted on.
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model)
    strengths, scales = factor_strengths(analysis.evidence)
    names = list(model.factor_weights_)
    missing = [n for n in names if n not in strengths.columns]
    if missing:
        raise ValueError(f"the analysis lacks factor(s) of the model: {', '.join(missing)}")
    features = strengths[names]
    modifiers = {s.name: float(s.weight) for s in analysis.specs if is_modifier(s)}
    weights = {**modifiers, **model.factor_weights_}
    scores = rank_scores(
        with_modifiers(model.explain(features), analysis.evidence, weights),
        layers_used=analysis.evidence.layers_used,
        weights=weights,
        scales={n: scales[n] for n in names},
    )
    # The score is the probability above that of an address without evidence (after the
    # modifiers); adding that floor back gives the probability with the modifiers applied.
    without_evidence = pd.DataFrame(np.zeros((1, len(names))), columns=pd.Index(names))
    floor = float(model.predict_proba(without_evidence)[0, 1])
    probability = np.clip(scores.table["score"].to_numpy(dtype=float) + floor, 0.0, 1.0)
    scores.table["probability"] = probability
    return scores


def choose_model(kind: ModelKind, learned: LearnedFit | None = None) -> ModelChoice:
    """Resolve ``--model expert|learned|auto`` into the model that ranks.

    ``expert``: the expert weights.  ``learned``: the learned model unless it could not
    be fitted or found no find to move from the expert weights.  ``auto``: the learned
    model only when its blocked-CV average precision beats the expert score's on the same
    folds; else expert.  Every reason says on how many finds the model moved how far.

    Parameters
    ----------
    kind : ModelKind
        The user's request.
    learned : LearnedFit, optional
        The learned model or its refusal
        (:func:`buitengebied.scoring.training.fit_learned_model`); required unless
        ``kind`` is ``expert``.

    Returns
    -------
    ModelChoice
    """
    kind = ModelKind(kind)
    if kind is ModelKind.EXPERT:
        return ModelChoice("expert", "expert weights, as requested")
    if learned is None:
        raise ValueError(f"--model {kind} needs a fitted LearnedRiskModel")
    if learned.model is None:
        return ModelChoice("expert", f"{learned.refusal}; using expert weights")
    from sklearn.utils.validation import check_is_fitted

    model = learned.model
    check_is_fitted(model)
    if not model.n_positives_ > 0:
        return ModelChoice(
            "expert",
            "no confirmed find in the training windows, so the learned model is the expert "
            "model; using expert weights",
        )
    per_factor = ", ".join(
        f"{name} {expert:.2f} -> {learned:.2f}"
        for (name, learned), expert in zip(
            model.weights_on_expert_scale_.items(), model.expert_weights_, strict=True
        )
    )
    moved = (
        f"on {model.n_positives_:.3g} confirmed finds the weights moved "
        f"{model.expert_distance_:.0%} from the expert weights: {per_factor}"
    )
    if kind is ModelKind.LEARNED:
        return ModelChoice("learned", f"learned model, as requested ({moved}): {model.summary()}")
    ap = model.cv_average_precision_
    if not ap["n_folds"]:
        return ModelChoice(
            "expert",
            f"{moved}, but no validation fold could be evaluated, so the learned model is "
            "unproven; using expert weights",
        )
    comparison = (
        f"blocked-CV average precision learned {ap['learned']:.3f} vs expert "
        f"{ap['expert']:.3f} over {ap['n_folds']} folds"
    )
    if ap["learned"] > ap["expert"]:
        return ModelChoice("learned", f"learned model ({moved}): {comparison}")
    return ModelChoice("expert", f"expert weights ({moved}, not better): {comparison}")
