"""Training examples from a dataset's own history, and the fit of the learned model.

:func:`fit_learned_model` returns a :class:`LearnedFit`: the fitted
:class:`~buitengebied.scoring.estimator.LearnedRiskModel` (the expert model itself when
the history holds no find), or the reason it could not fit, which the model choice
(:mod:`buitengebied.scoring.choice`) turns into a ranking with the expert weights.

Settings
--------
DEFAULT_STEP_DAYS
    Distance between training cut-offs.
DEFAULT_WARMUP_DAYS
    The first cut-off lies at least this long after the first record, so the factors
    have some history.
DEFAULT_MAX_UNINSPECTED_PER_CUTOFF
    Uninspected examples kept per cut-off: more are sampled at random and weighted up
    (case-control sampling), so a province does not train on millions of rows that only
    the propensity model reads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd

from buitengebied.contract import LAYER_SCHEMAS
from buitengebied.dataset import Dataset
from buitengebied.errors import InsufficientFindsError
from buitengebied.evidence.features import SharedEvidence, address_xy
from buitengebied.evidence.layerspec import LayerSpec, is_modifier, load_layer_specs
from buitengebied.scoring.analysis import evidence_at_moments
from buitengebied.scoring.estimator import DEFAULT_PRIOR_STRENGTH, LearnedRiskModel
from buitengebied.scoring.fusion import factor_scale, normalise, strength_caps
from buitengebied.scoring.split import (
    DEFAULT_BLOCK_SIZE_M,
    DEFAULT_HORIZON_DAYS,
    as_utc_ns,
    example_groups,
    spatial_blocks,
)
from buitengebied.settings import LOCAL_TIMEZONE
from buitengebied.timeutil import local_days_later

logger = logging.getLogger(__name__)

DEFAULT_STEP_DAYS: Final[int] = 90


DEFAULT_WARMUP_DAYS: Final[int] = 180


DEFAULT_MAX_UNINSPECTED_PER_CUTOFF: Final[int] = 25_000


@dataclass
class TrainingSet:
    """Examples built from a dataset's own history (see :func:`training_examples`).

    Attributes
    ----------
    X : pandas.DataFrame
        Factor strengths at each cut-off, indexed by (``cutoff``, ``address_id``): every
        inspected address and (at most ``max_uninspected_per_cutoff``) uninspected ones.
    y : numpy.ndarray of bool
        A confirmed find in ``[cutoff, cutoff + horizon)``.
    exposure : numpy.ndarray of bool
        Inspected in that window.
    groups : pandas.DataFrame
        ``cutoff``, ``block_x``, ``block_y`` (for :class:`SpatioTemporalSplit`).
    sample_weight : numpy.ndarray
        ``min(1, step / horizon)`` each: overlapping windows count an address-day once;
        sampled uninspected examples weigh that times the inverse sampling rate.
    cutoffs : list of pandas.Timestamp
        The cut-offs, oldest first.
    n_finds : int
        Distinct confirmed finds (inspections) inside the label windows.
    """

    X: pd.DataFrame
    y: np.ndarray
    exposure: np.ndarray
    groups: pd.DataFrame
    sample_weight: np.ndarray
    cutoffs: list[pd.Timestamp]
    n_finds: int


@dataclass(frozen=True)
class LearnedFit:
    """The learned model fitted on a dataset's history, or why it refused to learn.

    Attributes
    ----------
    model : LearnedRiskModel or None
        The fitted model; None when ``fit`` refused.
    refusal : str
        Why the model could not be fitted (the
        :class:`~buitengebied.errors.InsufficientFindsError` message); "" when it was.
    """

    model: LearnedRiskModel | None
    refusal: str = ""

    def __post_init__(self) -> None:
        if (self.model is None) == (not self.refusal):
            raise ValueError("a LearnedFit holds either a model or the reason it refused")


def training_cutoffs(
    dataset: Dataset,
    *,
    as_of: pd.Timestamp,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    step_days: int = DEFAULT_STEP_DAYS,
    warmup_days: int = DEFAULT_WARMUP_DAYS,
) -> list[pd.Timestamp]:
    """Cut-offs ``as_of - horizon - i * step``, oldest first, after the warm-up.

    Every label window ``[T, T + horizon)`` ends by ``as_of``, so every label was known
    at ``as_of``.  Days are calendar days in local time (Europe/Amsterdam).

    Parameters
    ----------
    dataset : Dataset
        All records; the earliest dated record starts the history.
    as_of : pandas.Timestamp
        Moment of the ranking (tz-aware).
    horizon_days, step_days, warmup_days : int
        Label window, distance between cut-offs, history before the first cut-off.

    Returns
    -------
    list of pandas.Timestamp
        UTC moments; empty when the history is too short.
    """
    first = _first_record(dataset)
    if first is None or step_days <= 0:
        return []
    local = pd.Timestamp(as_of).tz_convert(LOCAL_TIMEZONE)
    earliest = first + pd.Timedelta(days=warmup_days)
    cutoffs = []
    step = 0
    while True:
        cutoff = (local - pd.DateOffset(days=horizon_days + step * step_days)).tz_convert("UTC")
        if cutoff < earliest:
            break
        cutoffs.append(pd.Timestamp(cutoff))
        step += 1
    return cutoffs[::-1]


def _first_record(dataset: Dataset) -> pd.Timestamp | None:
    starts = []
    for name, frame in dataset.layers.items():
        column = LAYER_SCHEMAS[name].history_column
        if column is None or column not in frame or not len(frame):
            continue
        moment = frame[column].min()
        if pd.notna(moment):
            starts.append(pd.Timestamp(moment))
    return min(starts) if starts else None


def training_examples(
    dataset: Dataset,
    *,
    as_of: pd.Timestamp,
    specs: list[LayerSpec] | None = None,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    step_days: int = DEFAULT_STEP_DAYS,
    warmup_days: int = DEFAULT_WARMUP_DAYS,
    block_size_m: float = DEFAULT_BLOCK_SIZE_M,
    max_uninspected_per_cutoff: int = DEFAULT_MAX_UNINSPECTED_PER_CUTOFF,
    with_features: bool | Literal["if_a_find"] = True,
    random_state: int | None = 0,
    shared: SharedEvidence | None = None,
) -> TrainingSet:
    """Build (address, cut-off) examples from the history before ``as_of``.

    Features at each cut-off ``T`` are the factor strengths as known at ``T``
    (:func:`buitengebied.scoring.analysis.evidence_at_moments` applies the contract's time
    rules and recomputes only the factors whose inputs changed since the previous
    cut-off); labels come from inspections in ``[T, T + horizon)``, strictly after the
    features.

    Parameters
    ----------
    dataset : Dataset
        All validated records (future ones included; they are cut off per cut-off).
    as_of : pandas.Timestamp
        Nothing at or after this moment is used.
    specs : list of LayerSpec, optional
        Factors; default: the files in ``layers/``.
    horizon_days, step_days, warmup_days : int
        See :func:`training_cutoffs`.
    block_size_m : float
        Spatial block size for the validation groups.
    max_uninspected_per_cutoff : int
        Uninspected examples kept per cut-off; beyond, a random sample weighted by the
        inverse sampling rate.
    with_features : bool or "if_a_find", default True
        ``False`` leaves the features at zero and skips the evidence: enough to count the
        labels at a fraction of the cost.  ``"if_a_find"``: features only when some
        label is a find (without one nothing can be learned from them).
    random_state : int or None
        Seeds the sample of uninspected examples.
    shared : SharedEvidence, optional
        What the evidence shares with other calls over ``dataset``
        (:meth:`~buitengebied.evidence.features.SharedEvidence.of`).

    Returns
    -------
    TrainingSet
    """
    specs = specs if specs is not None else load_layer_specs()
    labelled = _labelled_examples(
        dataset,
        as_of=as_of,
        horizon_days=horizon_days,
        step_days=step_days,
        warmup_days=warmup_days,
        block_size_m=block_size_m,
        max_uninspected_per_cutoff=max_uninspected_per_cutoff,
        random_state=random_state,
    )
    if with_features == "if_a_find":
        with_features = any(label.any() for label in labelled.labels)
    if not with_features:
        return labelled.without(specs)
    return labelled.with_features(dataset, specs, shared=shared)


@dataclass
class _LabelledExamples:
    """The examples of a :class:`TrainingSet` and their labels, before any evidence."""

    cutoffs: list[pd.Timestamp]
    address_ids: pd.Index
    rows: list[np.ndarray]  # address positions kept at each cut-off
    labels: list[np.ndarray]
    exposures: list[np.ndarray]
    weights: list[np.ndarray]
    blocks: np.ndarray  # spatial block of every address
    n_finds: int

    def with_features(
        self, dataset: Dataset, specs: list[LayerSpec], *, shared: SharedEvidence | None = None
    ) -> TrainingSet:
        """The training set with the factor strengths at each cut-off."""
        names = _weighted_names(specs)
        caps = strength_caps(specs)
        strengths = []
        for (_, raw), kept in zip(
            evidence_at_moments(dataset, self.cutoffs, specs=specs, shared=shared),
            self.rows,
            strict=True,
        ):
            # Standardised over all addresses of the cut-off, as the ranking at T would be.
            strength = normalise(raw.iloc[kept], factor_scale(raw), caps=caps)[names]
            strengths.append(strength.to_numpy(dtype=np.float32))
        return self._training_set(strengths, names)

    def without(self, specs: list[LayerSpec]) -> TrainingSet:
        """The training set with every feature zero: enough to count the labels."""
        names = _weighted_names(specs)
        return self._training_set(
            [np.zeros((len(kept), len(names)), dtype=np.float32) for kept in self.rows], names
        )

    def _training_set(self, strengths: list[np.ndarray], names: list[str]) -> TrainingSet:
        empty = np.zeros(0, dtype=bool)
        rows = np.concatenate(self.rows) if self.rows else np.zeros(0, dtype=np.int64)
        sizes = [len(kept) for kept in self.rows]
        # Built from codes: factorising half a million (cut-off, address_id) pairs, as
        # concatenating frames with keys does, costs seconds at province scale.
        index = pd.MultiIndex(
            levels=[pd.DatetimeIndex(self.cutoffs, tz="UTC"), self.address_ids],
            codes=[np.repeat(np.arange(len(sizes)), sizes), rows],
            names=["cutoff", "address_id"],
            verify_integrity=False,
        )
        values = np.concatenate(strengths) if strengths else np.zeros((0, len(names)), np.float32)
        return TrainingSet(
            X=pd.DataFrame(values, index=index, columns=names),
            y=np.concatenate(self.labels) if self.labels else empty,
            exposure=np.concatenate(self.exposures) if self.exposures else empty,
            groups=example_groups(
                pd.DatetimeIndex(self.cutoffs, tz="UTC").repeat(sizes), self.blocks[rows]
            ),
            sample_weight=np.concatenate(self.weights) if self.weights else np.zeros(0),
            cutoffs=self.cutoffs,
            n_finds=self.n_finds,
        )


def _weighted_names(specs: list[LayerSpec]) -> list[str]:
    """The factors a model weighs: every factor but the modifiers (which scale a score)."""
    return [s.name for s in specs if not is_modifier(s)]


def _labelled_examples(
    dataset: Dataset,
    *,
    as_of: pd.Timestamp,
    horizon_days: int,
    step_days: int,
    warmup_days: int,
    block_size_m: float,
    max_uninspected_per_cutoff: int,
    random_state: int | None,
) -> _LabelledExamples:
    """The examples at every training cut-off and their labels (see :func:`training_examples`)."""
    cutoffs = training_cutoffs(
        dataset,
        as_of=as_of,
        horizon_days=horizon_days,
        step_days=step_days,
        warmup_days=warmup_days,
    )
    address_ids = pd.Index(dataset.addresses["address_id"], name="address_id")
    n = len(address_ids)
    blocks = spatial_blocks(address_xy(dataset), block_size_m=block_size_m)
    finds, visits = _inspection_moments(dataset, address_ids)
    window_ends = [local_days_later(c, horizon_days) for c in cutoffs]
    rng = np.random.default_rng(random_state)
    base_weight = min(1.0, step_days / horizon_days)
    rows, labels, exposures, weights = [], [], [], []
    for cutoff, end in zip(cutoffs, window_ends, strict=True):
        label = _any_in_window(finds, n, cutoff, end)
        exposure = _any_in_window(visits, n, cutoff, end)
        kept, weight = _sample_uninspected(exposure, max_uninspected_per_cutoff, rng)
        rows.append(kept)
        labels.append(label[kept])
        exposures.append(exposure[kept])
        weights.append(weight * base_weight)
    n_finds = int(
        sum(
            any(c <= moment < e for c, e in zip(cutoffs, window_ends, strict=True))
            for moment in finds[1]
        )
    )
    return _LabelledExamples(
        cutoffs, address_ids, rows, labels, exposures, weights, blocks, n_finds
    )


def _sample_uninspected(
    exposure: np.ndarray, max_uninspected: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Positions kept (all inspected, a sample of the rest) and their weights."""
    uninspected = np.flatnonzero(~exposure)
    if len(uninspected) <= max_uninspected:
        return np.arange(len(exposure)), np.ones(len(exposure))
    sample = rng.choice(uninspected, size=max_uninspected, replace=False)
    kept = np.sort(np.concatenate([np.flatnonzero(exposure), sample]))
    weight = np.where(exposure[kept], 1.0, len(uninspected) / max_uninspected)
    return kept, weight


