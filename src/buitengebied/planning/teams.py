"""The teams of a patrol night, read strictly from ``TEAMS.toml`` (data contract).

Every ``[[team]]`` table holds ``name`` (unique), ``kind`` (``police``, ``boa``, ``ranger``
or ``mixed``; mixed includes police), ``start`` (``[x, y]`` in EPSG:28992 or a table
``{lon = .., lat = ..}``), ``end`` (optional, default the start), ``shift_start`` and
``shift_end`` (``HH:MM``, local time; an end at or before the start lies on the next day),
``service_minutes`` (time at each stop), ``max_stops`` (optional) and ``focus`` (optional,
default ``["drugs"]``; any of drugs, poaching, illegal_fishing, litter).

As with the layer files, a key the contract does not know is refused (with a "did you
mean" where a known key is close), and every problem of the file is gathered into one
:class:`TeamsFileError` naming the file, the team and the key.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import shapely

from buitengebied.errors import BuitengebiedError, ContractError
from buitengebied.planning._messages import choice_hint
from buitengebied.projection import to_working_crs
from buitengebied.settings import LOCAL_TIMEZONE, NETHERLANDS_BOUNDS_RD


class TeamsFileError(BuitengebiedError, ValueError):
    """A teams file breaks the contract; the message lists every problem."""


class TeamKind(StrEnum):
    """Who a team is; ``mixed`` teams include police."""

    POLICE = "police"
    BOA = "boa"
    RANGER = "ranger"
    MIXED = "mixed"


#: What a night may serve: drug-risk addresses, and the green themes (report categories).
THEMES: Final = ("drugs", "poaching", "illegal_fishing", "litter")
DRUGS: Final = "drugs"
GREEN_THEMES: Final = ("poaching", "illegal_fishing", "litter")
_TEAM_KEYS: Final = (
    "name",
    "kind",
    "start",
    "end",
    "shift_start",
    "shift_end",
    "service_minutes",
    "max_stops",
    "focus",
)
_MAX_SHOWN: Final = 60


@dataclass(frozen=True)
class Team:
    """One team that goes out.

    Attributes
    ----------
    name : str
        Unique name, e.g. ``Blauw 1``.
    kind : TeamKind
        Police, BOA, ranger or mixed.
    start, end : tuple of float
        ``(x, y)`` in EPSG:28992 where the route starts and ends.
    shift_start, shift_end : datetime.time
        Local clock times; an end at or before the start lies on the next day.
    service_minutes : float
        Time spent at each stop.
    max_stops : int or None
        Cap on the number of stops.
    focus : tuple of str
        The themes the team's night serves (of :data:`THEMES`).
    """

    name: str
    kind: TeamKind
    start: tuple[float, float]
    end: tuple[float, float]
    shift_start: dt.time
    shift_end: dt.time
    service_minutes: float
    max_stops: int | None = None
    focus: tuple[str, ...] = (DRUGS,)

    @property
    def has_police(self) -> bool:
        """Whether police go with the team (``police`` or ``mixed``)."""
        return self.kind in (TeamKind.POLICE, TeamKind.MIXED)

    def shift(self, night: dt.date) -> tuple[pd.Timestamp, pd.Timestamp]:
        """Return the shift's start and end on ``night`` (the evening's date), local time.

        Parameters
        ----------
        night : datetime.date
            The date on which the night begins.

        Returns
        -------
        tuple of pandas.Timestamp
            Start and end, time-zone aware; the end lies on the next day when it is at or
            before the start on the clock.
        """
        start = pd.Timestamp(dt.datetime.combine(night, self.shift_start), tz=LOCAL_TIMEZONE)
        end_day = night if self.shift_end > self.shift_start else night + dt.timedelta(days=1)
        end = pd.Timestamp(dt.datetime.combine(end_day, self.shift_end), tz=LOCAL_TIMEZONE)
        return start, end


def parse_night(text: str) -> dt.date:
    """Parse a ``--night`` value: the ISO date (``YYYY-MM-DD``) on which the night begins.

    Raises
    ------
    ContractError
        ``text`` is not an ISO date.
    """
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ContractError(f"--night: {text!r} is not an ISO date (YYYY-MM-DD)") from None


def load_teams(path: Path) -> list[Team]:
    """Read and check a teams file.

    Parameters
    ----------
    path : Path
        The ``TEAMS.toml``.

    Returns
    -------
    list of Team
        In file order.

    Raises
    ------
    TeamsFileError
        The file cannot be read, is not TOML, or breaks the contract (every problem listed).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TeamsFileError(f"{path}: cannot read the teams file ({exc})") from exc
    return parse_teams(text, source=str(path))


