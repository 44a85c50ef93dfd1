"""Bias diagnostic: how much of a ranking only repeats where people already look.

Ranger and resident reports cluster where people walk; inspections cluster where the
police already looked.  A ranking that mostly reproduces that observation effort adds
little: it sends patrols where they would have gone anyway, and its "hits" partly
confirm its own past.  This module measures how much of a score is explained by two
effort proxies known at the moment of the ranking:

``report_density``
    Plain Gaussian kernel density (per km^2) of *all* reports, every category,
    unweighted, sigma :data:`REPORT_EFFORT_BANDWIDTH_M`.
``inspection_effort``
    Past inspections at or near the address: the address's own number of inspections
    plus the expected number of inspections "around" it, i.e. their kernel density at
    sigma :data:`INSPECTION_EFFORT_BANDWIDTH_M` times the kernel's effective area
    ``2 pi sigma^2``.  The own count thus weighs twice: once as "looked here", once as
    "looked around here".

and reports, for the score against each proxy, the Spearman rank correlation and the
overlap of the two top :data:`TOP_SHARE` lists, plus the R^2 of a least-squares
regression of the score's ranks on the ranks of both proxies.  The verdict follows R^2:
at least :data:`FOLLOWS_EFFORT_R2` "mostly follows where people look", below
:data:`INDEPENDENT_R2` "largely independent of observation effort", "partly" between.

A rank correlation over all addresses can be low while the *top* of the list is mostly
addresses the police already visited: the few hundred addresses a patrol sees matter, not
the tens of thousands below.  So beside the R^2 the diagnostic reports, for the top
:data:`REPEAT_TOP_COUNTS` addresses and the top :data:`TOP_SHARE`, the share that was
inspected before the moment of the ranking, against the base rate (the share of all
addresses inspected before).  Where the top :data:`WARNING_TOP_COUNT` is at least
:data:`REPEAT_WARNING_SHARE` earlier visits and at least :data:`REPEAT_WARNING_LIFT` times
the base rate, the diagnostic warns that the ranking mostly repeats earlier visits
(:attr:`BiasDiagnostic.repeat_warning`, in Dutch for the report).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from buitengebied.dataset import Dataset
from buitengebied.evaluation.metrics import ranking_order, top_count
from buitengebied.evidence.density import kernel_density_at
from buitengebied.evidence.features import address_xy, record_points

#: Sigma of the plain report density, metres.
REPORT_EFFORT_BANDWIDTH_M = 2_000.0
#: Sigma of the density of past inspections, metres.
INSPECTION_EFFORT_BANDWIDTH_M = 500.0
#: Share of addresses whose top lists are compared.
TOP_SHARE = 0.01
#: R^2 at or above which the ranking "mostly follows where people look".
FOLLOWS_EFFORT_R2 = 0.5
#: R^2 below which the ranking is "largely independent of observation effort".
INDEPENDENT_R2 = 0.2

#: Top lists (numbers of addresses) whose share of earlier-inspected addresses is reported.
REPEAT_TOP_COUNTS = (25, 100)
#: The top list the warning reads.
WARNING_TOP_COUNT = 100
#: Share of earlier visits in that top list at or above which the diagnostic warns.
REPEAT_WARNING_SHARE = 0.5
#: ... provided it is at least this many times the base rate.
REPEAT_WARNING_LIFT = 3.0

VERDICTS = ("follows_effort", "partly_follows_effort", "independent", "undetermined")
_MESSAGES = {
    "follows_effort": "the ranking mostly follows where people look",
    "partly_follows_effort": "the ranking partly follows where people look",
    "independent": "the ranking is largely independent of observation effort",
    "undetermined": "undetermined: the score or the effort proxies do not vary",
}


def effort_proxies(
    dataset: Dataset,
    *,
    report_bandwidth_m: float = REPORT_EFFORT_BANDWIDTH_M,
    inspection_bandwidth_m: float = INSPECTION_EFFORT_BANDWIDTH_M,
) -> pd.DataFrame:
    """Observation effort per address, from the records in ``dataset``.

    Parameters
    ----------
    dataset : Dataset
        Records known at the moment of the ranking
        (:func:`buitengebied.load.timefilter.known_at`).
    report_bandwidth_m, inspection_bandwidth_m : float
        Kernel sigmas in metres.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``address_id``: ``report_density`` (reports per km^2) and
        ``inspection_effort`` (inspections at or around the address).
    """
    targets = address_xy(dataset)
    address_ids = pd.Index(dataset.addresses["address_id"], name="address_id")
    reports = dataset.layer("reports")
    report_density = (
        kernel_density_at(
            record_points(reports),
            np.ones(len(reports)),
            targets,
            bandwidth_m=report_bandwidth_m,
        )
        if reports is not None and len(reports)
        else np.zeros(len(targets))
    )
    return pd.DataFrame(
        {
            "report_density": report_density,
            "inspection_effort": _inspection_effort(
                dataset, targets, address_ids, inspection_bandwidth_m
            ),
        },
        index=address_ids,
    )


def _inspection_effort(
    dataset: Dataset, targets: np.ndarray, address_ids: pd.Index, bandwidth_m: float
) -> np.ndarray:
    outcomes = dataset.outcomes()
    if len(outcomes) == 0:
        return np.zeros(len(targets))
    positions = address_ids.get_indexer(outcomes.address_ids.astype(object))
    positions = positions[positions >= 0]
    own = np.bincount(positions, minlength=len(targets)).astype(float)
    density_per_km2 = kernel_density_at(
        targets[positions], np.ones(len(positions)), targets, bandwidth_m=bandwidth_m
    )
    around = density_per_km2 / 1e6 * 2.0 * np.pi * bandwidth_m**2
    return own + around


@dataclass(frozen=True)
class BiasDiagnostic:
    """How much of a score follows observation effort.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per effort proxy: ``spearman`` (rank correlation with the score) and
        ``top_overlap`` (share of the score's top list that is also in the proxy's).
    r_squared : float
        Share of the variance of the score's ranks explained by the proxies' ranks.
    top_share : float
        Size of the compared top lists as a share of all addresses.
    """

    table: pd.DataFrame
    r_squared: float
    top_share: float = TOP_SHARE
    repeats: pd.DataFrame | None = None
    base_rate: float = math.nan

    @property
    def repeats_visits(self) -> bool:
        """Whether the top of the ranking mostly repeats earlier visits (see the module)."""
        share = self._warning_share()
        if math.isnan(share) or math.isnan(self.base_rate):
            return False
        return share >= REPEAT_WARNING_SHARE and share >= REPEAT_WARNING_LIFT * self.base_rate

    def _warning_share(self) -> float:
        """Share of earlier visits in the top 100, the list a patrol works through."""
        label = f"top {WARNING_TOP_COUNT}"
        if self.repeats is None or label not in self.repeats.index:
            return math.nan
        return float(self.repeats.at[label, "share"])

    @property
    def repeat_warning(self) -> str:
        """Dutch warning when the ranking mostly repeats earlier visits; else empty."""
        if not self.repeats_visits or self.repeats is None:
            return ""
        parts = [
            f"{_percent(row.share)} van de {name}"
            for name, row in self.repeats.iterrows()
            if not math.isnan(row.share)
        ]
        return (
            f"Waarschuwing: de ranglijst herhaalt vooral eerdere bezoeken. Eerder gecontroleerd: "
            f"{', '.join(parts)}, tegen {_percent(self.base_rate)} van alle adressen. "
            "Wie deze lijst afloopt, gaat vooral terug naar waar de politie al was."
        )

    def repeat_summary(self) -> str:
        """The earlier-inspected shares at the top beside the base rate, in English."""
        if self.repeats is None or self.repeats.empty:
            return "no inspection history"
        parts = [f"{name} {row.share:.0%}" for name, row in self.repeats.iterrows()]
        return f"inspected before: {', '.join(parts)} (base rate {self.base_rate:.1%})"

    @property
    def verdict(self) -> str:
        """One of :data:`VERDICTS`, from :attr:`r_squared` and the documented thresholds."""
        return verdict_for(self.r_squared)

    @property
    def message(self) -> str:
        """The verdict as one plain-language line (English)."""
        text = _MESSAGES[self.verdict]
        if self.verdict != "undetermined":
            text = (
                f"{text} (R² = {self.r_squared:.2f} of its ranks explained by observation effort)"
            )
        if self.repeats is not None:
            text = f"{text}; {self.repeat_summary()}"
        if self.repeats_visits:
            text = f"{text}; WARNING: the top of the ranking mostly repeats earlier visits"
        return text


def _percent(share: float) -> str:
    """A share as a Dutch percentage: ``0,035`` as ``3,5 %``."""
    digits = 1 if share < 0.1 else 0
    return f"{100 * share:.{digits}f}".replace(".", ",") + " %"


def inspected_before(dataset: Dataset) -> pd.Series:
    """Whether each address was inspected before the moment of ``dataset``.

    Parameters
    ----------
    dataset : Dataset
        Records known at the moment of the ranking.

    Returns
    -------
    pandas.Series of bool
        Indexed by ``address_id``.
    """
    address_ids = pd.Index(dataset.addresses["address_id"], name="address_id")
    outcomes = dataset.outcomes()
    visited = np.zeros(len(address_ids), dtype=bool)
    if len(outcomes):
        positions = address_ids.get_indexer(outcomes.address_ids.astype(object))
        visited[positions[positions >= 0]] = True
    return pd.Series(visited, index=address_ids, name="inspected_before")


def repeat_shares(
    scores: pd.Series, inspected: pd.Series, *, top_share: float = TOP_SHARE
) -> pd.DataFrame:
    """Share of earlier-inspected addresses in the top lists of a ranking.

    Parameters
    ----------
    scores : pandas.Series
        Score per address (higher is riskier), indexed by ``address_id``.
    inspected : pandas.Series of bool
        Whether each address was inspected before (:func:`inspected_before`).
    top_share : float
        The share of addresses of the last top list.

    Returns
    -------
    pandas.DataFrame
        One row per top list (``top 25``, ``top 100``, ``top 1%``): ``n`` (its length)
        and ``share`` (inspected before).
    """
    visited = inspected.reindex(scores.index).fillna(False).to_numpy(dtype=bool)
    order = ranking_order(scores)
    lists = {f"top {count}": count for count in REPEAT_TOP_COUNTS}
    lists[f"top {100 * top_share:g}%"] = top_count(len(scores), top_share)
    rows = {
        name: {
            "n": min(count, len(scores)),
            "share": float(visited[order[:count]].mean()) if count and len(scores) else math.nan,
        }
        for name, count in lists.items()
    }
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["n", "share"])
    frame.index.name = "top"
    return frame


def verdict_for(r_squared: float) -> str:
    """Verdict for an R^2: see :data:`FOLLOWS_EFFORT_R2` and :data:`INDEPENDENT_R2`."""
    if math.isnan(r_squared):
        return "undetermined"
    if r_squared >= FOLLOWS_EFFORT_R2:
        return "follows_effort"
    if r_squared < INDEPENDENT_R2:
        return "independent"
    return "partly_follows_effort"


def bias_diagnostic(
    scores: pd.Series,
    proxies: pd.DataFrame,
    *,
    top_share: float = TOP_SHARE,
    inspected: pd.Series | None = None,
) -> BiasDiagnostic:
    """Measure how much of ``scores`` the effort ``proxies`` explain.

    Parameters
    ----------
    scores : pandas.Series
        Score per address (higher is riskier), indexed by ``address_id``.
    proxies : pandas.DataFrame
        Effort proxies per address (see :func:`effort_proxies`), same addresses.
    top_share : float
        Size of the compared top lists.
    inspected : pandas.Series of bool, optional
        Whether each address was inspected before (:func:`inspected_before`); with it
        the diagnostic reports the share of earlier visits at the top.

    Returns
    -------
    BiasDiagnostic
        Correlations and overlaps are NaN where the score or a proxy is constant.
    """
    proxies = proxies.reindex(scores.index)
    score_ranks = rankdata(scores.to_numpy(dtype=float))
    k = top_count(len(scores), top_share)
    score_top = set(ranking_order(scores)[:k].tolist())
    rows = {}
    for name in proxies.columns:
        proxy = proxies[name].fillna(0.0)
        constant = proxy.nunique() < 2
        proxy_top = set(ranking_order(proxy)[:k].tolist())
        rows[name] = {
            "spearman": math.nan
            if constant
            else _correlation(score_ranks, rankdata(proxy.to_numpy(dtype=float))),
            "top_overlap": math.nan if constant else len(score_top & proxy_top) / k,
        }
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["spearman", "top_overlap"])
    table.index.name = "proxy"
    if inspected is None:
        return BiasDiagnostic(table, _rank_r_squared(score_ranks, proxies), top_share)
    base_rate = (
        float(inspected.reindex(scores.index).fillna(False).mean()) if len(scores) else math.nan
    )
    return BiasDiagnostic(
        table,
        _rank_r_squared(score_ranks, proxies),
        top_share,
        repeat_shares(scores, inspected, top_share=top_share),
        base_rate,
    )


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    if a.std() == 0 or b.std() == 0:
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])


def _rank_r_squared(score_ranks: np.ndarray, proxies: pd.DataFrame) -> float:
    varying = [c for c in proxies.columns if proxies[c].nunique() > 1]
    centred = score_ranks - score_ranks.mean()
    total = float(centred @ centred)
    if not varying or total == 0:
        return math.nan
    design = np.column_stack(
        [np.ones(len(score_ranks))]
        + [rankdata(proxies[c].fillna(0.0).to_numpy(dtype=float)) for c in varying]
    )
    coefficients, *_ = np.linalg.lstsq(design, score_ranks, rcond=None)
    residual = score_ranks - design @ coefficients
    return float(max(0.0, 1.0 - (residual @ residual) / total))


def mean_diagnostic(diagnostics: Sequence[BiasDiagnostic]) -> BiasDiagnostic:
    """Average several diagnostics (e.g. one per cut-off) into one.

    Parameters
    ----------
    diagnostics : sequence of BiasDiagnostic
        At least one, all with the same proxies.

    Returns
    -------
    BiasDiagnostic
        Mean correlation, overlap and R^2 (NaN values skipped).
    """
    stacked = pd.concat([d.table for d in diagnostics], keys=range(len(diagnostics)))
    table = stacked.groupby(level="proxy", sort=False).mean()
    r_squared = np.array([d.r_squared for d in diagnostics], dtype=float)
    mean_r2 = float(np.nanmean(r_squared)) if np.isfinite(r_squared).any() else math.nan
    with_repeats = [d for d in diagnostics if d.repeats is not None]
    if not with_repeats:
        return BiasDiagnostic(table, mean_r2, diagnostics[0].top_share)
    repeats = (
        pd.concat([d.repeats for d in with_repeats], keys=range(len(with_repeats)))
        .groupby(level="top", sort=False)
        .mean()
    )
    base_rate = float(np.nanmean([d.base_rate for d in with_repeats]))
    return BiasDiagnostic(table, mean_r2, diagnostics[0].top_share, repeats, base_rate)
