"""A learned risk model: factor weights estimated from the inspection history.

The expert score weighs the factor strengths with hand-set weights (``layers/``).
:class:`LearnedRiskModel` estimates the weights from what earlier inspections found,
without pretending that the inspection history is a random sample (see
``docs/learned-model.md`` for the argument):

* **Training examples** are (address, cut-off) pairs.  At each past cut-off ``T`` the
  features are the factor strengths as known at ``T``; the label is a confirmed find in
  ``[T, T + horizon)`` and the *exposure* is whether the address was inspected then.
  Never inspected is not "nothing there": unexposed examples never count as negatives.
* **Two parts.**  A propensity model ``e(x) = P(inspected | x)`` (logistic regression on
  all examples) and an outcome model ``P(find | inspected, x)`` fitted on the inspected
  examples only, weighted by stabilised, clipped inverse propensities, so that it
  approximates the best model for *all* addresses, not for the ones that happened to
  be inspected.  Under "selection on observables" this is ``P(find if inspected | x)``.
* **Interpretable.**  The outcome model is an L2-regularised logistic regression with
  non-negative factor weights: more evidence never lowers the risk.  The score of an
  address is its probability above that of an address without any evidence, divided
  over the factors in proportion to their logit terms, so contributions add up to it.
* **Honest validation.**  :class:`SpatioTemporalSplit` holds out spatial blocks and
  later cut-offs, with a gap of one horizon; ``fit`` uses it for out-of-fold
  predictions (calibration) and to compare with the expert weights on the same folds.
* **A prior on the weights, not a threshold.**  The outcome weights are penalised by
  their distance from the ray through the expert weights, with a fixed strength worth
  ``prior_strength`` finds.  The log-loss grows with the evidence and the penalty does
  not, so the weights move from the expert's as finds accumulate: with no finds the model
  *is* the expert model (the expert weights, :attr:`LearnedRiskModel.expert_distance_` 0),
  a handful of finds moves them a little, many move them far.  Only "every inspected
  example is a find" is refused, with :class:`~buitengebied.errors.InsufficientFindsError`
  (one class only, as scikit-learn's ``LogisticRegression`` refuses).  Whether the moved
  weights rank better than the expert's is the model choice's business
  (:mod:`buitengebied.scoring.choice`), judged on the blocked validation.

Settings
--------
DEFAULT_HORIZON_DAYS
    Label window after each cut-off.
DEFAULT_PRIOR_STRENGTH
    How many finds the prior on the weights is worth (see :class:`LearnedRiskModel`).
CALIBRATION_MIN_POSITIVES
    Fewest out-of-fold finds to calibrate the scores into probabilities.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, logit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.utils import Tags
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from buitengebied.errors import InsufficientFindsError
from buitengebied.scoring.split import DEFAULT_HORIZON_DAYS, SpatioTemporalSplit

logger = logging.getLogger(__name__)


DEFAULT_PRIOR_STRENGTH: Final[float] = 20.0


#: Floor of the average squared strength that scales the prior (all-zero features).
_MIN_CURVATURE: Final[float] = 1e-3


CALIBRATION_MIN_POSITIVES: Final[float] = 10.0


@dataclass(frozen=True)
class SigmoidCalibration:
    """Platt scaling of a logit: ``p = expit(slope * z + intercept)``."""

    slope: float
    intercept: float

    def predict(self, z: np.ndarray) -> np.ndarray:
        """Return calibrated probabilities for logits ``z``."""
        return np.asarray(expit(self.slope * np.asarray(z, dtype=float) + self.intercept))


@dataclass(frozen=True)
class _CoreFit:
    """One two-part fit: propensity model and non-negative outcome logit."""

    propensity_model: LogisticRegression | None
    exposure_rate: float
    intercept: float
    coef: np.ndarray

    def logit(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.intercept + X @ self.coef)

    def inverse_propensity(self, X: np.ndarray, clip: float) -> np.ndarray:
        if self.propensity_model is None:
            return np.ones(len(X))
        propensity = self.propensity_model.predict_proba(X)[:, 1]
        return np.minimum(self.exposure_rate / np.maximum(propensity, 1e-12), clip)


class LearnedRiskModel(ClassifierMixin, BaseEstimator):
    """Risk from factor strengths, learned from inspection outcomes despite selection.

    ``fit`` takes one row per (address, cut-off): the factor strengths ``X`` (>= 0, see :mod:`buitengebied.scoring.fusion`),
    whether an inspection in the label window found something (``y``) and whether the
    address was inspected at all (``exposure``).  See the module docstring and
    ``docs/learned-model.md``.

    Parameters
    ----------
    horizon_days : float, default 180
        Label window of the examples; the gap of the default validation splitter.
    prior_strength : float, default 20
        Strength of the Gaussian prior on the outcome weights, in pseudo-finds: the
        penalty is ``prior_strength * m / 2 * |beta - s * w_expert|^2`` beside the summed
        log-loss of the inspected examples (``sample_weight`` times the inverse
        propensity, normalised to mean 1 over the inspected), with ``m`` the mean squared
        factor strength of the inspected examples.  A find curves the log-loss by about
        ``f f^T`` (``f`` its factor strengths), so the prior weighs about as much as
        ``prior_strength`` finds of average strength: 5 finds move the weights a little,
        50 move them far.  The intercept and the scale ``s`` are not penalised.  Must be
        positive.
    shrink_to : {"expert", "zero"}, default "expert"
        ``"expert"``: the prior is centred on the ray through the expert weights, so with
        few finds the *ranking* stays close to the expert's and only the scale (the
        probability) is learned; ``"zero"``: centred on zero (ordinary ridge).
    weight_clip : float, default 20.0
        Largest stabilised inverse-propensity weight ``P(inspected) / e(x)``: no inspected
        example stands for more than this many times the average.
    calibration : {"sigmoid", "isotonic"} or None, default "sigmoid"
        How out-of-fold predictions calibrate the probabilities; ``None``: not at all.
    expert_weights : mapping of str to float or sequence of float, optional
        The expert weight of every factor (by column name, or in column order): the
        direction the weights shrink towards (``shrink_to="expert"``) and the baseline
        that validation compares with.  Default: 1 each.
    cv : cross-validation splitter, optional
        Splitter for out-of-fold predictions; called as ``cv.split(X, y, groups)``.
        Default: ``SpatioTemporalSplit(horizon_days=horizon_days,
        random_state=random_state)``.
    random_state : int, RandomState or None
        Seeds the default splitter's block shuffle (the fits themselves are
        deterministic).

    Attributes
    ----------
    n_positives_ : float
        Confirmed finds in the training data (weighted by ``sample_weight``).  With none,
        the model is the expert model: ``coef_`` the expert weights, ``expert_distance_``
        0, no propensity model, no validation.
    n_exposed_ : float
        Inspected examples (weighted by ``sample_weight``).
    coef_ : numpy.ndarray, shape (1, n_features)
        Outcome model weights per factor in logit space (before calibration).
    intercept_ : numpy.ndarray, shape (1,)
        Outcome model intercept.
    factor_weights_ : dict of str to float
        Calibrated logit weight per factor, in column order (as used for the explanation).
    expert_weights_ : numpy.ndarray, shape (n_features,)
        Resolved expert weights.
    weights_on_expert_scale_ : dict of str to float
        The outcome weights divided by their projection ``s*`` on the expert direction
        (``s* = beta . w / w . w``), so that each is comparable with its expert weight:
        equal to ``expert_weights_`` where the model did not move.
    expert_distance_ : float
        How far the weights moved from the expert's: ``|beta / s* - w| / |w|`` (0: the
        expert direction; 1: as far as all weights zero).
    propensity_model_ : LogisticRegression or None
        ``P(inspected | x)``; None when every example was inspected.
    calibrator_ : SigmoidCalibration, IsotonicRegression or None
        Maps the outcome logit to a probability; None when not calibrated.
    calibration_note_ : str
        How the probabilities were calibrated, or why not.
    cv_results_ : pandas.DataFrame
        Per validation fold: sizes, finds, and the average precision of the learned and
        the expert score among the inspected validation examples, weighted by inverse
        propensity (NaN where the fold could not be evaluated).
    cv_average_precision_ : dict of str to float
        Mean of ``cv_results_`` over the evaluated folds: ``learned``, ``expert``, and
        ``n_folds``.
    classes_ : numpy.ndarray
        ``[0, 1]``.
    n_features_in_ : int
        Number of factors.
    feature_names_in_ : numpy.ndarray
        Factor names, when ``X`` was a DataFrame.
    """

    def __init__(
        self,
        *,
        horizon_days: float = DEFAULT_HORIZON_DAYS,
        prior_strength: float = DEFAULT_PRIOR_STRENGTH,
        shrink_to: Literal["expert", "zero"] = "expert",
        weight_clip: float = 20.0,
        calibration: Literal["sigmoid", "isotonic"] | None = "sigmoid",
        expert_weights: Mapping[str, float] | Sequence[float] | None = None,
        cv: Any = None,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.horizon_days = horizon_days
        self.prior_strength = prior_strength
        self.shrink_to = shrink_to
        self.weight_clip = weight_clip
        self.calibration = calibration
        self.expert_weights = expert_weights
        self.cv = cv
        self.random_state = random_state

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        exposure: Any = None,
        groups: pd.DataFrame | None = None,
        sample_weight: Any = None,
    ) -> LearnedRiskModel:
        """Fit the propensity and outcome models, validate, calibrate.

        Parameters
        ----------
        X : array-like or DataFrame, shape (n, k)
            Factor strengths (standardised excess, >= 0) per example; DataFrame columns name the factors.
        y : array-like of {0, 1}, shape (n,)
            1 where an inspection in the example's label window found something.
        exposure : array-like of bool, shape (n,), optional
            True where the address was inspected in the label window.  Default: all
            (no selection: an ordinary weighted logistic regression).
        groups : pandas.DataFrame, optional
            ``cutoff``, ``block_x``, ``block_y`` per example (:func:`example_groups`),
            passed to the splitter; without it nothing is validated or calibrated.
        sample_weight : array-like, shape (n,), optional
            Weight of every example (e.g. ``step / horizon`` when label windows overlap).

        Returns
        -------
        LearnedRiskModel
            The fitted model.

        Raises
        ------
        InsufficientFindsError
            Every inspected example is a find (one class only): nothing tells a find
            from a miss.
        """
        X, y = validate_data(self, X, y, dtype=float, ensure_min_samples=0)
        y = _binary(y)
        exposure = np.ones(len(y), dtype=bool) if exposure is None else np.asarray(exposure)
        if exposure.shape != y.shape:
            raise ValueError("exposure must hold one value per example")
        exposure = exposure.astype(bool)
        if (y & ~exposure).any():
            raise ValueError("a find (y == 1) needs an inspection (exposure == True)")
        weight = _sample_weight(sample_weight, len(y))
        # A refit that refuses must not leave the previous fit usable.
        if hasattr(self, "coef_"):
            delattr(self, "coef_")
        n_finds = float(weight[y].sum())
        if not self.prior_strength > 0:
            raise ValueError(f"prior_strength must be positive, not {self.prior_strength!r}")
        if n_finds > 0 and not weight[exposure & ~y].sum() > 0:
            raise InsufficientFindsError("one class only: every inspected example is a find")
        self.classes_ = np.array([0, 1])
        self.expert_weights_ = self._resolve_expert_weights(X.shape[1])
        self.n_positives_ = n_finds
        self.n_exposed_ = float(weight[exposure].sum())
        self.calibrator_: SigmoidCalibration | IsotonicRegression | None = None
        self.cv_results_ = pd.DataFrame(columns=_CV_COLUMNS)
        self.cv_average_precision_ = {"learned": np.nan, "expert": np.nan, "n_folds": 0}
        core = self._fit_core(X, y, exposure, weight)
        self.propensity_model_ = core.propensity_model
        self.coef_ = core.coef[None, :].copy()
        self.intercept_ = np.array([core.intercept])
        oof_logit, oof_weight = self._cross_validate(X, y, exposure, weight, groups)
        self._calibrate(oof_logit, oof_weight, y)
        slope = self.calibrator_.slope if isinstance(self.calibrator_, SigmoidCalibration) else 1.0
        self.factor_weights_ = dict(zip(self._names(), slope * core.coef, strict=True))
        on_expert_scale, self.expert_distance_ = expert_scale(core.coef, self.expert_weights_)
        self.weights_on_expert_scale_ = dict(zip(self._names(), on_expert_scale, strict=True))
        logger.info("learned risk model: %s", self.summary())
        return self

    def _fit_core(
        self, X: np.ndarray, y: np.ndarray, exposure: np.ndarray, weight: np.ndarray
    ) -> _CoreFit:
        """One two-part fit; without finds, the expert model itself."""
        if not weight[y].sum() > 0:
            # No find: nothing moves the weights off the prior's centre.  The intercept is
            # the rate of finds among the inspected with half a pseudo-find (Jeffreys).
            rate = 0.5 / (float(weight[exposure].sum()) + 1.0)
            return _CoreFit(None, 1.0, float(logit(rate)), self.expert_weights_.copy())
        return _fit_core(
            X,
            y,
            exposure,
            weight,
            prior_strength=self.prior_strength,
            clip=self.weight_clip,
            prior=self._prior(),
        )

    def _prior(self) -> np.ndarray | None:
        if self.shrink_to not in ("expert", "zero"):
            raise ValueError(f"shrink_to must be 'expert' or 'zero', not {self.shrink_to!r}")
        return self.expert_weights_ if self.shrink_to == "expert" else None

    def _resolve_expert_weights(self, n_features: int) -> np.ndarray:
        if self.expert_weights is None:
            return np.ones(n_features)
        if isinstance(self.expert_weights, Mapping):
            names = self._names(n_features)
            missing = [n for n in names if n not in self.expert_weights]
            if missing:
                raise ValueError(f"expert_weights lacks factor(s): {', '.join(missing)}")
            return np.array([float(self.expert_weights[n]) for n in names])
        weights = np.asarray(self.expert_weights, dtype=float)
        if weights.shape != (n_features,):
            raise ValueError(f"expert_weights needs {n_features} values, got {weights.size}")
        return weights

    def _names(self, n_features: int | None = None) -> list[str]:
        if hasattr(self, "feature_names_in_"):
            return [str(n) for n in self.feature_names_in_]
        return [f"x{k}" for k in range(n_features or self.n_features_in_)]

    def _cross_validate(
        self,
        X: np.ndarray,
        y: np.ndarray,
        exposure: np.ndarray,
        weight: np.ndarray,
        groups: pd.DataFrame | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Out-of-fold logits and evaluation weights; fills ``cv_results_``."""
        oof_logit = np.full(len(y), np.nan)
        oof_weight = np.zeros(len(y))
        if groups is None:
            return oof_logit, oof_weight
        splitter = self.cv
        if splitter is None:
            splitter = SpatioTemporalSplit(
                horizon_days=self.horizon_days, random_state=self.random_state
            )
        if isinstance(splitter, SpatioTemporalSplit) and (
            pd.DataFrame(groups)["cutoff"].nunique() <= splitter.n_time_folds
        ):
            return oof_logit, oof_weight
        rows = []
        for fold, (train, validation) in enumerate(splitter.split(X, y, groups)):
            judged = validation[exposure[validation]]
            row: dict[str, Any] = {
                "fold": fold,
                "n_train": len(train),
                "n_validation": len(validation),
                "train_finds": float(weight[train][y[train]].sum()),
                "validation_inspected": len(judged),
                "validation_finds": int(y[judged].sum()),
                "ap_learned": np.nan,
                "ap_expert": np.nan,
            }
            rows.append(row)
            labels = y[judged]
            if labels.all() or not labels.any():
                continue
            core = self._fit_core(X[train], y[train], exposure[train], weight[train])
            fold_logit = core.logit(X[judged])
            fold_weight = weight[judged] * core.inverse_propensity(X[judged], self.weight_clip)
            row["ap_learned"] = average_precision_score(
                labels, fold_logit, sample_weight=fold_weight
            )
            row["ap_expert"] = average_precision_score(
                labels, X[judged] @ self.expert_weights_, sample_weight=fold_weight
            )
            oof_logit[judged] = fold_logit
            oof_weight[judged] = fold_weight
        self.cv_results_ = pd.DataFrame(rows, columns=_CV_COLUMNS)
        evaluated = self.cv_results_.dropna(subset=["ap_learned"])
        if len(evaluated):
            self.cv_average_precision_ = {
                "learned": float(evaluated["ap_learned"].mean()),
                "expert": float(evaluated["ap_expert"].mean()),
                "n_folds": len(evaluated),
            }
        return oof_logit, oof_weight

    def _calibrate(self, oof_logit: np.ndarray, oof_weight: np.ndarray, y: np.ndarray) -> None:
        known = ~np.isnan(oof_logit)
        finds = int(y[known].sum())
        if self.calibration is None:
            self.calibration_note_ = "not calibrated: calibration switched off"
            return
        if self.calibration not in ("sigmoid", "isotonic"):
            raise ValueError(
                f"calibration must be 'sigmoid', 'isotonic' or None, not {self.calibration!r}"
            )
        if finds < CALIBRATION_MIN_POSITIVES:
            self.calibration_note_ = (
                f"not calibrated: {finds} finds in out-of-fold predictions, "
                f"at least {CALIBRATION_MIN_POSITIVES:g} needed; "
                "probabilities are the outcome model's own"
            )
            return
        z, labels, w = oof_logit[known], y[known], oof_weight[known]
        if self.calibration == "isotonic":
            self.calibrator_ = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(
                z, labels, sample_weight=w
            )
        else:
            intercept, slope = _weighted_logistic(z[:, None], labels, w, C=1e6)
            if slope[0] <= 0:
                self.calibration_note_ = (
                    "not calibrated: out-of-fold scores do not rank finds above non-finds"
                )
                return
            self.calibrator_ = SigmoidCalibration(float(slope[0]), float(intercept))
        self.calibration_note_ = (
            f"{self.calibration} calibration on {known.sum()} out-of-fold inspected examples "
            f"({finds} finds)"
        )

    def _link(self, z: np.ndarray) -> np.ndarray:
        if self.calibrator_ is None:
            return np.asarray(expit(z))
        return np.asarray(self.calibrator_.predict(z))

    def __sklearn_is_fitted__(self) -> bool:
        """Fitted once ``fit`` has learned: a refused fit leaves the model unfitted."""
        return hasattr(self, "coef_")

    def __sklearn_tags__(self) -> Tags:
        """Binary only: ``y`` is whether an inspection found something."""
        tags = super().__sklearn_tags__()
        if tags.classifier_tags is not None:
            tags.classifier_tags.multi_class = False
        return tags

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability that an inspection in the horizon finds something.

        Parameters
        ----------
        X : array-like, shape (n, k)
            Factor strengths.

        Returns
        -------
        numpy.ndarray, shape (n, 2)
            ``[P(nothing), P(find)]`` per row.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=float, reset=False)
        probability = self._link(self.intercept_[0] + X @ self.coef_[0])
        return np.column_stack([1.0 - probability, probability])

    def predict(self, X: Any) -> np.ndarray:
        """Return 1 where the find probability exceeds 0.5 (rare; rank instead)."""
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)

    def explain(self, X: Any) -> pd.DataFrame:
        """Contribution of every factor to every row's risk score.

        The score is ``p(x) - p(0)``, the probability above that of an address without
        evidence; it is divided over the factors in proportion to their (non-negative)
        logit terms ``w_k x_k``, so the contributions of a row add up to :meth:`risk_score`.

        Parameters
        ----------
        X : array-like or DataFrame, shape (n, k)
            Factor strengths.

        Returns
        -------
        pandas.DataFrame
            One column per factor; the index of ``X`` when it is a DataFrame.
        """
        check_is_fitted(self)
        index = X.index if isinstance(X, pd.DataFrame) else None
        values = validate_data(self, X, dtype=float, reset=False)
        terms = values * self.coef_[0]
        total = terms.sum(axis=1)
        score = self._link(self.intercept_[0] + total) - self._link(self.intercept_[:1])
        share = np.divide(score, total, out=np.zeros_like(total), where=total > 0)
        return pd.DataFrame(terms * share[:, None], index=index, columns=pd.Index(self._names()))

    def risk_score(self, X: Any) -> np.ndarray:
        """Risk score per row (higher is riskier): the sum of :meth:`explain`."""
        return self.explain(X).to_numpy().sum(axis=1)

    def summary(self) -> str:
        """One paragraph on what was fitted, for logs and reports."""
        check_is_fitted(self)
        weights = ", ".join(f"{k} {v:.2f}" for k, v in self.factor_weights_.items())
        ap = self.cv_average_precision_
        validated = (
            f"blocked-CV average precision {ap['learned']:.3f} (expert {ap['expert']:.3f}) "
            f"over {ap['n_folds']} folds"
            if ap["n_folds"]
            else "not validated (no evaluable fold)"
        )
        return (
            f"learned from {self.n_positives_:.3g} confirmed finds in {self.n_exposed_:.0f} "
            f"inspected examples; moved {self.expert_distance_:.0%} from the expert weights; "
            f"logit weights: {weights}; {validated}; {self.calibration_note_}"
        )


