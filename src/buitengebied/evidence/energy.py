"""Per-address evidence from electricity use: a jump in use that persists.

A cannabis grow draws power 12-18 hours a day, some 20,000-100,000 kWh a year on top of
what the address used before. This module turns the grid operator's ``energy`` layer into
one robust, explainable anomaly score per address (see ``docs/energy-anomalies.md``).

Method
------
1. Every period becomes a rate in kWh/day over its inclusive length in days; periods
   shorter than one day (end before start) or without a finite ``kwh`` are skipped. Rows
   of one address with the same start and end are summed (the contract carries no
   connection id, so several connections of one address arrive as separate rows).
2. Per address, the *anchor* is its latest ``period_end``. Periods ending within a year
   before the anchor are *recent*, earlier ones are the *history*. The recent level and
   the baseline are length-weighted medians, so a single odd period (a meter swap, an
   estimated reading) moves nothing while a step that persists does. The *latest* level
   is the lowest rate among periods ending within :data:`SHORT_WINDOW_DAYS` of the anchor
   (when they cover at least :data:`LATEST_MIN_DAYS`): it rises only when every one of
   those periods rose, so a grow that started a few months ago shows before it fills
   half the year.
3. ``self_z`` is the higher of the recent and latest level minus the baseline, in
   kWh/day, divided by a robust scale: the history's interquartile range / 1.349,
   floored at :data:`SELF_SCALE_FLOOR_KWH_PER_DAY` and at
   :data:`SELF_SCALE_FLOOR_FRACTION` of the absolute baseline, so flat histories do not
   blow up and a large farm needs a proportionally larger jump. Net use may be negative
   (solar panels); levels in kWh/day handle that as is.
4. ``peer_z`` compares the recent level, as ``asinh(kWh/day / PEER_ASINH_SCALE_KWH_PER_DAY)``
   (log-like above, linear around zero and for net delivery), with the median and IQR of
   addresses of the same ``use`` and floor-area bin; groups with fewer than
   :data:`MIN_PEERS` addresses fall back to the same ``use``, then to all addresses.
5. ``anomaly = recency * (h * max(self_z, 0) + (1 - h) * PEER_SHRINK * max(peer_z, 0))``,
   with ``h`` the share of :data:`FULL_HISTORY_DAYS` the history covers: an address with a
   long history is judged against itself (a stable heavy user scores about 0), one without
   history leans on its peers, shrunk. ``recency`` halves the score for every
   :data:`STALE_HALF_LIFE_DAYS` that the latest period ends more than
   :data:`STALE_AFTER_DAYS` before ``as_of``.

Everything is vectorised: rows are mapped to address positions once and sorted by
(address, end); the weighted quantiles of a window need one more sort by (address, rate)
through one packed integer key and linear ``reduceat`` passes; peer quantiles come from
one fine histogram of all levels.

Settings
--------
SHORT_WINDOW_DAYS
    Periods ending this close to an address's latest period form its *latest* level.
LATEST_MIN_DAYS
    The latest level counts only if its periods cover at least this many days.
SELF_SCALE_FLOOR_KWH_PER_DAY
    Smallest scale of the self comparison: ordinary life changes (an electric car, a heat
    pump: +5-12 kWh/day) stay around 1, a small grow (+55 kWh/day) scores above 5.
SELF_SCALE_FLOOR_FRACTION
    Smallest scale as a fraction of the absolute baseline level.
FULL_HISTORY_DAYS
    History (days covered by periods before the recent year) at which the self comparison
    gets full weight.
PEER_ASINH_SCALE_KWH_PER_DAY
    Scale of the asinh transform of the peer comparison.
PEER_SCALE_FLOOR
    Smallest peer scale, in asinh units (about a factor 1.4 above 5 kWh/day).
PEER_SHRINK
    Factor on the peer z of an address without history.
MIN_PEERS
    Smallest peer group (addresses with energy data) used as is.
FLOOR_AREA_BIN_EDGES_M2
    Edges of the floor-area bins of the peer groups.
STALE_AFTER_DAYS, STALE_HALF_LIFE_DAYS
    Recency weighting of addresses whose data stopped long before ``as_of``.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from functools import cached_property
from typing import Final

import numpy as np
import pandas as pd

from buitengebied.settings import LOCAL_TIMEZONE

logger = logging.getLogger(__name__)

SHORT_WINDOW_DAYS: Final[float] = 120.0
LATEST_MIN_DAYS: Final[float] = 90.0
SELF_SCALE_FLOOR_KWH_PER_DAY: Final[float] = 10.0
SELF_SCALE_FLOOR_FRACTION: Final[float] = 0.2
FULL_HISTORY_DAYS: Final[float] = 365.0
PEER_ASINH_SCALE_KWH_PER_DAY: Final[float] = 5.0
PEER_SCALE_FLOOR: Final[float] = 0.35
PEER_SHRINK: Final[float] = 0.5
MIN_PEERS: Final[int] = 20
FLOOR_AREA_BIN_EDGES_M2: Final[tuple[float, ...]] = (75.0, 150.0, 300.0, 1_000.0, 3_000.0, 10_000.0)
STALE_AFTER_DAYS: Final[float] = 365.0
STALE_HALF_LIFE_DAYS: Final[float] = 365.0

#: Output columns, in order.
ENERGY_COLUMNS: Final[tuple[str, ...]] = (
    "address_id",
    "anomaly",
    "self_z",
    "peer_z",
    "n_periods",
    "history_days",
    "recent_kwh_per_day",
    "latest_kwh_per_day",
    "baseline_kwh_per_day",
    "self_scale_kwh_per_day",
    "peer_kwh_per_day",
    "peer_group",
    "recency",
)

_DAY_NS: Final = 86_400 * 10**9
# A year window with half a day of slack, so that "the same date a year earlier" falls
# outside it in leap and ordinary years alike.
_YEAR_WINDOW_DAYS: Final = 364.5
# Interquartile range of a standard normal distribution.
_IQR_PER_SIGMA: Final = 1.349
# Peer levels are binned on this grid (asinh units) to get group quantiles in one pass.
_PEER_LEVEL_MIN: Final = -16.0
_PEER_BIN_WIDTH: Final = 0.01
_PEER_BINS: Final = 3_200
# Below this mean group size timsort beats introsort on keys already sorted by group.
_TIMSORT_MAX_GROUP_SIZE: Final = 8


@dataclass(frozen=True)
class _Periods:
    """Valid energy periods, sorted by address position, identical periods summed."""

    position: np.ndarray  # int64 index into addresses
    end_ns: np.ndarray  # int64 UTC nanoseconds of the inclusive period end
    days: np.ndarray  # int64 inclusive length in days (>= 1)
    kwh: np.ndarray  # float64

    @cached_property
    def rate(self) -> np.ndarray:
        """Mean use in kWh/day of every period."""
        return self.kwh / self.days


def energy_anomaly(
    energy: pd.DataFrame, addresses: pd.DataFrame, *, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Score every address for a persistent, unexplained rise in electricity use.

    Parameters
    ----------
    energy : pandas.DataFrame
        Validated ``energy`` rows known before ``as_of``: ``address_id`` (str),
        ``period_start`` and ``period_end`` (datetime64, ``period_end`` inclusive) and
        ``kwh`` (float, negative where solar panels deliver back). Rows whose
        ``address_id`` is not in ``addresses`` are ignored.
    addresses : pandas.DataFrame
        ``address_id`` (str, unique), optionally ``use`` (BAG gebruiksdoel) and
        ``floor_area_m2``; these two define the peer groups.
    as_of : pandas.Timestamp
        Moment of the assessment; a naive timestamp is local time (Europe/Amsterdam).
        Used only to damp addresses whose data stopped long ago.

    Returns
    -------
    pandas.DataFrame
        One row per address, in the order and with the index of ``addresses``, with the
        columns of :data:`ENERGY_COLUMNS`: ``anomaly`` (>= 0 on a robust-z-like scale,
        about 3 is clearly anomalous, 0 without data) and its components ``self_z``,
        ``peer_z``, ``n_periods``, ``history_days``, ``recent_kwh_per_day``,
        ``latest_kwh_per_day``, ``baseline_kwh_per_day``, ``self_scale_kwh_per_day``,
        ``peer_kwh_per_day``, ``peer_group`` and ``recency`` (NaN without data).

    Raises
    ------
    ValueError
        If ``addresses`` holds an ``address_id`` more than once.
    """
    return compare_energy(energy, addresses).anomaly_at(as_of)


