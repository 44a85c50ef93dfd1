"""Fusion and explanation: from raw evidence to a ranked, explained risk score.

Each factor's raw evidence ``x`` is standardised over all addresses of the run and only
its excess counts, ``z = max((x - mean) / sd, 0)``: "how many standard deviations above the
area's average this address stands on this factor".  Rare, specific evidence (an energy
step, a past find) thereby weighs more than evidence that many addresses share (a regional
dumping density).  Up to :data:`LINEAR_STRENGTH_SD` the strength is ``z`` itself; beyond, it
grows with the logarithm, ``f = L * (1 + ln(z / L))``, so that one extreme value still
ranks above a merely strong one (the lift keeps rising past 8 standard deviations) without
drowning every other factor.  The score is the weighted sum ``sum_k w_k f_k`` with the
expert (risk-terrain style) weights of ``layers/``; each term is that factor's
contribution, so contributions add up to the score exactly.  ``docs/evaluation.md`` shows
the scenario-family study behind this transform.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from buitengebied.evidence.features import Evidence
from buitengebied.evidence.layerspec import LayerSpec, is_modifier

#: A factor is named in ``top_factors`` when it gives at least this share of the score.
TOP_FACTOR_MIN_SHARE = 0.10
#: At most this many factors are named.
TOP_FACTOR_MAX = 3
#: A factor's strength equals its excess ``z`` up to this many standard deviations above
#: the mean and grows logarithmically beyond (see :func:`strength_from_excess`).
LINEAR_STRENGTH_SD = 8.0


@dataclass
class RiskScores:
    """The ranking of all addresses.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per address, riskiest first: ``address_id``, ``score``, ``rank``,
        ``top_factors`` and one ``contribution_<factor>`` column per factor.
    factors : list of str
        Factor names, in contribution-column order.
    layers_used : list of str
        Contract layers that contributed records.
    weights : dict of str to float
        Weight of each factor.
    scales : dict of str to (float, float)
        ``(mean, sd)`` of each factor's raw evidence (see :func:`factor_scale`).
    """

    table: pd.DataFrame
    factors: list[str]
    layers_used: list[str]
    weights: dict[str, float]
    scales: dict[str, tuple[float, float]]

    def contributions(self) -> pd.DataFrame:
        """Return the contributions per factor, indexed by ``address_id``."""
        columns = [f"contribution_{f}" for f in self.factors]
        frame = self.table.set_index("address_id")[columns]
        frame.columns = pd.Index(self.factors)
        return frame


def factor_scale(raw: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Return the mean and standard deviation of every factor over the addresses.

    Parameters
    ----------
    raw : pandas.DataFrame
        Raw evidence, one column per factor.

    Returns
    -------
    dict of str to (float, float)
        ``(mean, sd)`` per factor; ``sd`` is 1 where the factor does not vary.
    """
    values = raw.to_numpy(dtype=float)
    means = values.mean(axis=0) if len(values) else np.zeros(raw.shape[1])
    spreads = values.std(axis=0) if len(values) else np.ones(raw.shape[1])
    spreads = np.where(np.isfinite(spreads) & (spreads > 0), spreads, 1.0)
    return {
        name: (float(mean), float(sd))
        for name, mean, sd in zip(raw.columns, means, spreads, strict=True)
    }


def strength_from_excess(z: np.ndarray) -> np.ndarray:
    """Map standardised evidence ``z`` to a factor strength ``f >= 0``.

    ``f = max(z, 0)`` up to ``L`` (:data:`LINEAR_STRENGTH_SD`) and ``L * (1 + ln(z / L))``
    beyond: continuous, increasing, with a continuous slope at ``L``.

    Parameters
    ----------
    z : numpy.ndarray
        Standardised evidence, ``(x - mean) / sd``.

    Returns
    -------
    numpy.ndarray
        The strength, same shape; NaN stays NaN.
    """
    linear = LINEAR_STRENGTH_SD
    excess = np.maximum(z, 0.0)
    return np.minimum(excess, linear) + linear * np.log(np.maximum(excess, linear) / linear)


def strength_caps(specs: Iterable[LayerSpec]) -> dict[str, float]:
    """The largest strength of each factor whose layer file sets ``max_strength``.

    A factor the partners call moderate (an inspection that noted ``signals``) is capped,
    because the standardisation alone would not keep it moderate: a rare indicator that
    0.5 % of the addresses carry stands ``1 / sqrt(0.005)``, about 14, standard deviations
    above the mean, more than most strong energy anomalies.  That is rarity, not weight of
    evidence (see ``docs/evaluation.md``).
    """
    return {spec.name: spec.max_strength for spec in specs if spec.max_strength is not None}


