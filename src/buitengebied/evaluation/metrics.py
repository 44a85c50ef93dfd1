"""How good is a ranking? Hit rates, the Predictive Accuracy Index and average precision.

All functions take a ranking as scores indexed by ``address_id`` (higher is riskier) and
the set of addresses where a confirmed find was made afterwards.  Rankings are made the
way ``buitengebied rank`` makes them: score descending, ties broken by ``address_id``, so
that the top ``k`` is always exactly ``k`` addresses.  The exact definitions are in
``docs/evaluation.md``:

hit rate at k
    Share of the find-addresses that are ranked within the top ``k``.
top share
    The top ``p`` (e.g. 1 %) of ``n`` addresses is the top ``ceil(p * n)``.
PAI (Chainey, Tompson & Uhlig 2008)
    ``hit rate / area share``; the area share is the number of distinct grid cells of
    ``cell_size_m`` that hold a flagged address, over the number of grid cells covering
    the area polygon.  Cells are aligned to the origin of EPSG:28992.
average precision
    :func:`sklearn.metrics.average_precision_score` of the scores against the labels; a
    block of tied scores counts as one threshold (no tie-breaking).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from sklearn.metrics import average_precision_score

#: Top-k cut-offs in addresses, reported as ``hit_rate_top<k>``.
TOP_COUNTS: tuple[int, ...] = (10, 25, 50)
#: Top shares of all addresses, reported as ``hit_rate_top<p>pct`` and ``pai_<p>pct``.
TOP_SHARES: tuple[float, ...] = (0.01, 0.05)


def ranking_order(scores: pd.Series) -> np.ndarray:
    """Positions of ``scores`` from riskiest to least risky, ties broken by ``address_id``.

    Parameters
    ----------
    scores : pandas.Series
        Score per address, indexed by ``address_id``; missing scores rank last.

    Returns
    -------
    numpy.ndarray of int
        Positional indices into ``scores``, riskiest first.
    """
    values = scores.to_numpy(dtype=float, na_value=-np.inf)
    address_ids = scores.index.astype(str).to_numpy()
    return np.lexsort((address_ids, -values))


def rank_addresses(scores: pd.Series) -> pd.Series:
    """Rank per address (1 = riskiest, no ties), indexed like ``scores``."""
    ranks = np.empty(len(scores), dtype=np.int64)
    ranks[ranking_order(scores)] = np.arange(1, len(scores) + 1)
    return pd.Series(ranks, index=scores.index, name="rank")


def top_count(n_addresses: int, share: float) -> int:
    """Number of addresses in the top ``share``: ``ceil(share * n)``, at least 1, at most n."""
    # Round first so that 0.01 * 300 is 3, not 4 through floating-point noise.
    return int(min(max(math.ceil(round(share * n_addresses, 9)), 1), n_addresses))


def share_label(share: float) -> str:
    """Suffix for a top share in metric names: ``0.01`` -> ``"1pct"``."""
    return f"{share * 100:g}pct"


def hit_rate(finds_in_top: int, n_finds: int) -> float:
    """Share of the find-addresses within the top; NaN when there are no finds."""
    return finds_in_top / n_finds if n_finds else math.nan


def predictive_accuracy_index(hit_share: float, area_share: float) -> float:
    """PAI: hit share over area share; NaN when either is undefined or the area is zero."""
    if not area_share or math.isnan(area_share) or math.isnan(hit_share):
        return math.nan
    return hit_share / area_share


def area_cell_count(area: shapely.Geometry, cell_size_m: float) -> int:
    """Number of grid cells covering ``area``: cells whose interior meets the polygon.

    Parameters
    ----------
    area : shapely.Geometry
        The area polygon(s), EPSG:28992.
    cell_size_m : float
        Cell size in metres; cells are aligned to the CRS origin as in :func:`grid_cells`.

    Returns
    -------
    int
    """
    xmin, ymin, xmax, ymax = area.bounds
    columns = np.arange(math.floor(xmin / cell_size_m), math.ceil(xmax / cell_size_m))
    rows = np.arange(math.floor(ymin / cell_size_m), math.ceil(ymax / cell_size_m))
    cx, cy = (a.ravel() * cell_size_m for a in np.meshgrid(columns, rows))
    cells = shapely.box(cx, cy, cx + cell_size_m, cy + cell_size_m)
    shapely.prepare(area)
    # Cells that only touch the boundary do not cover any of the area.
    covering = shapely.intersects(area, cells) & ~shapely.touches(area, cells)
    return int(covering.sum())


def average_precision(labels: np.ndarray, scores: np.ndarray) -> float:
    """Average precision of ``scores`` against boolean ``labels``; NaN without positives."""
    labels = np.asarray(labels, dtype=bool)
    if not labels.any():
        return math.nan
    values = np.nan_to_num(np.asarray(scores, dtype=float), nan=-np.inf, neginf=-1e300)
    return float(average_precision_score(labels, values))


def cumulative_distinct(codes_in_rank_order: np.ndarray) -> np.ndarray:
    """Number of distinct codes among the first ``k`` items, for every ``k`` from 1."""
    first = np.zeros(len(codes_in_rank_order), dtype=bool)
    _, first_index = np.unique(codes_in_rank_order, return_index=True)
    first[first_index] = True
    return np.cumsum(first)


@dataclass(frozen=True)
class RankingEvaluation:
    """One ranking scored against the finds of one window.

    Attributes
    ----------
    metrics : dict of str to float
        ``hit_rate_top<k>``, ``hit_rate_top<p>pct``, ``pai_<p>pct``, ``average_precision``;
        NaN when the window holds no find.
    n_finds : int
        Distinct find-addresses in the window.
    k_levels : numpy.ndarray of int
        Top sizes at which ``hits`` and ``cells`` are given.
    hits : numpy.ndarray of int
        Find-addresses within the top ``k`` for each of ``k_levels``.
    cells : numpy.ndarray of int
        Distinct grid cells holding the top ``k`` for each of ``k_levels``.
    n_area_cells : int
        Grid cells covering the area.
    labels : numpy.ndarray of bool
        Per address (in ``scores`` order): a find was made there.
    percentiles : numpy.ndarray of float
        Per address: percentile rank of its score (ties share the average), which unlike
        the raw score is comparable between rankings.
    """

    metrics: dict[str, float]
    n_finds: int
    k_levels: np.ndarray
    hits: np.ndarray
    cells: np.ndarray
    n_area_cells: int
    labels: np.ndarray
    percentiles: np.ndarray


def evaluate_ranking(
    scores: pd.Series,
    finds: Iterable[str],
    *,
    cells: np.ndarray,
    n_area_cells: int,
    k_levels: np.ndarray | None = None,
    top_counts: tuple[int, ...] = TOP_COUNTS,
    top_shares: tuple[float, ...] = TOP_SHARES,
) -> RankingEvaluation:
    """Score one ranking against the addresses where a find was made.

    Parameters
    ----------
    scores : pandas.Series
        Score per address (higher is riskier), indexed by ``address_id``.
    finds : iterable of str
        ``address_id`` of every address with a confirmed find in the window; ids not in
        ``scores`` are ignored.
    cells : numpy.ndarray of int
        Grid cell code of each address, aligned with ``scores`` (see :func:`cell_codes`).
    n_area_cells : int
        Grid cells covering the area (see :func:`area_cell_count`).
    k_levels : numpy.ndarray of int, optional
        Extra top sizes at which to record hits and cells (for curves and pooling).
    top_counts, top_shares : tuple
        The top sizes reported as metrics.

    Returns
    -------
    RankingEvaluation
    """
    n = len(scores)
    labels = scores.index.isin(pd.Index(list(finds), dtype=object))
    n_finds = int(labels.sum())
    order = ranking_order(scores)
    cumulative_hits = np.cumsum(labels[order])
    cumulative_cells = cumulative_distinct(np.asarray(cells)[order])
    metrics: dict[str, float] = {}
    for k in top_counts:
        top = min(k, n)
        metrics[f"hit_rate_top{k}"] = hit_rate(int(cumulative_hits[top - 1]), n_finds)
    for share in top_shares:
        top = top_count(n, share)
        rate = hit_rate(int(cumulative_hits[top - 1]), n_finds)
        metrics[f"hit_rate_top{share_label(share)}"] = rate
        area_share = cumulative_cells[top - 1] / n_area_cells if n_area_cells else math.nan
        metrics[f"pai_{share_label(share)}"] = predictive_accuracy_index(rate, area_share)
    metrics["average_precision"] = average_precision(labels, scores.to_numpy(dtype=float))
    metrics = {name: metrics[name] for name in metric_names(top_counts, top_shares)}
    levels = np.unique(
        np.concatenate(
            [
                np.asarray(k_levels if k_levels is not None else [], dtype=np.int64),
                [min(k, n) for k in top_counts],
                [top_count(n, s) for s in top_shares],
            ]
        ).astype(np.int64)
    )
    levels = levels[(levels >= 1) & (levels <= n)]
    return RankingEvaluation(
        metrics,
        n_finds,
        levels,
        cumulative_hits[levels - 1],
        cumulative_cells[levels - 1],
        n_area_cells,
        labels,
        scores.rank(method="average", pct=True, na_option="bottom").to_numpy(dtype=np.float32),
    )


def pool_evaluations(
    evaluations: list[RankingEvaluation],
    *,
    top_counts: tuple[int, ...] = TOP_COUNTS,
    top_shares: tuple[float, ...] = TOP_SHARES,
) -> dict[str, float]:
    """Pool the evaluations of one method over several windows.

    Hit rates are total hits over total finds; the PAI is total hits over the hits
    expected if the finds fell uniformly over the area, ``sum(n_finds * area_share)``;
    average precision is computed over all (window, address) pairs with percentile ranks
    as scores.  All addresses must be the same in every evaluation.

    Parameters
    ----------
    evaluations : list of RankingEvaluation
        One per window.
    top_counts, top_shares : tuple
        The top sizes, as given to :func:`evaluate_ranking`.

    Returns
    -------
    dict of str to float
        The metrics of :func:`metric_names`; NaN when no window holds a find.
    """
    total_finds = sum(e.n_finds for e in evaluations)
    n = len(evaluations[0].labels) if evaluations else 0
    metrics: dict[str, float] = {}
    for k in top_counts:
        hits = sum(_hits_at(e, min(k, n)) for e in evaluations)
        metrics[f"hit_rate_top{k}"] = hit_rate(hits, total_finds)
    for share in top_shares:
        top = top_count(n, share) if n else 0
        hits = sum(_hits_at(e, top) for e in evaluations)
        metrics[f"hit_rate_top{share_label(share)}"] = hit_rate(hits, total_finds)
        expected = sum(
            e.n_finds * _cells_at(e, top) / e.n_area_cells if e.n_area_cells else math.nan
            for e in evaluations
        )
        metrics[f"pai_{share_label(share)}"] = (
            hits / expected if expected and not math.isnan(expected) else math.nan
        )
    metrics["average_precision"] = (
        average_precision(
            np.concatenate([e.labels for e in evaluations]),
            np.concatenate([e.percentiles for e in evaluations]),
        )
        if evaluations
        else math.nan
    )
    return {name: metrics[name] for name in metric_names(top_counts, top_shares)}


def _hits_at(evaluation: RankingEvaluation, k: int) -> int:
    return int(evaluation.hits[np.searchsorted(evaluation.k_levels, k)])


def _cells_at(evaluation: RankingEvaluation, k: int) -> int:
    return int(evaluation.cells[np.searchsorted(evaluation.k_levels, k)])


def metric_names(
    top_counts: tuple[int, ...] = TOP_COUNTS, top_shares: tuple[float, ...] = TOP_SHARES
) -> list[str]:
    """Names of the metrics :func:`evaluate_ranking` reports, in display order."""
    names = [f"hit_rate_top{k}" for k in top_counts]
    names += [f"hit_rate_top{share_label(s)}" for s in top_shares]
    names += [f"pai_{share_label(s)}" for s in top_shares]
    return [*names, "average_precision"]