@dataclass(frozen=True)
class EnergyComparison:
    """Every address against its own history and its peers: all of an anomaly but the moment.

    The moment enters an anomaly only through the recency damping, so evidence at many
    moments with the same known periods (training cut-offs between two period ends)
    compares once (:func:`compare_energy`) and damps per moment (:meth:`anomaly_at`).
    """

    addresses: pd.DataFrame
    periods: _Periods
    levels: dict[str, np.ndarray]
    peer_z: np.ndarray
    peer_kwh_per_day: np.ndarray
    peer_group: pd.Categorical

    def anomaly_at(self, as_of: pd.Timestamp) -> pd.DataFrame:
        """The :func:`energy_anomaly` frame as assessed at ``as_of``."""
        recency = _recency(self.periods, len(self.addresses), _utc_ns(as_of))
        columns = {
            "address_id": self.addresses["address_id"].to_numpy(),
            "anomaly": _combine(self.levels, self.peer_z, recency),
            **self.levels,
            "peer_z": self.peer_z,
            "peer_kwh_per_day": self.peer_kwh_per_day,
            "peer_group": self.peer_group,
            "recency": recency,
        }
        return pd.DataFrame(
            {name: columns[name] for name in ENERGY_COLUMNS}, index=self.addresses.index
        )


def compare_energy(energy: pd.DataFrame, addresses: pd.DataFrame) -> EnergyComparison:
    """Compare every address with its own history and its peers (see :func:`energy_anomaly`).

    Parameters
    ----------
    energy, addresses : pandas.DataFrame
        As :func:`energy_anomaly` takes them.

    Returns
    -------
    EnergyComparison

    Raises
    ------
    ValueError
        If ``addresses`` holds an ``address_id`` more than once.
    """
    address_index = pd.Index(addresses["address_id"].to_numpy(dtype=object))
    if not address_index.is_unique:
        raise ValueError("addresses: address_id must be unique")
    n_addresses = len(address_index)
    periods = _valid_periods(energy, address_index)
    levels = _self_comparison(periods, n_addresses)
    peer_z, peer_kwh_per_day, peer_group = _peer_comparison(levels["recent_kwh_per_day"], addresses)
    return EnergyComparison(addresses, periods, levels, peer_z, peer_kwh_per_day, peer_group)