_CV_COLUMNS: Final = (
    "fold",
    "n_train",
    "n_validation",
    "train_finds",
    "validation_inspected",
    "validation_finds",
    "ap_learned",
    "ap_expert",
)


def _sample_weight(sample_weight: Any, n_examples: int) -> np.ndarray:
    """Validated example weights: ones by default, else finite and non-negative, one each."""
    if sample_weight is None:
        return np.ones(n_examples)
    weight = np.asarray(sample_weight, dtype=float)
    if weight.shape != (n_examples,):
        raise ValueError(
            f"sample_weight must hold one value per example: shape ({n_examples},) "
            f"expected, got {weight.shape}"
        )
    if not np.isfinite(weight).all() or (weight < 0).any():
        raise ValueError("sample_weight must be finite and non-negative")
    if n_examples and not weight.any():
        raise ValueError("sample_weight is zero for every example: nothing to learn from")
    return weight


def _binary(y: np.ndarray) -> np.ndarray:
    values = np.asarray(y)
    valid = np.isin(values, (0, 1))
    if not valid.all():
        target = type_of_target(values, input_name="y")
        prefix = "Only binary classification is supported: " if "multiclass" in target else ""
        raise ValueError(
            f"{prefix}y must hold only 0 and 1 (or False and True); "
            f"found {target} labels such as {values[~valid].tolist()[0]!r}"
        )
    return values.astype(bool)