def normalise(
    raw: pd.DataFrame,
    scales: Mapping[str, tuple[float, float]],
    *,
    caps: Mapping[str, float],
) -> pd.DataFrame:
    """Apply ``f = strength_from_excess((x - mean) / sd)`` per factor, at most its cap.

    Parameters
    ----------
    raw : pandas.DataFrame
        Raw evidence, one column per factor.
    scales : mapping of str to (float, float)
        ``(mean, sd)`` per factor (:func:`factor_scale`).
    caps : mapping of str to float
        Largest strength per factor (:func:`strength_caps` of the factors' specs); factors
        not named are uncapped.  Required, so that no caller forgets a layer file's cap.

    Returns
    -------
    pandas.DataFrame
        The strengths, same index and columns as ``raw``.
    """
    means = np.array([scales[name][0] for name in raw.columns])
    spreads = np.array([scales[name][1] for name in raw.columns])
    strength = strength_from_excess((raw.to_numpy(dtype=float) - means) / spreads)
    if caps:
        ceiling = np.array([caps.get(name, np.inf) for name in raw.columns])
        strength = np.minimum(strength, ceiling)
    return pd.DataFrame(strength, index=raw.index, columns=raw.columns)


def additive_factors(evidence: Evidence) -> list[str]:
    """Names of the factors that add to the score (every spec but the modifiers)."""
    return [spec.name for spec in evidence.specs if not is_modifier(spec)]


def factor_strengths(
    evidence: Evidence,
) -> tuple[pd.DataFrame, dict[str, tuple[float, float]]]:
    """Put every factor's raw evidence on the common scale (standard deviations above the mean).

    A factor whose layer file sets ``max_strength`` is capped there (:func:`strength_caps`).
    Modifiers (:func:`~buitengebied.evidence.layerspec.is_modifier`) have no strength:
    they scale the score (:func:`with_modifiers`), so they are left out of the strengths
    and have no scale.

    Parameters
    ----------
    evidence : Evidence
        Raw evidence per address and factor.

    Returns
    -------
    strengths : pandas.DataFrame
        ``f`` per address (rows) and factor (columns), see :func:`normalise`.
    scales : dict of str to (float, float)
        The ``(mean, sd)`` used per factor.
    """
    raw = evidence.raw[additive_factors(evidence)]
    scales = factor_scale(raw)
    return normalise(raw, scales, caps=strength_caps(evidence.specs)), scales


def with_modifiers(
    contributions: pd.DataFrame, evidence: Evidence, weights: Mapping[str, float]
) -> pd.DataFrame:
    """Add the modifiers' (negative) contributions to the factors' contributions.

    A modifier's raw evidence ``r <= 0`` is the logarithm of the share of the score it
    leaves; with its weight ``w`` the score becomes ``S * exp(sum_m w_m r_m)``.  The loss
    ``S * (exp(sum) - 1)`` is divided over the modifiers in proportion to ``w_m r_m``, so
    the contributions still add up to the score exactly.

    Parameters
    ----------
    contributions : pandas.DataFrame
        Contribution per additive factor, indexed by ``address_id``.
    evidence : Evidence
        Its raw columns hold the modifiers' evidence.
    weights : mapping of str to float
        Weight per modifier (missing: the spec's weight).

    Returns
    -------
    pandas.DataFrame
        ``contributions`` with one more column per modifier.
    """
    modifiers = [spec for spec in evidence.specs if is_modifier(spec)]
    if not modifiers:
        return contributions
    terms = np.column_stack(
        [
            weights.get(spec.name, spec.weight)
            * evidence.raw[spec.name].reindex(contributions.index).to_numpy(dtype=float)
            for spec in modifiers
        ]
    )
    total = terms.sum(axis=1)
    loss = contributions.to_numpy(dtype=float).sum(axis=1) * np.expm1(total)
    share = np.divide(terms, total[:, None], out=np.zeros_like(terms), where=total[:, None] < 0)
    extra = pd.DataFrame(
        share * loss[:, None], index=contributions.index, columns=[s.name for s in modifiers]
    )
    return pd.concat([contributions, extra], axis=1)