def _utc_ns(moment: pd.Timestamp) -> int:
    """Return ``moment`` as UTC nanoseconds; a naive moment is local time."""
    stamp = pd.Timestamp(moment)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(LOCAL_TIMEZONE)
    return int(stamp.value)


def _epoch_ns(column: pd.Series) -> np.ndarray:
    """Return a datetime column as int64 UTC nanoseconds (any resolution, naive or aware)."""
    return column.to_numpy(dtype="datetime64[ns]").view(np.int64)


def _address_positions(energy_ids: pd.Series, address_index: pd.Index) -> np.ndarray:
    """Return each row's position in ``address_index`` (-1 for unknown ids).

    Energy rows usually come grouped by address, so only the first row of every run of
    equal ids is looked up; this is correct in any order and about twice as fast as
    hashing every row when the rows are grouped.
    """
    if isinstance(energy_ids.dtype, pd.CategoricalDtype):
        category_positions = address_index.get_indexer(
            energy_ids.cat.categories.to_numpy(dtype=object)
        )
        codes = energy_ids.cat.codes.to_numpy()
        return np.where(codes >= 0, category_positions[codes], -1).astype(np.int64)
    ids = energy_ids.to_numpy(dtype=object)
    if len(ids) == 0:
        return np.empty(0, dtype=np.int64)
    run_starts = np.ones(len(ids), dtype=bool)
    np.not_equal(ids[1:], ids[:-1], out=run_starts[1:])
    heads = np.flatnonzero(run_starts)
    head_positions = address_index.get_indexer(ids[heads]).astype(np.int64)
    return np.repeat(head_positions, np.diff(np.append(heads, len(ids))))