def expert_scale(coef: np.ndarray, expert_weights: np.ndarray) -> tuple[np.ndarray, float]:
    """Put learned weights on the expert scale and say how far they moved.

    Parameters
    ----------
    coef : numpy.ndarray, shape (k,)
        Learned weights (any scale, e.g. logit).
    expert_weights : numpy.ndarray, shape (k,)
        The expert weights.

    Returns
    -------
    on_expert_scale : numpy.ndarray, shape (k,)
        ``coef / s*`` with ``s* = coef . w / w . w``, the projection on the expert
        direction; zeros where ``s* <= 0``.
    distance : float
        ``|coef / s* - w| / |w|``: 0 on the expert direction, 1 as far as all zeros.
    """
    coef = np.asarray(coef, dtype=float)
    expert = np.asarray(expert_weights, dtype=float)
    norm = float(expert @ expert)
    if norm == 0:
        return np.zeros_like(coef), 0.0
    projection = float(coef @ expert) / norm
    on_expert_scale = coef / projection if projection > 0 else np.zeros_like(coef)
    return on_expert_scale, float(np.linalg.norm(on_expert_scale - expert) / np.sqrt(norm))


def _fit_core(
    X: np.ndarray,
    y: np.ndarray,
    exposure: np.ndarray,
    weight: np.ndarray,
    *,
    prior_strength: float,
    clip: float,
    prior: np.ndarray | None,
) -> _CoreFit:
    """Propensity model on all examples, IPW non-negative logit on the inspected."""
    exposure_rate = float(weight[exposure].sum() / weight.sum())
    propensity_model = None
    if not exposure.all():
        propensity_model = LogisticRegression(C=1.0, max_iter=1000).fit(
            X, exposure, sample_weight=weight
        )
    core = _CoreFit(propensity_model, exposure_rate, 0.0, np.zeros(X.shape[1]))
    inspected = X[exposure]
    # Stabilised: the inverse propensities average 1 over the inspected, so the loss
    # sums to the (weighted) number of inspected examples and grows with the evidence.
    inverse_propensity = core.inverse_propensity(inspected, clip)
    inverse_propensity /= np.average(inverse_propensity, weights=weight[exposure])
    # One pseudo-find curves the loss as much as an inspected example of average strength.
    curvature = float(np.average((inspected**2).mean(axis=1), weights=weight[exposure]))
    outcome_weight = weight[exposure] * inverse_propensity
    centre = None
    if prior is not None:
        # Empirical Bayes: the prior's centre is the expert direction at the scale the
        # data give the expert score (one unpenalised slope), but at least one logit per
        # standard deviation of it, so that a few finds the expert score happens not to
        # rank cannot shrink the centre to zero and leave the direction to chance.
        expert_score = inspected @ prior
        _, slope = _weighted_logistic(expert_score[:, None], y[exposure], outcome_weight, C=1e6)
        spread = _weighted_sd(expert_score, weight[exposure])
        centre = max(float(slope[0]), 1.0 / spread if spread > 0 else 0.0) * prior
    intercept, coef = _weighted_logistic(
        inspected,
        y[exposure],
        outcome_weight,
        C=1.0 / (prior_strength * max(curvature, _MIN_CURVATURE)),
        nonnegative=True,
        prior=centre,
    )
    return _CoreFit(propensity_model, exposure_rate, intercept, coef)


