"""What the patrol nights found: outcomes of planned stops, per night and over time.

After a night the teams record per visited address the outcome (the contract's inspection
outcomes); they are stored as inspections and feed the next ranking. This module reads a
night's planned stops beside the inspections and says what the night did:

- an inspection belongs to a night when its address was a planned stop of that night and
  it took place between :data:`OUTCOME_WINDOW_BEFORE` before the first planned arrival and
  :data:`OUTCOME_WINDOW_AFTER` after the last planned departure (teams run late, and record
  outcomes the next morning with the visit's time);
- a find is an outcome the contract counts as a confirmed find;
- patrol hours are the hours the teams were driving or at an address (planned service time
  plus planned driving), the effort a night costs;
- "top" stops are the addresses the ranking had within its first ``top_n`` when the night
  was planned: their find rate beside that of the other visited addresses shows whether the
  ranking's top did better than the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from buitengebied.contract import CONFIRMED_FINDS

OUTCOME_WINDOW_BEFORE: Final = pd.Timedelta(hours=2)
OUTCOME_WINDOW_AFTER: Final = pd.Timedelta(hours=36)
DEFAULT_TOP_N: Final = 100

_OUTCOME_COLUMNS: Final = (
    "night",
    "planned",
    "visited",
    "finds",
    "patrol_hours",
    "finds_per_patrol_hour",
    "top_visited",
    "top_finds",
    "rest_visited",
    "rest_finds",
)


@dataclass(frozen=True)
class NightPlan:
    """The planned stops and routes of one night, as the plan files hold them.

    Attributes
    ----------
    night : datetime.date
        The evening the night began.
    stops : pandas.DataFrame
        The ``stops`` layer: ``team``, ``address_id`` (empty for a place stop),
        ``arrival``, ``departure`` (ISO datetimes) and ``rank`` (0 for a place stop).
    routes : pandas.DataFrame
        The ``routes`` layer: ``team``, ``drive_minutes``.
    """

    night: dt.date
    stops: pd.DataFrame
    routes: pd.DataFrame


def night_outcomes(
    plans: Sequence[NightPlan], inspections: pd.DataFrame, *, top_n: int = DEFAULT_TOP_N
) -> pd.DataFrame:
    """Return per night what its planned address stops led to.

    Parameters
    ----------
    plans : sequence of NightPlan
        The nights, in any order.
    inspections : pandas.DataFrame
        The inspections layer (files and store): ``address_id``, ``inspected_at``
        (timezone-aware), ``outcome``.
    top_n : int, default 100
        Ranks that count as the ranking's top.

    Returns
    -------
    pandas.DataFrame
        One row per night, oldest first: ``night``, ``planned`` (address stops),
        ``visited`` (of those with a recorded outcome), ``finds``, ``patrol_hours``,
        ``finds_per_patrol_hour`` (NaN without hours), ``top_visited``, ``top_finds``,
        ``rest_visited``, ``rest_finds``.
    """
    rows = [_night_row(plan, inspections, top_n=top_n) for plan in plans]
    frame = pd.DataFrame(rows, columns=list(_OUTCOME_COLUMNS))
    return frame.sort_values("night", kind="stable").reset_index(drop=True)


def outcome_totals(outcomes: pd.DataFrame) -> dict[str, float]:
    """Return the nights of :func:`night_outcomes` summed, with rates over all of them.

    Returns
    -------
    dict
        ``nights``, ``visited``, ``finds``, ``patrol_hours``, ``finds_per_patrol_hour``,
        ``top_find_rate`` and ``rest_find_rate`` (finds per visited address; NaN when no
        address of that group was visited).
    """
    total = {name: float(outcomes[name].sum()) for name in _OUTCOME_COLUMNS[1:] if name != "night"}
    return {
        "nights": float(len(outcomes)),
        "visited": total["visited"],
        "finds": total["finds"],
        "patrol_hours": total["patrol_hours"],
        "finds_per_patrol_hour": _rate(total["finds"], total["patrol_hours"]),
        "top_find_rate": _rate(total["top_finds"], total["top_visited"]),
        "rest_find_rate": _rate(total["rest_finds"], total["rest_visited"]),
    }


def _night_row(plan: NightPlan, inspections: pd.DataFrame, *, top_n: int) -> dict[str, object]:
    stops = plan.stops[plan.stops["address_id"].fillna("").astype(str) != ""]
    outcome = _outcome_per_stop(stops, inspections)
    visited = outcome.notna()
    found = outcome.isin(CONFIRMED_FINDS)
    top = stops["rank"].astype(int).between(1, top_n).to_numpy()
    hours = _patrol_hours(plan)
    return {
        "night": plan.night,
        "planned": len(stops),
        "visited": int(visited.sum()),
        "finds": int(found.sum()),
        "patrol_hours": hours,
        "finds_per_patrol_hour": _rate(float(found.sum()), hours),
        "top_visited": int((visited & top).sum()),
        "top_finds": int((found & top).sum()),
        "rest_visited": int((visited & ~top).sum()),
        "rest_finds": int((found & ~top).sum()),
    }


def _outcome_per_stop(stops: pd.DataFrame, inspections: pd.DataFrame) -> pd.Series:
    """The latest outcome recorded for each stop within the night's window (NaN: none)."""
    if stops.empty:
        return pd.Series([], dtype=object)
    arrival = pd.to_datetime(stops["arrival"], utc=True)
    departure = pd.to_datetime(stops["departure"], utc=True)
    start, end = arrival.min() - OUTCOME_WINDOW_BEFORE, departure.max() + OUTCOME_WINDOW_AFTER
    moments = pd.to_datetime(inspections["inspected_at"], utc=True)
    in_night = inspections[(moments >= start) & (moments <= end)].assign(_at=moments)
    latest = in_night.sort_values("_at", kind="stable").groupby("address_id")["outcome"].last()
    return pd.Series(
        stops["address_id"].astype(str).map(latest).to_numpy(dtype=object), index=stops.index
    )


def _patrol_hours(plan: NightPlan) -> float:
    arrival = pd.to_datetime(plan.stops["arrival"], utc=True)
    departure = pd.to_datetime(plan.stops["departure"], utc=True)
    service = float((departure - arrival).dt.total_seconds().sum()) / 3600.0
    return service + float(plan.routes["drive_minutes"].astype(float).sum()) / 60.0


def _rate(count: float, per: float) -> float:
    return count / per if per > 0 else float(np.nan)
