"""One patrol night, from the ranking to routes: :func:`plan_patrol_night`.

The steps, each in its own module:

1. candidates: the riskiest addresses (``drugs``) by prize = score x coverage factor
   (:mod:`~buitengebied.planning.coverage`), and for green focuses the place stops
   (:mod:`~buitengebied.planning.green`);
2. safety: warnings per address (:mod:`~buitengebied.planning.safety`); a warned address
   may only go to a team with police; a stop may only go to a team whose focus holds its
   theme;
3. travel times over the roads or straight lines (:mod:`~buitengebied.planning.roads`);
4. routes that collect the most prize within the shifts (:mod:`~buitengebied.planning.solver`);
5. with a coverage strength above 0, the same night planned on risk alone, to report what
   coverage cost and what it reached.

:func:`plan_patrol_night` does no I/O (the app calls it on a dataset it holds);
:func:`plan_directory` loads a data directory and a teams file first.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from buitengebied.dataset import Dataset, ProgressCallback
from buitengebied.errors import ContractError
from buitengebied.load.directory import load_data_dir
from buitengebied.load.timefilter import known_at
from buitengebied.planning.coverage import DEFAULT_COVERAGE_STRENGTH, Coverage, coverage
from buitengebied.planning.green import THEME_LABELS, green_places
from buitengebied.planning.roads import TravelModel, travel_model
from buitengebied.planning.safety import SafetyRule, address_warnings, default_safety_rules
from buitengebied.planning.solver import RoutingProblem, greedy_routes, solve_routes
from buitengebied.planning.teams import DRUGS, GREEN_THEMES, Team, load_teams
from buitengebied.scoring.choice import DEFAULT_MODEL_KIND, ModelKind
from buitengebied.scoring.ranking import rank_dataset
from buitengebied.settings import LOCAL_TIMEZONE, WORKING_CRS
from buitengebied.store.database import open_store
from buitengebied.store.merge import with_stored_records
from buitengebied.timeutil import parse_as_of

#: How routes are made: the solver, or the nearest-neighbour baseline.
Routing = Literal["solver", "greedy"]
#: Default number of candidate addresses handed to the solver (the highest prizes).
DEFAULT_MAX_CANDIDATES: Final = 300
#: Default time the solver may search (s).
DEFAULT_TIME_LIMIT_SECONDS: Final = 10.0
#: A place stop of a theme's heaviest spot is worth the address score at this quantile of
#: the candidates; lighter spots in proportion to their weight.
PLACE_PRIZE_QUANTILE: Final = 0.9


@dataclass(frozen=True)
class PlanStop:
    """One stop of a team's route.

    Attributes
    ----------
    team : str
        The team's name.
    order : int
        Position in the route, from 1.
    address_id : str
        The address; empty for a place stop.
    place : str
        Where (street, house number, place) or, for a place stop, what and where.
    theme : str
        ``drugs``, ``poaching``, ``illegal_fishing`` or ``litter``.
    arrival, departure : pandas.Timestamp
        Local time at and leaving the stop.
    score : float
        The address's risk score; for a place stop its prize on the same scale.
    warnings : tuple of str
        Safety warnings (empty when none).
    reason : str
        Why the stop is in the plan.
    x, y : float
        Where, in EPSG:28992.
    rank : int
        The address's rank in the ranking the plan used (1 = riskiest); 0 for a place stop.
    """

    team: str
    order: int
    address_id: str
    place: str
    theme: str
    arrival: pd.Timestamp
    departure: pd.Timestamp
    score: float
    warnings: tuple[str, ...]
    reason: str
    x: float
    y: float
    rank: int = 0


@dataclass(frozen=True)
class TeamRoute:
    """The route of one team.

    Attributes
    ----------
    team : Team
        Who drives it.
    stops : tuple of PlanStop
        In order.
    line : shapely.LineString
        The roads driven, start to end (straight legs without roads).
    leave, back : pandas.Timestamp
        Leaving the start; back at the end.
    drive_minutes : float
        Time behind the wheel.
    collected_score : float
        Sum of the stops' scores.
    """

    team: Team
    stops: tuple[PlanStop, ...]
    line: shapely.LineString
    leave: pd.Timestamp
    back: pd.Timestamp
    drive_minutes: float
    collected_score: float


@dataclass(frozen=True)
class CoverageEffect:
    """What the coverage factor did to the night (see :mod:`~buitengebied.planning.coverage`).

    Attributes
    ----------
    strength : float
        The strength used.
    collected_score : float
        Risk score collected at the address stops of the plan.
    reference_score : float or None
        The same with strength 0 (``None`` when not compared).
    new_areas : int
        Cells nobody inspected within the horizon that the plan visits.
    reference_new_areas : int or None
        The same for the plan with strength 0.
    """

    strength: float
    collected_score: float
    reference_score: float | None
    new_areas: int
    reference_new_areas: int | None

    @property
    def score_given_up(self) -> float | None:
        """Risk score the coverage factor gave up against planning on risk alone."""
        if self.reference_score is None:
            return None
        return self.reference_score - self.collected_score


@dataclass(frozen=True)
class PatrolPlan:
    """A planned patrol night.

    Attributes
    ----------
    night : datetime.date
        The evening the night begins.
    as_of : pandas.Timestamp
        What the ranking and the checks knew.
    routes : tuple of TeamRoute
        One per team, in the teams file's order.
    travel_basis : str
        How travel times were computed (says plainly when no roads were used).
    uses_roads : bool
        Whether travel followed the ``roads`` layer.
    coverage : CoverageEffect
        What the coverage factor did.
    candidates : int
        Candidate stops considered.
    warned_candidates : int
        Of which addresses with safety warnings (only for teams with police).
    notes : tuple of str
        Anything else the plan should say.
    """

    night: dt.date
    as_of: pd.Timestamp
    routes: tuple[TeamRoute, ...]
    travel_basis: str
    uses_roads: bool
    coverage: CoverageEffect
    candidates: int
    warned_candidates: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def stops(self) -> list[PlanStop]:
        """Every stop, team by team."""
        return [stop for route in self.routes for stop in route.stops]

    def stops_frame(self) -> gpd.GeoDataFrame:
        """Return the ``stops`` layer of the contract (plus ``reason``, ``rank``), EPSG:28992."""
        rows = [
            {
                "team": s.team,
                "order": s.order,
                "address_id": s.address_id,
                "place": s.place,
                "theme": s.theme,
                "arrival": s.arrival.isoformat(),
                "departure": s.departure.isoformat(),
                "score": s.score,
                "warnings": "; ".join(s.warnings),
                "reason": s.reason,
                "rank": s.rank,
            }
            for s in self.stops
        ]
        columns = ["team", "order", "address_id", "place", "theme", "arrival", "departure"]
        columns += ["score", "warnings", "reason", "rank"]
        geometry = shapely.points([(s.x, s.y) for s in self.stops]) if rows else []
        return gpd.GeoDataFrame(
            pd.DataFrame(rows, columns=columns), geometry=geometry, crs=WORKING_CRS
        )

    def routes_frame(self) -> gpd.GeoDataFrame:
        """Return the ``routes`` layer of the contract, one line per team, EPSG:28992."""
        frame = pd.DataFrame(
            {
                "team": [r.team.name for r in self.routes],
                "drive_minutes": [round(r.drive_minutes, 1) for r in self.routes],
                "collected_score": [r.collected_score for r in self.routes],
            }
        )
        lines = [r.line for r in self.routes]
        return gpd.GeoDataFrame(frame, geometry=lines, crs=WORKING_CRS)

    def partner_summary(self) -> pd.DataFrame:
        """Per theme: stops, the teams that serve it and the score collected."""
        rows = []
        for theme, label in THEME_LABELS.items():
            stops = [s for s in self.stops if s.theme == theme]
            wanted = [r.team.name for r in self.routes if theme in r.team.focus]
            if not stops and not wanted:
                continue
            rows.append(
                {
                    "theme": theme,
                    "label": label,
                    "teams": ", ".join(wanted),
                    "stops": len(stops),
                    "score": sum(s.score for s in stops),
                }
            )
        return pd.DataFrame(rows, columns=["theme", "label", "teams", "stops", "score"])


@dataclass(frozen=True)
class _Candidates:
    """Candidate stops, side by side (lists and arrays of equal length)."""

    address_ids: list[str]
    places: list[str]
    themes: list[str]
    points: np.ndarray
    scores: np.ndarray
    ranks: np.ndarray
    prizes: np.ndarray
    warnings: list[tuple[str, ...]]
    reasons: list[str]
    allowed: list[tuple[int, ...]]
    new_area: np.ndarray
    cell: np.ndarray

    def take(self, keep: Sequence[int]) -> _Candidates:
        """Return the candidates at ``keep``, in that order."""
        index = np.asarray(keep, dtype=int)
        values: dict[str, Any] = {}
        for name in _FIELDS:
            value = getattr(self, name)
            values[name] = [value[i] for i in index] if isinstance(value, list) else value[index]
        return _Candidates(**values)

    def __add__(self, other: _Candidates) -> _Candidates:
        values: dict[str, Any] = {}
        for name in _FIELDS:
            mine, theirs = getattr(self, name), getattr(other, name)
            values[name] = (
                mine + theirs if isinstance(mine, list) else np.concatenate([mine, theirs])
            )
        return _Candidates(**values)


_FIELDS: Final = tuple(_Candidates.__dataclass_fields__)


def plan_patrol_night(
    dataset: Dataset,
    ranking: pd.DataFrame,
    teams: Sequence[Team],
    *,
    night: dt.date,
    as_of: pd.Timestamp,
    safety_rules: Sequence[SafetyRule] | None = None,
    coverage_strength: float = DEFAULT_COVERAGE_STRENGTH,
    time_limit_seconds: float = DEFAULT_TIME_LIMIT_SECONDS,
    max_candidates: int = DEFAULT_MAX_CANDIDATES,
    compare_coverage: bool = True,
    routing: Routing = "solver",
    factor_titles: Mapping[str, str] | None = None,
    on_progress: ProgressCallback | None = None,
) -> PatrolPlan:
    """Plan one patrol night (see the module); no I/O.

    Parameters
    ----------
    dataset : Dataset
        All validated records (records after ``as_of`` are ignored).
    ranking : pandas.DataFrame
        The ranking at ``as_of``: ``address_id``, ``score``, ``rank``, ``top_factors``.
    teams : sequence of Team
        Who goes out (:func:`buitengebied.planning.teams.load_teams`).
    night : datetime.date
        The evening the night begins; shifts are placed on it.
    as_of : pandas.Timestamp
        What the ranking, the checks and the coverage knew.
    safety_rules : sequence of SafetyRule, optional
        Default: the packaged rules.
    coverage_strength : float, default 0.5
        0 (risk alone) to 1 (see :mod:`~buitengebied.planning.coverage`).
    time_limit_seconds : float, default 10
        Search time of each solve (the comparison at strength 0 takes as long again).
    max_candidates : int, default 300
        Addresses handed to the solver, highest prizes first.
    compare_coverage : bool, default True
        With strength > 0, also plan on risk alone to report the effect.
    routing : {"solver", "greedy"}, default "solver"
        ``greedy``: nearest-neighbour routes over the same candidates and travel times,
        the baseline a plan is compared with (:func:`~buitengebied.planning.solver.greedy_routes`).
    factor_titles : mapping, optional
        Readable title per factor name (the layer files' ``title``), used in each stop's
        reason; a factor without one keeps its name.
    on_progress : callable, optional
        Receives ``(step, fraction)``.

    Returns
    -------
    PatrolPlan

    Raises
    ------
    ContractError
        No teams, or an option out of range.
    """
    if not teams:
        raise ContractError("no teams: the teams file must hold at least one [[team]]")
    if routing not in ("solver", "greedy"):
        raise ContractError(f"routing must be 'solver' or 'greedy', not {routing!r}")
    if max_candidates < 1 or time_limit_seconds <= 0:
        raise ContractError("max_candidates must be >= 1 and time_limit_seconds > 0")
    if not 0.0 <= coverage_strength <= 1.0:
        raise ContractError(f"coverage strength must lie in 0..1, not {coverage_strength}")
    progress = on_progress or (lambda step, fraction: None)
    progress("records known at as-of", 0.0)
    known = known_at(dataset, as_of)
    rules = list(safety_rules) if safety_rules is not None else default_safety_rules()
    progress("candidates and safety checks", 0.1)
    candidates, considered = _candidates(
        known,
        ranking,
        teams,
        as_of=as_of,
        rules=rules,
        strength=coverage_strength,
        max_candidates=max_candidates,
        factor_titles=factor_titles or {},
    )
    progress("travel times", 0.2)
    travel = travel_model(known.layer("roads"))
    anchor = min(team.shift(night)[0] for team in teams)
    problem = _problem(candidates, teams, travel, night=night, anchor=anchor)
    progress("routes (solver)", 0.3)
    if routing == "greedy":
        routes = greedy_routes(problem)
    else:
        routes = solve_routes(problem, time_limit_seconds=time_limit_seconds)
    effect = _coverage_effect(
        candidates,
        problem,
        routes,
        strength=coverage_strength,
        compare=compare_coverage,
        time_limit_seconds=time_limit_seconds,
        progress=progress,
    )
    progress("route lines", 0.9)
    built = tuple(
        _route(team, v, routes[v], candidates, problem, travel, anchor)
        for v, team in enumerate(teams)
    )
    progress("done", 1.0)
    warned = sum(1 for w in considered.warnings if w)
    return PatrolPlan(
        night=night,
        as_of=as_of,
        routes=built,
        travel_basis=travel.description,
        uses_roads=travel.uses_roads,
        coverage=effect,
        candidates=len(considered.address_ids),
        warned_candidates=warned,
        notes=_notes(considered),
    )


def _candidates(
    known: Dataset,
    ranking: pd.DataFrame,
    teams: Sequence[Team],
    *,
    as_of: pd.Timestamp,
    rules: Sequence[SafetyRule],
    strength: float,
    max_candidates: int,
    factor_titles: Mapping[str, str],
) -> tuple[_Candidates, _Candidates]:
    """Return the candidates some team may visit, and all of them."""
    addresses = _address_candidates(
        known, ranking, teams, as_of, rules, strength, max_candidates, factor_titles
    )
    places = _place_candidates(known, teams, as_of, strength, reference=addresses)
    every = addresses + places
    return every.take([i for i, allowed in enumerate(every.allowed) if allowed]), every


def _empty_candidates() -> _Candidates:
    return _Candidates(
        [],
        [],
        [],
        np.zeros((0, 2)),
        np.zeros(0),
        np.zeros(0, dtype=int),
        np.zeros(0),
        [],
        [],
        [],
        np.zeros(0, dtype=bool),
        np.zeros(0, dtype=object),
    )


def _address_candidates(
    known: Dataset,
    ranking: pd.DataFrame,
    teams: Sequence[Team],
    as_of: pd.Timestamp,
    rules: Sequence[SafetyRule],
    strength: float,
    max_candidates: int,
    factor_titles: Mapping[str, str],
) -> _Candidates:
    drug_teams = [v for v, team in enumerate(teams) if DRUGS in team.focus]
    scored = ranking[ranking["score"] > 0]
    if not drug_teams or len(scored) == 0:
        return _empty_candidates()
    located = known.addresses.set_index("address_id").loc[scored["address_id"]]
    points = shapely.get_coordinates(located.geometry.to_numpy())
    cover = coverage(known, points, list(scored["address_id"]), as_of=as_of, strength=strength)
    prizes = scored["score"].to_numpy(dtype=float) * cover.factor
    order = np.lexsort((scored["rank"].to_numpy(), -prizes))[:max_candidates]
    chosen = scored.iloc[order]
    ids = [str(a) for a in chosen["address_id"]]
    warnings = address_warnings(known, ids, as_of=as_of, rules=rules)
    police = tuple(v for v in drug_teams if teams[v].has_police)
    allowed = [police if warnings[a] else tuple(drug_teams) for a in ids]
    return _Candidates(
        address_ids=ids,
        places=[_address_text(located.loc[a]) for a in ids],
        themes=[DRUGS] * len(ids),
        points=points[order],
        scores=chosen["score"].to_numpy(dtype=float),
        ranks=chosen["rank"].to_numpy(dtype=int),
        prizes=prizes[order],
        warnings=[warnings[a] for a in ids],
        reasons=[
            _address_reason(score, rank, factors, cover, i, factor_titles)
            for score, rank, factors, i in zip(
                chosen["score"], chosen["rank"], chosen["top_factors"], order, strict=True
            )
        ],
        allowed=allowed,
        new_area=cover.new_area[order],
        cell=cover.cell[order],
    )


def _address_text(row: pd.Series) -> str:
    def part(key: str) -> str:
        value = row.get(key)
        return "" if value is None or pd.isna(value) else str(value).strip()

    street = " ".join(p for p in (part("street"), part("housenumber")) if p)
    return ", ".join(p for p in (street, part("place")) if p)


def _address_reason(
    score: float,
    rank: int,
    factors: object,
    cover: Coverage,
    index: int,
    factor_titles: Mapping[str, str],
) -> str:
    names = [] if factors is None or pd.isna(factors) else str(factors).split(";")
    named = ", ".join(factor_titles.get(name, name) for name in names if name)
    text = f"risico {score:.2f} (rang {rank})" + (f": {named}" if named else "")
    if cover.new_area[index]:
        text += "; gebied lang niet bezocht"
    if cover.recently_visited[index]:
        text += "; onlangs nog bezocht (telt minder)"
    return text


def _place_candidates(
    known: Dataset,
    teams: Sequence[Team],
    as_of: pd.Timestamp,
    strength: float,
    *,
    reference: _Candidates,
) -> _Candidates:
    themes = [t for t in GREEN_THEMES if any(t in team.focus for team in teams)]
    places = green_places(known, themes, as_of=as_of)
    if not places:
        return _empty_candidates()
    scores = reference.scores
    scale = float(np.quantile(scores, PLACE_PRIZE_QUANTILE)) if len(scores) else 1.0
    heaviest = {t: max(p.weight for p in places if p.theme == t) for t in {p.theme for p in places}}
    scores = np.array([scale * p.weight / heaviest[p.theme] for p in places])
    points = np.array([(p.x, p.y) for p in places])
    cover = coverage(known, points, [None] * len(places), as_of=as_of, strength=strength)
    return _Candidates(
        address_ids=[""] * len(places),
        places=[p.place for p in places],
        themes=[p.theme for p in places],
        points=points,
        scores=scores,
        ranks=np.zeros(len(places), dtype=int),
        prizes=scores * cover.factor,
        warnings=[()] * len(places),
        reasons=[
            f"plek met meldingen ({THEME_LABELS[p.theme]}, gewicht {p.weight:.1f})" for p in places
        ],
        allowed=[tuple(v for v, team in enumerate(teams) if p.theme in team.focus) for p in places],
        new_area=cover.new_area,
        cell=cover.cell,
    )


def _problem(
    candidates: _Candidates,
    teams: Sequence[Team],
    travel: TravelModel,
    *,
    night: dt.date,
    anchor: pd.Timestamp,
) -> RoutingProblem:
    ends = [point for team in teams for point in (team.start, team.end)]
    points = np.vstack([np.array(ends, dtype=float), candidates.points.reshape(-1, 2)])
    shifts = []
    for team in teams:
        start, end = team.shift(night)
        shifts.append((_seconds(start - anchor), _seconds(end - anchor)))
    return RoutingProblem(
        travel_seconds=np.ceil(travel.travel_seconds(points)).astype(np.int64),
        prizes=candidates.prizes,
        allowed=candidates.allowed,
        shifts=shifts,
        service_seconds=[math.ceil(team.service_minutes * 60) for team in teams],
        max_stops=[team.max_stops for team in teams],
    )


def _seconds(delta: pd.Timedelta) -> int:
    return int(delta.total_seconds())


def _coverage_effect(
    candidates: _Candidates,
    problem: RoutingProblem,
    routes: list[list[int]],
    *,
    strength: float,
    compare: bool,
    time_limit_seconds: float,
    progress: ProgressCallback,
) -> CoverageEffect:
    def collected(chosen: list[list[int]]) -> tuple[float, int]:
        stops = [c for route in chosen for c in route if candidates.themes[c] == DRUGS]
        new = {candidates.cell[c] for c in stops if candidates.new_area[c]}
        return float(candidates.scores[stops].sum()), len(new)

    score, new_areas = collected(routes)
    if not compare or strength == 0.0:
        return CoverageEffect(strength, score, None, new_areas, None)
    progress("reference plan on risk alone", 0.6)
    reference = solve_routes(
        replace(problem, prizes=candidates.scores), time_limit_seconds=time_limit_seconds
    )
    reference_score, reference_new = collected(reference)
    return CoverageEffect(strength, score, reference_score, new_areas, reference_new)


def _route(
    team: Team,
    vehicle: int,
    stops: list[int],
    candidates: _Candidates,
    problem: RoutingProblem,
    travel: TravelModel,
    anchor: pd.Timestamp,
) -> TeamRoute:
    times = problem.timeline(vehicle, stops)
    local = anchor.tz_convert(LOCAL_TIMEZONE)
    plan_stops = tuple(
        PlanStop(
            team=team.name,
            order=order,
            address_id=candidates.address_ids[c],
            place=candidates.places[c],
            theme=candidates.themes[c],
            arrival=local + pd.Timedelta(seconds=arrival),
            departure=local + pd.Timedelta(seconds=departure),
            score=float(candidates.scores[c]),
            warnings=candidates.warnings[c],
            reason=candidates.reasons[c],
            x=float(candidates.points[c][0]),
            y=float(candidates.points[c][1]),
            rank=int(candidates.ranks[c]),
        )
        for order, (c, (arrival, departure)) in enumerate(zip(stops, times, strict=True), start=1)
    )
    waypoints = [np.array(team.start)] + [candidates.points[c] for c in stops]
    waypoints.append(np.array(team.end))
    legs = [travel.path(a, b) for a, b in itertools.pairwise(waypoints)]
    line = shapely.LineString(np.vstack(legs)) if legs else shapely.LineString()
    locations = [2 * vehicle] + [problem.location(c) for c in stops] + [2 * vehicle + 1]
    drive = sum(int(problem.travel_seconds[a, b]) for a, b in itertools.pairwise(locations))
    return TeamRoute(
        team=team,
        stops=plan_stops,
        line=line,
        leave=local + pd.Timedelta(seconds=problem.shifts[vehicle][0]),
        back=local + pd.Timedelta(seconds=problem.return_seconds(vehicle, stops)),
        drive_minutes=drive / 60.0,
        collected_score=float(sum(s.score for s in plan_stops)),
    )


def _notes(candidates: _Candidates) -> tuple[str, ...]:
    notes = []
    skipped = sum(1 for a in candidates.allowed if not a)
    if skipped:
        notes.append(
            f"{skipped} kandidaat(en) met veiligheidswaarschuwingen overgeslagen: "
            "geen team met politie dat ze mag bezoeken."
        )
    return tuple(notes)


def plan_directory(
    data_dir: Path,
    teams_file: Path,
    *,
    night: dt.date,
    as_of: pd.Timestamp | None = None,
    model: ModelKind = DEFAULT_MODEL_KIND,
    safety_rules: Sequence[SafetyRule] | None = None,
    coverage_strength: float = DEFAULT_COVERAGE_STRENGTH,
    time_limit_seconds: float = DEFAULT_TIME_LIMIT_SECONDS,
    max_candidates: int = DEFAULT_MAX_CANDIDATES,
    store_path: Path | None = None,
    on_progress: ProgressCallback | None = None,
) -> PatrolPlan:
    """Load a data directory and a teams file, rank, and plan the night.

    Parameters
    ----------
    data_dir : Path
        A directory following the data contract.
    teams_file : Path
        The ``TEAMS.toml``.
    night : datetime.date
        The evening the night begins.
    as_of : pandas.Timestamp, optional
        What the ranking knows; default the night's date (00:00 local time).
    model : {"expert", "learned", "auto"}
        The ranking's model (as ``buitengebied rank``).
    safety_rules, coverage_strength, time_limit_seconds, max_candidates, on_progress
        See :func:`plan_patrol_night`.
    store_path : Path, optional
        The app's store: its reports and inspections count as the files' do (also for
        the safety checks and coverage).

    Returns
    -------
    PatrolPlan
    """
    teams = load_teams(teams_file)
    moment = as_of if as_of is not None else parse_as_of(night.isoformat())
    dataset = load_data_dir(data_dir, on_progress=_share(on_progress, 0.0, 0.2))
    if store_path is not None:
        with open_store(store_path) as store:
            dataset = with_stored_records(dataset, store)
    ranking = rank_dataset(
        dataset, as_of=moment, model=model, on_progress=_share(on_progress, 0.2, 0.4)
    )
    return plan_patrol_night(
        dataset,
        ranking.scores.table,
        teams,
        night=night,
        as_of=moment,
        safety_rules=safety_rules,
        coverage_strength=coverage_strength,
        time_limit_seconds=time_limit_seconds,
        max_candidates=max_candidates,
        factor_titles={spec.name: spec.title for spec in ranking.analysis.specs},
        on_progress=_share(on_progress, 0.4, 1.0),
    )


def _share(
    on_progress: ProgressCallback | None, low: float, high: float
) -> ProgressCallback | None:
    """Return a callback that maps a step's 0..1 onto ``low..high`` of the whole."""
    if on_progress is None:
        return None
    report = on_progress

    def scaled(step: str, fraction: float) -> None:
        report(step, low + (high - low) * fraction)

    return scaled