def fuse(evidence: Evidence, *, weights: Mapping[str, float] | None = None) -> RiskScores:
    """Fuse evidence into explained risk scores with expert weights.

    Parameters
    ----------
    evidence : Evidence
        Raw evidence per address and factor.
    weights : mapping of str to float, optional
        Override of the specs' default weights.

    Returns
    -------
    RiskScores
    """
    factor_weights = {s.name: float(s.weight) for s in evidence.specs}
    factor_weights.update(weights or {})
    strength, scales = factor_strengths(evidence)
    contributions = strength * pd.Series(factor_weights)[strength.columns].to_numpy()
    return rank_scores(
        with_modifiers(contributions, evidence, factor_weights),
        layers_used=evidence.layers_used,
        weights=factor_weights,
        scales=scales,
    )


def rank_scores(
    contributions: pd.DataFrame,
    *,
    layers_used: list[str],
    weights: Mapping[str, float],
    scales: Mapping[str, tuple[float, float]],
) -> RiskScores:
    """Rank addresses by the sum of their contributions and name the top factors.

    Parameters
    ----------
    contributions : pandas.DataFrame
        Contribution per factor (columns), indexed by ``address_id``.
    layers_used : list of str
        Carried into the result.
    weights : mapping of str to float
        Carried into the result.
    scales : mapping of str to (float, float)
        Carried into the result.

    Returns
    -------
    RiskScores
        Riskiest first; equal scores are ordered by ``address_id``, ranks have no ties.
    """
    values = contributions.to_numpy(dtype=float)
    score = values.sum(axis=1)
    address_ids = contributions.index.astype(str).to_numpy()
    order = _ranking_order(score, address_ids)
    table = pd.DataFrame(
        {
            "address_id": address_ids[order],
            "score": score[order],
            "rank": np.arange(1, len(order) + 1),
            "top_factors": top_factors(values[order], list(contributions.columns)),
        }
    )
    for position, name in enumerate(contributions.columns):
        table[f"contribution_{name}"] = values[order, position]
    return RiskScores(
        table, list(contributions.columns), list(layers_used), dict(weights), dict(scales)
    )


def _ranking_order(score: np.ndarray, address_ids: np.ndarray) -> np.ndarray:
    """Return the order of highest score first, equal scores by ``address_id``.

    The same order as ``np.lexsort((address_ids, -score))``, but the (slow) comparison of
    text ids is only made within runs of equal scores, not over all rows.
    """
    order = np.argsort(-score, kind="stable")
    ranked = score[order]
    # NaN scores sort last and, as in lexsort, count as equal to each other.
    same = (ranked[1:] == ranked[:-1]) | (np.isnan(ranked[1:]) & np.isnan(ranked[:-1]))
    if not same.any():
        return order
    tied = np.zeros(len(order), dtype=bool)
    tied[1:] |= same
    tied[:-1] |= same
    run = np.cumsum(np.concatenate([[True], ~same]))
    rows = np.flatnonzero(tied)
    # Runs are contiguous, so sorting the tied rows by (run, id) reorders within runs only.
    order[rows] = order[rows][np.lexsort((address_ids[order[rows]], run[rows]))]
    return order


def top_factors(contributions: np.ndarray, names: list[str]) -> list[str]:
    """Name the factors that contributed most per row, most first, ``;``-separated.

    A factor is named when it gives at least :data:`TOP_FACTOR_MIN_SHARE` of the row's
    score (the largest always is); at most :data:`TOP_FACTOR_MAX`.  Empty where the score
    is zero.
    """
    return list(_top_factor_labels(contributions, names))


def _top_factor_labels(contributions: np.ndarray, names: list[str]) -> np.ndarray:
    """:func:`top_factors` as an object array (a million-item list costs a conversion)."""
    if contributions.size == 0:
        return np.full(len(contributions), "", dtype=object)
    totals = contributions.sum(axis=1, keepdims=True)
    order = np.argsort(-contributions, axis=1, kind="stable")[:, :TOP_FACTOR_MAX]
    ranked = np.take_along_axis(contributions, order, axis=1)
    shares = np.divide(ranked, totals, out=np.zeros_like(ranked), where=totals > 0)
    named = (ranked > 0) & (shares >= TOP_FACTOR_MIN_SHARE)
    named[:, 0] = ranked[:, 0] > 0
    # Encode each row's named factors as one integer, so strings are built once per pattern.
    base = len(names) + 1
    codes = ((order + 1) * named * base ** np.arange(order.shape[1])).sum(axis=1)
    patterns, inverse = np.unique(codes, return_inverse=True)
    labels = np.array([_decode(int(code), names, base) for code in patterns], dtype=object)
    return labels[inverse.ravel()]


def _decode(code: int, names: list[str], base: int) -> str:
    parts = []
    while code:
        code, digit = divmod(code, base)
        if digit:
            parts.append(names[digit - 1])
    return ";".join(parts)