def _inspection_moments(
    dataset: Dataset, address_ids: pd.Index
) -> tuple[tuple[np.ndarray, list[pd.Timestamp]], tuple[np.ndarray, list[pd.Timestamp]]]:
    """(address positions, moments) of confirmed finds and of all inspections."""
    outcomes = dataset.outcomes()
    if not len(outcomes):
        empty: tuple[np.ndarray, list[pd.Timestamp]] = (np.zeros(0, dtype=np.int64), [])
        return empty, empty
    positions = address_ids.get_indexer(outcomes.address_ids.astype(object))
    known = positions >= 0
    moments = list(pd.to_datetime(outcomes.moments, utc=True))
    found = outcomes.confirmed & known
    return (
        (positions[found], [m for m, f in zip(moments, found, strict=True) if f]),
        (positions[known], [m for m, k in zip(moments, known, strict=True) if k]),
    )


def _any_in_window(
    events: tuple[np.ndarray, list[pd.Timestamp]],
    n_addresses: int,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> np.ndarray:
    positions, moments = events
    flags = np.zeros(n_addresses, dtype=bool)
    if len(positions):
        moment_ns = as_utc_ns(pd.Series(moments))
        inside = (moment_ns >= start.value) & (moment_ns < end.value)
        flags[positions[inside]] = True
    return flags


def fit_learned_model(
    dataset: Dataset,
    *,
    as_of: pd.Timestamp,
    specs: list[LayerSpec] | None = None,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    step_days: int = DEFAULT_STEP_DAYS,
    warmup_days: int = DEFAULT_WARMUP_DAYS,
    prior_strength: float = DEFAULT_PRIOR_STRENGTH,
    random_state: int | None = 0,
    shared: SharedEvidence | None = None,
) -> LearnedFit:
    """Fit a :class:`LearnedRiskModel` on the dataset's own history before ``as_of``.

    Parameters
    ----------
    dataset : Dataset
        All validated records (the full load; records after ``as_of`` are never used).
    as_of : pandas.Timestamp
        Moment of the ranking.
    specs : list of LayerSpec, optional
        Factors (their weights are the expert weights); default: ``layers/``.
    horizon_days, step_days, warmup_days : int
        Label window, distance between cut-offs, history before the first cut-off.
    prior_strength : float
        How many finds the prior on the expert weights is worth
        (:class:`LearnedRiskModel`).
    random_state : int or None
        Seeds the validation's block shuffle and the sample of uninspected examples.
    shared : SharedEvidence, optional
        What the evidence at the cut-offs shares with other calls over ``dataset``
        (e.g. the ranking's own analysis).

    Returns
    -------
    LearnedFit
        The fitted model (the expert model when no find lies in the training windows),
        or (every inspected example a find) no model and the reason.
    """
    specs = specs if specs is not None else load_layer_specs()
    # Counting labels is cheap; the evidence per cut-off is only worth it with a find to
    # learn from.  Without one the model is the expert model, whatever the features.
    training = training_examples(
        dataset,
        as_of=as_of,
        specs=specs,
        horizon_days=horizon_days,
        step_days=step_days,
        warmup_days=warmup_days,
        with_features="if_a_find",
        random_state=random_state,
        shared=shared,
    )
    model = LearnedRiskModel(
        horizon_days=horizon_days,
        prior_strength=prior_strength,
        expert_weights={s.name: float(s.weight) for s in specs if not is_modifier(s)},
        random_state=random_state,
    )
    try:
        model.fit(
            training.X,
            training.y,
            exposure=training.exposure,
            groups=training.groups,
            sample_weight=training.sample_weight,
        )
    except InsufficientFindsError as refusal:
        logger.info("learned risk model refused: %s", refusal)
        return LearnedFit(None, str(refusal))
    return LearnedFit(model)
