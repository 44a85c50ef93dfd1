"""Paired comparison of rankings: is a lead over a baseline more than chance.

A backtest gives one value per cut-off for every method and metric.  The difference
between two methods at the same cut-off is paired (same finds, same addresses), but the
cut-offs are not independent: consecutive outcome windows overlap when cut-offs lie
closer together than the horizon (monthly cut-offs, 180-day windows), so one find counts
in several of them.  The interval of the mean difference therefore comes from a
**moving-block bootstrap** (Künsch 1989): blocks of consecutive cut-offs as long as the
overlap are resampled together.  A method is *ahead* of a baseline on a metric when the
whole interval lies above zero, *behind* when it lies below, else *undecided*.  With fewer
than :data:`MIN_FIND_ADDRESSES` distinct find-addresses over all windows the same few finds
decide every window, an interval cannot show that, and the verdict stays *undecided*; so
it does with fewer than :data:`MIN_BLOCKS` blocks of cut-offs, too few for a resample to
differ from the series it came from.

Definitions and reading: ``docs/evaluation.md``.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

#: Bootstrap resamples per comparison.
N_BOOTSTRAP = 2_000
#: Two-sided coverage of the interval.
INTERVAL_LEVEL = 0.90
#: Fewer distinct find-addresses than this give no verdict.
MIN_FIND_ADDRESSES = 20
#: Fewer blocks of overlapping cut-offs than this give no verdict.
MIN_BLOCKS = 3

Verdict = Literal["ahead", "behind", "undecided"]


@dataclass(frozen=True)
class PairedComparison:
    """One method against one baseline on one metric, over the cut-offs with finds.

    Attributes
    ----------
    method, baseline, metric : str
        What is compared.
    mean_difference : float
        Mean over cut-offs of ``method - baseline``.
    low, high : float
        The :data:`INTERVAL_LEVEL` moving-block bootstrap interval of that mean.
    wins, ties, losses : int
        Cut-offs where the method was above, equal to, below the baseline.
    block_length : int
        Consecutive cut-offs resampled together.
    enough_finds : bool
        At least :data:`MIN_FIND_ADDRESSES` distinct find-addresses; without, no verdict.
    enough_cutoffs : bool
        At least :data:`MIN_BLOCKS` blocks of cut-offs with finds; without, no verdict.
    """

    method: str
    baseline: str
    metric: str
    mean_difference: float
    low: float
    high: float
    wins: int
    ties: int
    losses: int
    block_length: int
    enough_finds: bool = True
    enough_cutoffs: bool = True

    @property
    def verdict(self) -> Verdict:
        """``ahead`` / ``behind`` when the interval excludes zero, else ``undecided``."""
        if not (self.enough_finds and self.enough_cutoffs):
            return "undecided"
        if self.low > 0:
            return "ahead"
        if self.high < 0:
            return "behind"
        return "undecided"


def overlap_block_length(cutoffs: Sequence[pd.Timestamp], horizon_days: int) -> int:
    """Number of consecutive cut-offs whose outcome windows overlap.

    Parameters
    ----------
    cutoffs : sequence of pandas.Timestamp
        The backtest's cut-offs, oldest first.
    horizon_days : int
        Length of each outcome window.

    Returns
    -------
    int
        ``ceil(horizon / median spacing)``, at least 1 and at most the number of cut-offs.
    """
    if len(cutoffs) < 2:
        return 1
    gaps = np.diff(pd.DatetimeIndex(cutoffs)) / pd.Timedelta(days=1)
    spacing_days = float(np.median(gaps))
    if spacing_days <= 0:
        return 1
    return int(min(max(math.ceil(horizon_days / spacing_days), 1), len(cutoffs)))


def block_bootstrap_means(
    values: np.ndarray, *, block_length: int, n_resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """Means of moving-block bootstrap resamples of a series.

    Parameters
    ----------
    values : numpy.ndarray
        The series, in time order, without NaN.
    block_length : int
        Length of the resampled blocks (clipped to the series length).
    n_resamples : int
        Number of resamples.
    rng : numpy.random.Generator
        Source of the block starts.

    Returns
    -------
    numpy.ndarray
        ``n_resamples`` means; empty when ``values`` is.
    """
    n = len(values)
    if n == 0:
        return np.empty(0)
    block = min(max(block_length, 1), n)
    n_blocks = math.ceil(n / block)
    starts = rng.integers(0, n - block + 1, size=(n_resamples, n_blocks))
    rows = (starts[:, :, None] + np.arange(block)).reshape(n_resamples, -1)[:, :n]
    return np.asarray(values, dtype=float)[rows].mean(axis=1)


def compare_methods(
    per_cutoff: pd.DataFrame,
    *,
    methods: Sequence[str],
    baselines: Sequence[str],
    metrics: Sequence[str],
    block_length: int,
    n_find_addresses: int,
    n_resamples: int = N_BOOTSTRAP,
    level: float = INTERVAL_LEVEL,
    seed: int = 0,
) -> list[PairedComparison]:
    """Compare every method with every baseline on every metric, paired by cut-off.

    Parameters
    ----------
    per_cutoff : pandas.DataFrame
        Long table ``cutoff, method, metric, value`` (``BacktestResult.per_cutoff``);
        cut-offs where either value is NaN (no finds) are left out.
    methods, baselines, metrics : sequence of str
        What to compare; names missing from the table are skipped.
    block_length : int
        See :func:`overlap_block_length`.
    n_find_addresses : int
        Distinct find-addresses over all windows (see :data:`MIN_FIND_ADDRESSES`).
    n_resamples : int
        Bootstrap resamples.
    level : float
        Two-sided coverage of the interval.
    seed : int
        Seeds the bootstrap, so a report is reproducible; each comparison draws from its
        own stream, so asking for fewer metrics or baselines changes no interval.

    Returns
    -------
    list of PairedComparison
        In the order method, baseline, metric.
    """
    wide = per_cutoff.pivot_table(
        index="cutoff", columns=["method", "metric"], values="value", dropna=False
    ).sort_index()
    tail = (1.0 - level) / 2.0
    found = []
    for method in methods:
        for baseline in baselines:
            for metric in metrics:
                if (method, metric) not in wide or (baseline, metric) not in wide:
                    continue
                difference = (wide[(method, metric)] - wide[(baseline, metric)]).dropna()
                values = difference.to_numpy(dtype=float)
                if len(values) == 0:
                    continue
                means = block_bootstrap_means(
                    values,
                    block_length=block_length,
                    n_resamples=n_resamples,
                    rng=_comparison_rng(seed, method, baseline, metric),
                )
                low, high = np.quantile(means, [tail, 1.0 - tail])
                found.append(
                    PairedComparison(
                        method,
                        baseline,
                        metric,
                        float(values.mean()),
                        float(low),
                        float(high),
                        int((values > 0).sum()),
                        int((values == 0).sum()),
                        int((values < 0).sum()),
                        min(block_length, len(values)),
                        n_find_addresses >= MIN_FIND_ADDRESSES,
                        len(values) >= MIN_BLOCKS * block_length,
                    )
                )
    return found


def _comparison_rng(seed: int, method: str, baseline: str, metric: str) -> np.random.Generator:
    """A generator of its own per comparison: the same interval whatever else is compared."""
    key = zlib.crc32(f"{method}\x1f{baseline}\x1f{metric}".encode())
    return np.random.default_rng([seed, key])


def comparison_table(comparisons: Sequence[PairedComparison]) -> pd.DataFrame:
    """One row per comparison, with its verdict (for CSV and the report)."""
    columns = [
        "method",
        "baseline",
        "metric",
        "mean_difference",
        "low",
        "high",
        "verdict",
        "wins",
        "ties",
        "losses",
        "block_length",
        "enough_finds",
        "enough_cutoffs",
    ]
    rows = [
        {**{name: getattr(c, name) for name in columns if name != "verdict"}, "verdict": c.verdict}
        for c in comparisons
    ]
    return pd.DataFrame(rows, columns=columns)