def _valid_periods(energy: pd.DataFrame, address_index: pd.Index) -> _Periods:
    """Map rows to addresses, drop unusable rows, sort by address and sum identical periods."""
    position = _address_positions(energy["address_id"], address_index)
    start_ns = _epoch_ns(energy["period_start"])
    end_ns = _epoch_ns(energy["period_end"])
    kwh = energy["kwh"].to_numpy(dtype=np.float64, na_value=np.nan)
    # Rounding absorbs the hour a daylight-saving change adds to or takes from a period.
    days = np.rint((end_ns - start_ns) / _DAY_NS).astype(np.int64) + 1
    keep = (position >= 0) & (days >= 1) & np.isfinite(kwh)
    if not keep.all():
        logger.debug(
            "energy: ignoring %d rows of unknown addresses and %d unusable periods",
            int((position < 0).sum()),
            int(((position >= 0) & ~keep).sum()),
        )
    position, end_ns, days, kwh = position[keep], end_ns[keep], days[keep], kwh[keep]
    order = _period_order(position, end_ns, days)
    if order is not None:
        position, end_ns, days, kwh = position[order], end_ns[order], days[order], kwh[order]
    return _sum_identical_periods(_Periods(position, end_ns, days, kwh))


def _period_order(position: np.ndarray, end_ns: np.ndarray, days: np.ndarray) -> np.ndarray | None:
    """Return the order that sorts rows by (address, end, length); ``None`` if already sorted."""
    if len(position) < 2:
        return None
    end_day = (end_ns - end_ns.min()) // _DAY_NS
    end_bits = int(end_day.max()).bit_length()
    day_bits = int(days.max()).bit_length()
    if int(position.max()).bit_length() + end_bits + day_bits <= 63:
        key = (position << (end_bits + day_bits)) | (end_day << day_bits) | days
        if bool(np.all(key[1:] >= key[:-1])):
            return None
        return np.argsort(key)
    return np.lexsort((days, end_ns, position))


def _sum_identical_periods(periods: _Periods) -> _Periods:
    """Sum the kWh of rows of one address with the same period (several connections)."""
    p = periods
    first = np.ones(len(p.position), dtype=bool)
    first[1:] = (
        (p.position[1:] != p.position[:-1])
        | (p.end_ns[1:] != p.end_ns[:-1])
        | (p.days[1:] != p.days[:-1])
    )
    if first.all():
        return p
    heads = np.flatnonzero(first)
    return _Periods(
        p.position[heads], p.end_ns[heads], p.days[heads], np.add.reduceat(p.kwh, heads)
    )


def _group_value_order(
    group: np.ndarray, values: np.ndarray, *, mean_group_size: float
) -> np.ndarray:
    """Return the order that sorts rows by group, then value, via one packed uint64 key.

    The group takes the high bits; the value's order-preserving bit pattern fills the rest
    (relative precision about 1e-9 for a million groups), which is one ``argsort``
    instead of a two-key ``lexsort``. The rows arrive sorted by group: for small groups the
    key is nearly sorted, which timsort (``kind="stable"``) exploits; for larger groups
    the default (SIMD) introsort is faster.
    """
    group_bits = max(int(group[-1]).bit_length(), 1)
    bits = np.ascontiguousarray(values, dtype=np.float64).view(np.uint64)
    negative = (bits >> np.uint64(63)).astype(bool)
    ordered = np.where(negative, ~bits, bits | np.uint64(1 << 63))
    key = (group.astype(np.uint64) << np.uint64(64 - group_bits)) | (
        ordered >> np.uint64(group_bits)
    )
    return np.argsort(key, kind="stable" if mean_group_size < _TIMSORT_MAX_GROUP_SIZE else None)


