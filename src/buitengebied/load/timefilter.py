"""What is known on ``--as-of``: the contract's time rules applied to a dataset.

- ``dumpings``, ``reports``: ``observed_at`` before the moment;
- ``inspections``: ``inspected_at`` before it;
- ``energy``: a period counts once its ``period_end`` (inclusive, a whole day) lies
  before it, i.e. the day after ``period_end`` has begun;
- ``vacant_buildings``: rows whose ``vacant_since`` is on or after it are ignored; rows
  without ``vacant_since`` always count.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from buitengebied.dataset import Dataset
from buitengebied.settings import LOCAL_TIMEZONE


def known_at(dataset: Dataset, as_of: pd.Timestamp) -> Dataset:
    """Return the part of ``dataset`` that was known before ``as_of``.

    Parameters
    ----------
    dataset : Dataset
        Validated layers.
    as_of : pandas.Timestamp
        A tz-aware moment (see :func:`buitengebied.timeutil.parse_as_of`).

    Returns
    -------
    Dataset
        A new dataset; layers without time stay as they are.
    """
    kept = {}
    for name, frame in dataset.layers.items():
        mask = _known_mask(name, frame, as_of)
        kept[name] = frame if mask is None else frame.loc[mask].reset_index(drop=True)
    return replace(dataset, layers=kept)


def _known_mask(name: str, frame: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series | None:
    if name in ("dumpings", "reports"):
        return frame["observed_at"] < as_of
    if name == "inspections":
        return frame["inspected_at"] < as_of
    if name == "energy":
        return _day_after(frame["period_end"]) <= as_of
    if name == "vacant_buildings" and "vacant_since" in frame:
        since = frame["vacant_since"]
        return since.isna() | (since < as_of)
    return None


def _day_after(moments: pd.Series) -> pd.Series:
    # period_end names a whole (local) day: the period is over when the next day starts.
    # Millions of periods share a few dozen ends: the calendar arithmetic runs per distinct
    # end.
    codes, distinct = pd.factorize(moments, use_na_sentinel=True)
    local_day = pd.Series(distinct).dt.tz_convert(LOCAL_TIMEZONE).dt.normalize()
    day_after = (local_day + pd.DateOffset(days=1)).dt.tz_convert("UTC")
    return pd.Series(day_after.array.take(codes, allow_fill=True), index=moments.index)
