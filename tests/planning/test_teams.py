"""The teams file is read strictly: every problem named with its team and key."""

from __future__ import annotations

import datetime as dt

import pytest

from buitengebied.planning.teams import TeamKind, TeamsFileError, parse_teams

VALID = """
[[team]]
name = "Blauw 1"
kind = "police"
start = [214250, 455730]
shift_start = "22:00"
shift_end = "03:00"
service_minutes = 20
max_stops = 12

[[team]]
name = "Groen 1"
kind = "Ranger"
start = { lon = 6.3181, lat = 52.1056 }
end = [214250, 455730]
shift_start = "20:00"
shift_end = "23:30"
service_minutes = 15
focus = ["poaching", "illegal_fishing"]
"""


def test_valid_file_reads_every_field() -> None:
    blue, green = parse_teams(VALID)
    assert blue.kind is TeamKind.POLICE and blue.has_police
    assert blue.end == blue.start == (214250.0, 455730.0)
    assert blue.focus == ("drugs",) and blue.max_stops == 12
    assert green.kind is TeamKind.RANGER and not green.has_police
    assert green.max_stops is None and green.focus == ("poaching", "illegal_fishing")
    # Vorden lies near x 218 300, y 457 800 in RD New.
    assert green.start[0] == pytest.approx(218_800, abs=1_500)
    assert green.start[1] == pytest.approx(457_900, abs=1_500)


def test_shift_passing_midnight_ends_next_day() -> None:
    blue, green = parse_teams(VALID)
    start, end = blue.shift(dt.date(2026, 11, 6))
    assert start.isoformat() == "2026-11-06T22:00:00+01:00"
    assert end.isoformat() == "2026-11-07T03:00:00+01:00"
    start, end = green.shift(dt.date(2026, 11, 6))
    assert end.date() == start.date()


def test_every_problem_is_named_in_one_error() -> None:
    text = """
[[team]]
name = "Blauw 1"
kind = "polise"
start = [214250]
shift_start = "22:00"
shift_end = "25:00"
service_minuts = 20
focus = ["drugs", "fishing"]

[[team]]
name = "blauw 1"
kind = "boa"
start = [214250, 455730]
shift_start = "22:00"
shift_end = "23:00"
service_minutes = -5
"""
    with pytest.raises(TeamsFileError) as caught:
        parse_teams(text, source="teams.toml")
    message = str(caught.value)
    assert "teams.toml" in message
    assert "team 1 ('Blauw 1'): kind" in message and "did you mean 'police'" in message
    assert "team 1 ('Blauw 1'): start" in message
    assert "shift_end" in message
    assert "service_minuts: unknown key; did you mean 'service_minutes'" in message
    assert "'fishing' is no theme; did you mean 'illegal_fishing'" in message
    assert "team 2 ('blauw 1'): service_minutes" in message


def test_duplicate_names_and_empty_files_are_refused() -> None:
    one = VALID.split("[[team]]")[1]
    with pytest.raises(TeamsFileError, match="names are unique"):
        parse_teams("[[team]]" + one + "[[team]]" + one)
    with pytest.raises(TeamsFileError, match="one or more"):
        parse_teams("")
    with pytest.raises(TeamsFileError, match="not valid TOML"):
        parse_teams("[[team]")


def test_start_outside_the_netherlands_is_refused() -> None:
    with pytest.raises(TeamsFileError, match="outside the Netherlands"):
        parse_teams(VALID.replace("[214250, 455730]\nshift_start", "[5, 5]\nshift_start", 1))