def _block_bounds(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the first row of every run of equal keys and the run lengths."""
    first = np.ones(len(sorted_keys), dtype=bool)
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=first[1:])
    start = np.flatnonzero(first)
    return start, np.diff(np.append(start, len(sorted_keys)))


def _grouped_weighted_quantiles(
    group: np.ndarray,
    values: np.ndarray,
    weights: np.ndarray,
    quantiles: tuple[float, ...],
) -> tuple[np.ndarray, np.ndarray]:
    """Return weighted quantiles of ``values`` per group.

    Parameters
    ----------
    group : numpy.ndarray
        Non-negative int64 group of every value, sorted ascending (periods are sorted by
        address, and every subset keeps that order).
    values : numpy.ndarray
        float64 values.
    weights : numpy.ndarray
        Positive weights.
    quantiles : tuple of float
        Quantiles strictly between 0 and 1. Where a quantile falls exactly on the boundary
        between two values, their mean is returned, so equal weights give the ordinary
        median.

    Returns
    -------
    groups : numpy.ndarray
        The distinct groups, ascending.
    result : numpy.ndarray
        Shape ``(len(groups), len(quantiles))``.

    Notes
    -----
    After a sort by value within each group, the row where a quantile falls is
    ``start + count(rows whose cumulative weight share lies below it)``: one linear
    ``reduceat`` pass per quantile instead of a binary search per group.
    """
    start, sizes = _block_bounds(group)
    if len(start) == len(group):  # one value per group (e.g. one yearly period)
        return group, np.repeat(values[:, None], len(quantiles), axis=1)
    order = _group_value_order(group, values, mean_group_size=len(group) / len(start))
    sorted_values = values[order]
    sorted_weights = weights[order].astype(np.float64)
    cumulative = np.cumsum(sorted_weights)
    before = cumulative[start] - sorted_weights[start]
    total = cumulative[start + sizes - 1] - before
    share = (cumulative - np.repeat(before, sizes)) / np.repeat(total, sizes)
    last = start + sizes - 1
    result = np.empty((len(start), len(quantiles)))
    for column, quantile in enumerate(quantiles):
        below = np.add.reduceat((share < quantile).view(np.int8), start, dtype=np.int64)
        low = np.minimum(start + below, last)
        # Shares rise strictly, so only the low row can end exactly on the quantile.
        high = np.minimum(low + (share[low] == quantile), last)
        result[:, column] = 0.5 * (sorted_values[low] + sorted_values[high])
    return group[start], result


def _scatter(positions: np.ndarray, values: np.ndarray, n_addresses: int) -> np.ndarray:
    """Return an array over all addresses holding ``values`` at ``positions``, NaN elsewhere."""
    full = np.full(n_addresses, np.nan)
    full[positions] = values
    return full


def _latest_levels(periods: _Periods, latest: np.ndarray, n_addresses: int) -> np.ndarray:
    """Return the lowest rate among each address's latest periods, if they cover enough days.

    The lowest rate rises only when *every* recent period rose, which is what a grow does
    and a meter swap, an estimated reading or a single odd month does not.
    """
    position, rate, days = periods.position[latest], periods.rate[latest], periods.days[latest]
    if len(position) == 0:
        return np.full(n_addresses, np.nan)
    start, _ = _block_bounds(position)
    lowest = np.minimum.reduceat(rate, start)
    covered_days = np.add.reduceat(days, start)
    return _scatter(
        position[start], np.where(covered_days >= LATEST_MIN_DAYS, lowest, np.nan), n_addresses
    )


def _self_comparison(periods: _Periods, n_addresses: int) -> dict[str, np.ndarray]:
    """Return the levels of every address and ``self_z``, the rise over its own history."""
    start, sizes = _block_bounds(periods.position)
    anchor_ns = np.repeat(periods.end_ns[start + sizes - 1], sizes)
    age_days = (anchor_ns - periods.end_ns) / _DAY_NS
    recent = age_days < _YEAR_WINDOW_DAYS
    history = ~recent
    recent_groups, recent_median = _grouped_weighted_quantiles(
        periods.position[recent], periods.rate[recent], periods.days[recent], (0.5,)
    )
    history_groups, history_quartiles = _grouped_weighted_quantiles(
        periods.position[history], periods.rate[history], periods.days[history], (0.25, 0.5, 0.75)
    )
    recent_level = _scatter(recent_groups, recent_median[:, 0], n_addresses)
    latest_level = _latest_levels(periods, age_days < SHORT_WINDOW_DAYS - 0.5, n_addresses)
    baseline = _scatter(history_groups, history_quartiles[:, 1], n_addresses)
    spread = _scatter(
        history_groups,
        (history_quartiles[:, 2] - history_quartiles[:, 0]) / _IQR_PER_SIGMA,
        n_addresses,
    )
    floor = np.maximum(SELF_SCALE_FLOOR_KWH_PER_DAY, SELF_SCALE_FLOOR_FRACTION * np.abs(baseline))
    scale = np.where(np.isnan(baseline), np.nan, np.fmax(spread, floor))
    self_z = (np.fmax(recent_level, latest_level) - baseline) / scale
    n_periods = np.zeros(n_addresses, dtype=np.int64)
    n_periods[periods.position[start]] = sizes
    history_days = np.bincount(
        periods.position[history], weights=periods.days[history], minlength=n_addresses
    ).astype(np.float64)
    history_days[n_periods == 0] = np.nan
    return {
        "self_z": self_z,
        "n_periods": n_periods,
        "history_days": history_days,
        "recent_kwh_per_day": recent_level,
        "latest_kwh_per_day": latest_level,
        "baseline_kwh_per_day": baseline,
        "self_scale_kwh_per_day": scale,
    }


def _peer_keys(addresses: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Return per address its use code and floor-area bin, and the labels of both."""
    n_addresses = len(addresses)
    if "use" in addresses:
        # Factorise the raw values first: normalising a handful of labels is cheaper than
        # normalising a million strings.
        raw_code, raw_labels = pd.factorize(addresses["use"])
        names = [str(label).strip().lower() or "unknown use" for label in raw_labels]
        label_code, use_labels = pd.factorize(pd.Index([*names, "unknown use"], dtype=object))
        use_code = label_code[raw_code].astype(np.int64)  # code -1 (missing) -> "unknown use"
    else:
        use_code, use_labels = np.zeros(n_addresses, dtype=np.int64), pd.Index(["unknown use"])
    edges = [0.0, *FLOOR_AREA_BIN_EDGES_M2]
    area_labels = [f"{lo:g}-{hi:g} m2" for lo, hi in itertools.pairwise(edges)]
    area_labels += [f">={edges[-1]:g} m2", "unknown area"]
    if "floor_area_m2" in addresses:
        area = pd.to_numeric(addresses["floor_area_m2"], errors="coerce").to_numpy(dtype=float)
        area_bin = np.where(
            np.isnan(area), len(area_labels) - 1, np.digitize(area, FLOOR_AREA_BIN_EDGES_M2)
        )
    else:
        area_bin = np.full(n_addresses, len(area_labels) - 1)
    return use_code, area_bin.astype(np.int64), list(use_labels), area_labels


def _histogram_quantiles(histogram: np.ndarray, quantiles: tuple[float, ...]) -> np.ndarray:
    """Return quantiles (bin centres, in level units) of each row of a level histogram."""
    cumulative = np.cumsum(histogram, axis=1)
    total = cumulative[:, -1:]
    result = np.empty((len(histogram), len(quantiles)))
    for column, quantile in enumerate(quantiles):
        bin_index = np.minimum((cumulative < quantile * total).sum(axis=1), histogram.shape[1] - 1)
        result[:, column] = _PEER_LEVEL_MIN + (bin_index + 0.5) * _PEER_BIN_WIDTH
    return result


def _peer_comparison(
    recent_kwh_per_day: np.ndarray, addresses: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, pd.Categorical]:
    """Return ``peer_z``, the peer level (kWh/day) and the peer group of every address.

    Peer statistics come from a fine histogram of the asinh levels (bins of
    ``_PEER_BIN_WIDTH``, far below :data:`PEER_SCALE_FLOOR`), so the fine groups, the
    use groups and the whole population all derive from one ``bincount``.
    """
    use_code, area_bin, use_labels, area_labels = _peer_keys(addresses)
    n_use, n_area = len(use_labels), len(area_labels)
    level = np.arcsinh(recent_kwh_per_day / PEER_ASINH_SCALE_KWH_PER_DAY)
    has_data = ~np.isnan(level)
    fine_key = use_code * n_area + area_bin
    level_bin = np.clip(
        ((level[has_data] - _PEER_LEVEL_MIN) / _PEER_BIN_WIDTH).astype(np.int64), 0, _PEER_BINS - 1
    )
    fine = np.bincount(
        fine_key[has_data] * _PEER_BINS + level_bin, minlength=n_use * n_area * _PEER_BINS
    ).reshape(n_use, n_area, _PEER_BINS)
    by_use = fine.sum(axis=1)
    histogram = np.concatenate([fine.reshape(-1, _PEER_BINS), by_use, by_use.sum(axis=0)[None]])
    members = histogram.sum(axis=1)
    stats = _histogram_quantiles(histogram, (0.25, 0.5, 0.75))
    n_fine = n_use * n_area
    use_key = n_fine + use_code
    chosen = np.where(
        members[fine_key] >= MIN_PEERS,
        fine_key,
        np.where(members[use_key] >= MIN_PEERS, use_key, n_fine + n_use),
    )
    median = stats[chosen, 1]
    scale = np.fmax((stats[chosen, 2] - stats[chosen, 0]) / _IQR_PER_SIGMA, PEER_SCALE_FLOOR)
    labels = [f"{use}, {area}" for use in use_labels for area in area_labels]
    labels += [*use_labels, "all addresses"]
    return (
        (level - median) / scale,
        np.where(has_data, PEER_ASINH_SCALE_KWH_PER_DAY * np.sinh(median), np.nan),
        pd.Categorical.from_codes(np.where(has_data, chosen, -1), categories=labels),
    )


def _recency(periods: _Periods, n_addresses: int, as_of_ns: int) -> np.ndarray:
    """Return 1 for addresses with data up to a year before ``as_of``, decaying after."""
    if len(periods.position) == 0:
        return np.full(n_addresses, np.nan)
    start, sizes = _block_bounds(periods.position)
    # Rows are sorted by end within an address, so its last row ends latest.
    latest_ns = periods.end_ns[start + sizes - 1]
    stale_days = np.maximum((as_of_ns - latest_ns) / _DAY_NS - STALE_AFTER_DAYS, 0.0)
    return _scatter(
        periods.position[start], 0.5 ** (stale_days / STALE_HALF_LIFE_DAYS), n_addresses
    )


def _combine(levels: dict[str, np.ndarray], peer_z: np.ndarray, recency: np.ndarray) -> np.ndarray:
    """Blend self and peer evidence by how much history an address has."""
    history_share = np.clip(np.nan_to_num(levels["history_days"]) / FULL_HISTORY_DAYS, 0.0, 1.0)
    self_part = np.nan_to_num(np.maximum(levels["self_z"], 0.0))
    peer_part = np.nan_to_num(np.maximum(peer_z, 0.0))
    blended = history_share * self_part + (1.0 - history_share) * PEER_SHRINK * peer_part
    return np.nan_to_num(recency * blended)
