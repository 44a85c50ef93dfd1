"""What is known on ``--as-of``: each layer's time rule (:class:`~buitengebied.contract.TimeRule`).

The rule and the column it reads come from the layer's schema in
:data:`~buitengebied.contract.LAYER_SCHEMAS`:

- ``OBSERVED`` (``dumpings``, ``reports``, ``inspections``): the time column before the moment;
- ``PERIOD_END`` (``energy``): a period counts once its last day (inclusive, a whole local
  day) lies before the moment, i.e. the day after it has begun;
- ``STARTS`` (``vacant_buildings``): rows whose start date is on or after the moment are
  ignored; rows without one always count;
- ``TIMELESS`` (``area``, ``roads``): always known.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from buitengebied.contract import LAYER_SCHEMAS, LayerSchema, TimeRule
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
        A new dataset; timeless layers stay as they are.
    """
    kept = {}
    for name, frame in dataset.layers.items():
        mask = _known_mask(LAYER_SCHEMAS[name], frame, as_of)
        kept[name] = frame if mask is None else frame.loc[mask].reset_index(drop=True)
    return replace(dataset, layers=kept)


def _known_mask(schema: LayerSchema, frame: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series | None:
    column = schema.time_column
    if schema.time_rule is TimeRule.TIMELESS or column is None:
        return None
    if schema.time_rule is TimeRule.OBSERVED:
        return frame[column] < as_of
    if schema.time_rule is TimeRule.PERIOD_END:
        return _day_after(frame[column]) <= as_of
    # STARTS: an optional column; without it every row counts.
    if column not in frame:
        return None
    since = frame[column]
    return since.isna() | (since < as_of)


def _day_after(moments: pd.Series) -> pd.Series:
    """The start of the local day after each moment's own local day, in UTC."""
    # Millions of periods share a few dozen ends: the calendar arithmetic runs per distinct
    # end.
    codes, distinct = pd.factorize(moments, use_na_sentinel=True)
    local_day = pd.Series(distinct).dt.tz_convert(LOCAL_TIMEZONE).dt.normalize()
    day_after = (local_day + pd.DateOffset(days=1)).dt.tz_convert("UTC")
    return pd.Series(day_after.array.take(codes, allow_fill=True), index=moments.index)
