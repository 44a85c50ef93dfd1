import datetime as dt

import numpy as np
import pandas as pd
import pytest

from buitengebied.planning.outcomes import NightPlan, night_outcomes, outcome_totals

NIGHT = dt.date(2026, 11, 6)


def _stops() -> pd.DataFrame:
    # Two teams: A visits a (rank 3) and b (rank 250); B visits c (rank 40) and a place.
    return pd.DataFrame(
        {
            "team": ["A", "A", "B", "B"],
            "address_id": ["a", "b", "c", ""],
            "arrival": [
                "2026-11-06T22:00:00+01:00",
                "2026-11-06T23:00:00+01:00",
                "2026-11-06T22:30:00+01:00",
                "2026-11-07T00:00:00+01:00",
            ],
            "departure": [
                "2026-11-06T22:20:00+01:00",
                "2026-11-06T23:20:00+01:00",
                "2026-11-06T23:00:00+01:00",
                "2026-11-07T00:15:00+01:00",
            ],
            "rank": [3, 250, 40, 0],
        }
    )


def _plan() -> NightPlan:
    routes = pd.DataFrame({"team": ["A", "B"], "drive_minutes": [60.0, 45.0]})
    return NightPlan(night=NIGHT, stops=_stops(), routes=routes)


def _inspections(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["address_id", "inspected_at", "outcome"])
    frame["inspected_at"] = pd.to_datetime(frame["inspected_at"], utc=True)
    return frame


def test_a_night_counts_visits_finds_and_hours() -> None:
    inspections = _inspections(
        [
            ("a", "2026-11-06T21:05:00Z", "cannabis_grow"),
            ("b", "2026-11-06T22:10:00Z", "nothing"),
            ("c", "2025-01-01T12:00:00Z", "drug_lab"),  # long before: another visit
            ("z", "2026-11-06T22:00:00Z", "storage"),  # not a planned stop
        ]
    )
    row = night_outcomes([_plan()], inspections).iloc[0]
    assert row["planned"] == 3
    assert row["visited"] == 2
    assert row["finds"] == 1
    # service 20 + 20 + 30 + 15 minutes, driving 60 + 45 minutes
    assert row["patrol_hours"] == pytest.approx((85 + 105) / 60)
    assert row["finds_per_patrol_hour"] == pytest.approx(1 / ((85 + 105) / 60))
    assert (row["top_visited"], row["top_finds"]) == (1, 1)
    assert (row["rest_visited"], row["rest_finds"]) == (1, 0)


def test_the_latest_outcome_of_the_night_counts() -> None:
    inspections = _inspections(
        [
            ("a", "2026-11-06T21:05:00Z", "signals"),
            ("a", "2026-11-07T09:00:00Z", "drug_lab"),
        ]
    )
    row = night_outcomes([_plan()], inspections).iloc[0]
    assert (row["visited"], row["finds"]) == (1, 1)


def test_totals_rate_top_against_rest() -> None:
    other = NightPlan(
        night=dt.date(2026, 10, 6),
        stops=_stops().assign(
            arrival=lambda f: f["arrival"].str.replace("2026-11-0", "2026-10-0"),
            departure=lambda f: f["departure"].str.replace("2026-11-0", "2026-10-0"),
        ),
        routes=pd.DataFrame({"team": ["A"], "drive_minutes": [30.0]}),
    )
    inspections = _inspections(
        [
            ("a", "2026-11-06T21:05:00Z", "cannabis_grow"),
            ("b", "2026-10-06T22:10:00Z", "storage"),
            ("c", "2026-10-06T21:40:00Z", "nothing"),
        ]
    )
    outcomes = night_outcomes([_plan(), other], inspections)
    assert list(outcomes["night"]) == [dt.date(2026, 10, 6), NIGHT]
    totals = outcome_totals(outcomes)
    assert totals["nights"] == 2
    assert (totals["visited"], totals["finds"]) == (3, 2)
    assert totals["top_find_rate"] == pytest.approx(1 / 2)
    assert totals["rest_find_rate"] == pytest.approx(1 / 1)


def test_a_night_without_outcomes_has_no_rate_of_finds_per_visit() -> None:
    outcomes = night_outcomes([_plan()], _inspections([]))
    totals = outcome_totals(outcomes)
    assert totals["visited"] == 0
    assert np.isnan(totals["top_find_rate"])
    assert totals["finds_per_patrol_hour"] == 0