def parse_teams(text: str, *, source: str = "TEAMS.toml") -> list[Team]:
    """Parse the text of a teams file (see :func:`load_teams`).

    Parameters
    ----------
    text : str
        TOML text.
    source : str, default "TEAMS.toml"
        How messages name the file.

    Returns
    -------
    list of Team

    Raises
    ------
    TeamsFileError
        Every problem of the file, in one message.
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TeamsFileError(f"{source}: not valid TOML ({exc})") from exc
    reader = _Reader(source)
    for key in document:
        if key != "team":
            reader.add("", key, "unknown key" + choice_hint(key, ["team"]))
    tables = document.get("team")
    if not isinstance(tables, list) or not tables:
        reader.add("", "team", "expected one or more [[team]] tables")
        tables = []
    teams = [_team(reader, number, table) for number, table in enumerate(tables, start=1)]
    _check_unique_names(reader, teams)
    if reader.problems:
        lines = [f"{source}: rejected, {len(reader.problems)} problem(s):"]
        raise TeamsFileError("\n  ".join(lines + reader.problems))
    return [team for team in teams if team is not None]


@dataclass
class _Reader:
    source: str
    problems: list[str] = field(default_factory=list)

    def add(self, team: str, key: str, problem: str) -> None:
        where = f"{team}: {key}" if team else key
        self.problems.append(f"{self.source}: {where}: {problem}")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _team(reader: _Reader, number: int, table: Any) -> Team | None:
    if not isinstance(table, dict):
        reader.add(f"team {number}", "", f"expected a [[team]] table, got {_shown(table)}")
        return None
    name = table.get("name")
    label = f"team {number} ({name!r})" if isinstance(name, str) else f"team {number}"
    before = len(reader.problems)
    for key in table:
        if key not in _TEAM_KEYS:
            reader.add(label, key, "unknown key" + choice_hint(key, _TEAM_KEYS))
    if not isinstance(name, str) or not name.strip():
        reader.add(label, "name", f"expected a non-empty text, got {_shown(name)}")
    kind = _kind(reader, label, table.get("kind"))
    start = _point(reader, label, "start", table.get("start"))
    end = _point(reader, label, "end", table["end"]) if "end" in table else start
    shift_start = _clock(reader, label, "shift_start", table.get("shift_start"))
    shift_end = _clock(reader, label, "shift_end", table.get("shift_end"))
    if shift_start is not None and shift_start == shift_end:
        reader.add(label, "shift_end", "equals shift_start; a shift needs a length")
    service = _number(reader, label, "service_minutes", table.get("service_minutes"))
    max_stops = _max_stops(reader, label, table.get("max_stops"))
    focus = _focus(reader, label, table.get("focus", [DRUGS]))
    if len(reader.problems) > before:
        return None
    assert kind and start and end and shift_start and shift_end and isinstance(name, str)
    return Team(name.strip(), kind, start, end, shift_start, shift_end, service, max_stops, focus)


def _kind(reader: _Reader, label: str, value: Any) -> TeamKind | None:
    choices = [kind.value for kind in TeamKind]
    if isinstance(value, str) and value.strip().lower() in choices:
        return TeamKind(value.strip().lower())
    hint = choice_hint(value, choices) if isinstance(value, str) else f"; expected one of {choices}"
    reader.add(label, "kind", f"{_shown(value)} is no team kind{hint}")
    return None


def _point(reader: _Reader, label: str, key: str, value: Any) -> tuple[float, float] | None:
    """Return ``(x, y)`` in EPSG:28992 from ``[x, y]`` or ``{lon = .., lat = ..}``."""
    if isinstance(value, Mapping) and set(value) == {"lon", "lat"} and _numbers(value.values()):
        point = shapely.points(float(value["lon"]), float(value["lat"]))
        rd = to_working_crs(np.array([point]), "EPSG:4326")[0]
        xy = (float(rd.x), float(rd.y))
    elif isinstance(value, list) and len(value) == 2 and _numbers(value):
        xy = (float(value[0]), float(value[1]))
    else:
        expected = "[x, y] in EPSG:28992 or a table {lon = .., lat = ..}"
        reader.add(label, key, f"expected {expected}, got {_shown(value)}")
        return None
    xmin, ymin, xmax, ymax = NETHERLANDS_BOUNDS_RD
    if not (xmin <= xy[0] <= xmax and ymin <= xy[1] <= ymax):
        reader.add(label, key, f"{_shown(value)} lies outside the Netherlands (EPSG:28992)")
        return None
    return xy


def _numbers(values: Any) -> bool:
    values = list(values)
    return all(
        isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v) for v in values
    )


def _clock(reader: _Reader, label: str, key: str, value: Any) -> dt.time | None:
    if isinstance(value, str):
        try:
            return dt.time.fromisoformat(value.strip())
        except ValueError:
            pass
    if isinstance(value, dt.time):
        return value
    reader.add(label, key, f'expected a clock time "HH:MM", got {_shown(value)}')
    return None


def _number(reader: _Reader, label: str, key: str, value: Any) -> float:
    if not _numbers([value]) or value < 0:
        reader.add(label, key, f"expected a number of minutes >= 0, got {_shown(value)}")
        return 0.0
    return float(value)


def _max_stops(reader: _Reader, label: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    reader.add(label, "max_stops", f"expected a whole number >= 1, got {_shown(value)}")
    return None


def _focus(reader: _Reader, label: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        reader.add(label, "focus", f"expected a list of themes, got {_shown(value)}")
        return ()
    themes: list[str] = []
    for item in value:
        theme = item.strip().lower() if isinstance(item, str) else item
        if theme not in THEMES:
            hint = choice_hint(theme, THEMES) if isinstance(theme, str) else ""
            reader.add(label, "focus", f"{_shown(item)} is no theme{hint}")
        elif theme not in themes:
            themes.append(theme)
    return tuple(themes)


def _check_unique_names(reader: _Reader, teams: list[Team | None]) -> None:
    seen: set[str] = set()
    for team in teams:
        if team is None:
            continue
        if team.name.lower() in seen:
            reader.add(f"team {team.name!r}", "name", "used by an earlier team; names are unique")
        seen.add(team.name.lower())