def _weighted_sd(values: np.ndarray, weight: np.ndarray) -> float:
    mean = np.average(values, weights=weight)
    return float(np.sqrt(np.average((values - mean) ** 2, weights=weight)))


def _weighted_logistic(
    X: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray,
    *,
    C: float,
    nonnegative: bool = True,
    prior: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    """Weighted, penalised logistic regression by L-BFGS-B.

    Minimises ``C sum_i weight_i logloss_i + 0.5 |beta - prior|^2`` over the intercept
    (free) and ``beta`` (``>= 0`` when ``nonnegative``); ``prior=None`` centres the
    penalty on zero (ordinary ridge).
    """
    labels = y.astype(float)
    k = X.shape[1]
    centre = np.zeros(k) if prior is None else np.asarray(prior, dtype=float)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        beta = theta[1:]
        z = theta[0] + X @ beta
        loss = np.logaddexp(0.0, z) - labels * z
        residual = C * weight * (expit(z) - labels)
        offset = beta - centre
        value = C * float(weight @ loss) + 0.5 * float(offset @ offset)
        return value, np.concatenate([[residual.sum()], X.T @ residual + offset])

    rate = np.clip(np.average(labels, weights=weight), 1e-6, 1 - 1e-6)
    start = np.concatenate([[logit(rate)], np.zeros(k)])
    bounds = [(None, None)] + [(0.0, None) if nonnegative else (None, None)] * k
    result = minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds)
    return float(result.x[0]), np.asarray(result.x[1:])
