"""Dates and moments: ISO 8601 parsing with the contract's local-time rule.

Every moment the library handles is a UTC ``pandas.Timestamp``; text without an offset is
local time in :data:`~buitengebied.settings.LOCAL_TIMEZONE`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from buitengebied.errors import ContractError
from buitengebied.settings import LOCAL_TIMEZONE

# A UTC offset can only follow a time of day; pandas' ISO 8601 parser reads any sign
# followed by a digit after the time as one ("+01", "+0100", "+01:00", "-5"), and a
# trailing "Z".  A date alone ("2026-03-14") never carries an offset.
_OFFSET_PATTERN = r"[T ]\d[^+-]*[+-]\d|[T ]\d.*[zZ]$"


def parse_moments(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse a column of ISO 8601 dates and date-times into UTC moments.

    Parameters
    ----------
    values : pandas.Series
        Text (dates and date-times may be mixed) or already parsed datetimes.  Text
        without an offset is local time (Europe/Amsterdam); a date means its 00:00.

    Returns
    -------
    moments : pandas.Series of datetime64[ns, UTC]
        Parsed values, ``NaT`` where missing or unparsable.
    unparsable : numpy.ndarray of bool
        True where a value was given but is not an ISO 8601 date.
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC"), np.zeros(len(values), dtype=bool)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return _localize(values), np.zeros(len(values), dtype=bool)
    # Dates repeat a lot (periods, days): parse each distinct value once.
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    unique_moments, unique_unparsable = _parse_text(pd.Series(uniques, dtype=object))
    moments = pd.Series(
        unique_moments.array.take(codes, allow_fill=True),
        index=values.index,
        dtype="datetime64[ns, UTC]",
    )
    unparsable = np.append(unique_unparsable, False)[codes]
    return moments, unparsable


def _parse_text(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    text = values.astype("string").str.strip()
    text = text.mask(text == "")
    has_offset = text.str.contains(_OFFSET_PATTERN, regex=True, na=False).to_numpy(dtype=bool)
    moments = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    if has_offset.any():
        moments[has_offset] = pd.to_datetime(
            text[has_offset], format="ISO8601", errors="coerce", utc=True
        )
    naive = ~has_offset & text.notna().to_numpy(dtype=bool)
    if naive.any():
        local = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        moments[naive] = _localize(local)
    unparsable = text.notna().to_numpy(dtype=bool) & moments.isna().to_numpy(dtype=bool)
    return moments, unparsable


def _localize(naive: pd.Series) -> pd.Series:
    # In the autumn DST fold the earlier (summer-time) reading is taken; in the spring gap
    # the clock is moved forward, as a person would read a wall clock.
    ambiguous = np.ones(len(naive), dtype=bool)
    return naive.dt.tz_localize(
        LOCAL_TIMEZONE, ambiguous=ambiguous, nonexistent="shift_forward"
    ).dt.tz_convert("UTC")


def parse_as_of(text: str | None) -> pd.Timestamp:
    """Parse an ``--as-of`` value into the UTC moment it stands for.

    Parameters
    ----------
    text : str or None
        ``YYYY-MM-DD`` (the start of that day in Europe/Amsterdam) or an ISO date-time
        (that moment; local time when no offset).  ``None`` means the start of today.

    Returns
    -------
    pandas.Timestamp
        A tz-aware UTC timestamp.

    Raises
    ------
    ContractError
        ``text`` is not an ISO 8601 date or date-time.
    """
    if text is None:
        today = pd.Timestamp.now(tz=LOCAL_TIMEZONE).normalize()
        return today.tz_convert("UTC")
    moments, unparsable = parse_moments(pd.Series([text]))
    if unparsable[0] or pd.isna(moments.iloc[0]):
        raise ContractError(f"--as-of: '{text}' is not an ISO 8601 date (YYYY-MM-DD[THH:MM])")
    return pd.Timestamp(moments.iloc[0])


def local_calendar_shift(moment: pd.Timestamp, *, days: int = 0, months: int = 0) -> pd.Timestamp:
    """Move ``moment`` by calendar days and months on the local wall clock (Europe/Amsterdam).

    The same wall-clock time on the day reached; where that time does not exist or exists
    twice (a DST change), the rules of :func:`parse_moments` apply: the clock moves forward
    in the spring gap, and the earlier (summer-time) reading is taken in the autumn fold.

    Parameters
    ----------
    moment : pandas.Timestamp
        A tz-aware moment.
    days, months : int
        How far to move (negative: back).

    Returns
    -------
    pandas.Timestamp
        A tz-aware UTC moment.
    """
    wall_clock = pd.Timestamp(moment).tz_convert(LOCAL_TIMEZONE).tz_localize(None)
    shifted = wall_clock + pd.DateOffset(days=days, months=months)
    return pd.Timestamp(_localize(pd.Series([shifted])).iloc[0])


def local_days_later(moment: pd.Timestamp, days: int) -> pd.Timestamp:
    """Return ``moment`` plus ``days`` calendar days in local time, in UTC (see :func:`local_calendar_shift`)."""
    return local_calendar_shift(moment, days=days)
