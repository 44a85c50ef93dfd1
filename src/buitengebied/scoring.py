"""Fusion and explanation: from raw evidence to a ranked, explained risk score.

Each factor's raw evidence ``x`` is put on one scale by a saturating transform
``f = x / (x + s)`` (0 = no evidence, 0.5 at ``x = s``, towards 1 for strong evidence), with
``s`` the spec's ``saturation`` or, by default, the 90th percentile of the positive raw
values over all addresses.  The score is the weighted sum ``sum_k w_k f_k`` with the
expert (risk-terrain style) weights of ``layers/``; each term is that factor's
contribution, so contributions add up to the score exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from buitengebied.features import Evidence

#: A factor is named in ``top_factors`` when it gives at least this share of the score.
TOP_FACTOR_MIN_SHARE = 0.10
#: At most this many factors are named.
TOP_FACTOR_MAX = 3


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
    scales : dict of str to float
        Saturation constant of each factor (see :func:`factor_scale`).
    """

    table: pd.DataFrame
    factors: list[str]
    layers_used: list[str]
    weights: dict[str, float]
    scales: dict[str, float]

    def contributions(self) -> pd.DataFrame:
        """Return the contributions per factor, indexed by ``address_id``."""
        columns = [f"contribution_{f}" for f in self.factors]
        frame = self.table.set_index("address_id")[columns]
        frame.columns = pd.Index(self.factors)
        return frame


def factor_scale(raw: pd.DataFrame, saturation: Mapping[str, float | None]) -> pd.Series:
    """Return the saturation constant ``s`` of every factor.

    Parameters
    ----------
    raw : pandas.DataFrame
        Raw evidence, one column per factor.
    saturation : mapping of str to float or None
        Fixed constants; ``None`` means the 90th percentile of the positive values.

    Returns
    -------
    pandas.Series
        Positive constant per factor.
    """
    scales = {}
    for name in raw.columns:
        fixed = saturation.get(name)
        values = raw[name].to_numpy(dtype=float)
        positive = values[values > 0]
        if fixed is not None:
            scales[name] = float(fixed)
        elif positive.size:
            scales[name] = float(np.quantile(positive, 0.9))
        else:
            scales[name] = 1.0
    return pd.Series(scales, dtype=float)


def normalise(raw: pd.DataFrame, scales: pd.Series) -> pd.DataFrame:
    """Apply ``f = x / (x + s)`` per factor; negative raw values count as 0."""
    clipped = raw.clip(lower=0.0)
    return clipped / (clipped + scales[raw.columns].to_numpy())


def factor_strengths(evidence: Evidence) -> tuple[pd.DataFrame, pd.Series]:
    """Put every factor's raw evidence on the common 0..1 scale.

    Parameters
    ----------
    evidence : Evidence
        Raw evidence per address and factor.

    Returns
    -------
    strengths : pandas.DataFrame
        ``f = x / (x + s)`` per address (rows) and factor (columns).
    scales : pandas.Series
        The saturation constant ``s`` used per factor.
    """
    scales = factor_scale(evidence.raw, {s.name: s.saturation for s in evidence.specs})
    return normalise(evidence.raw, scales), scales


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
        contributions,
        layers_used=evidence.layers_used,
        weights=factor_weights,
        scales=scales.to_dict(),
    )


def rank_scores(
    contributions: pd.DataFrame,
    *,
    layers_used: list[str],
    weights: Mapping[str, float],
    scales: Mapping[str, float],
) -> RiskScores:
    """Rank addresses by the sum of their contributions and name the top factors.

    Parameters
    ----------
    contributions : pandas.DataFrame
        Contribution per factor (columns), indexed by ``address_id``.
    layers_used : list of str
        Carried into the result.
    weights, scales : mapping of str to float
        Carried into the result.

    Returns
    -------
    RiskScores
        Riskiest first; equal scores are ordered by ``address_id``, ranks have no ties.
    """
    values = contributions.to_numpy(dtype=float)
    score = values.sum(axis=1)
    address_ids = contributions.index.astype(str).to_numpy()
    order = np.lexsort((address_ids, -score))
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


def top_factors(contributions: np.ndarray, names: list[str]) -> list[str]:
    """Name the factors that contributed most per row, most first, ``;``-separated.

    A factor is named when it gives at least :data:`TOP_FACTOR_MIN_SHARE` of the row's
    score (the largest always is); at most :data:`TOP_FACTOR_MAX`.  Empty where the score
    is zero.
    """
    if contributions.size == 0:
        return [""] * len(contributions)
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
    return list(labels[inverse.ravel()])


def _decode(code: int, names: list[str], base: int) -> str:
    parts = []
    while code:
        code, digit = divmod(code, base)
        if digit:
            parts.append(names[digit - 1])
    return ";".join(parts)
