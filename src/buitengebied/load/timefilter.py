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

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

import numpy as np
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
        rule = _KnownFrom.of(LAYER_SCHEMAS[name], frame)
        kept[name] = frame if rule is None else frame.loc[rule.mask(as_of)].reset_index(drop=True)
    return replace(dataset, layers=kept)


def known_at_moments(
    dataset: Dataset, moments: Iterable[pd.Timestamp]
) -> Iterator[tuple[Dataset, dict[str, np.ndarray]]]:
    """``known_at(dataset, m)`` at each moment, and the positions of the known rows.

    The time rules are read once for all moments, and a layer whose known rows did not
    change since the previous moment is the previous moment's frame (known rows only grow
    with the moment, so an equal count means the same rows).

    Parameters
    ----------
    dataset : Dataset
        Validated layers.
    moments : iterable of pandas.Timestamp
        Tz-aware moments.

    Yields
    ------
    known : Dataset
        As :func:`known_at` returns it.
    rows : dict of str to numpy.ndarray
        Per layer with a time rule, the positions (in ``dataset``) of its known rows.
    """
    rules = {
        name: rule
        for name, frame in dataset.layers.items()
        if (rule := _KnownFrom.of(LAYER_SCHEMAS[name], frame)) is not None
    }
    previous: dict[str, tuple[np.ndarray, pd.DataFrame]] = {}
    for moment in moments:
        layers = dict(dataset.layers)
        rows = {}
        for name, rule in rules.items():
            known_rows = np.flatnonzero(rule.mask(moment).to_numpy(dtype=bool))
            if name not in previous or len(previous[name][0]) != len(known_rows):
                frame = dataset.layers[name].iloc[known_rows].reset_index(drop=True)
                previous[name] = (known_rows, frame)
            rows[name], layers[name] = previous[name]
        yield replace(dataset, layers=layers), rows


@dataclass(frozen=True)
class _KnownFrom:
    """A layer's time rule as one comparison per row with the moment."""

    moments: pd.Series
    inclusive: bool  # known when ``moments <= as_of`` (else ``<``)
    missing_known: bool  # rows without a moment count

    @classmethod
    def of(cls, schema: LayerSchema, frame: pd.DataFrame) -> _KnownFrom | None:
        """The rule of ``schema`` over ``frame``; None when every row always counts."""
        column = schema.time_column
        if schema.time_rule is TimeRule.TIMELESS or column is None:
            return None
        if schema.time_rule is TimeRule.OBSERVED:
            return cls(frame[column], inclusive=False, missing_known=False)
        if schema.time_rule is TimeRule.PERIOD_END:
            return cls(_day_after(frame[column]), inclusive=True, missing_known=False)
        # STARTS: an optional column; without it every row counts.
        if column not in frame:
            return None
        return cls(frame[column], inclusive=False, missing_known=True)

    def mask(self, as_of: pd.Timestamp) -> pd.Series:
        """Whether each row was known before ``as_of``."""
        known = self.moments <= as_of if self.inclusive else self.moments < as_of
        return known | self.moments.isna() if self.missing_known else known


def _day_after(moments: pd.Series) -> pd.Series:
    """The start of the local day after each moment's own local day, in UTC."""
    # Millions of periods share a few dozen ends: the calendar arithmetic runs per distinct
    # end.
    codes, distinct = pd.factorize(moments, use_na_sentinel=True)
    local_day = pd.Series(distinct).dt.tz_convert(LOCAL_TIMEZONE).dt.normalize()
    day_after = (local_day + pd.DateOffset(days=1)).dt.tz_convert("UTC")
    return pd.Series(day_after.array.take(codes, allow_fill=True), index=moments.index)
