"""The routing core: a prize-collecting team orienteering problem with time windows.

Every team (vehicle) leaves its start within its shift and is back at its end before the
shift ends, service time at every stop included. Every candidate stop may be skipped at a
penalty equal to its prize (OR-Tools disjunctions), so minimising travel plus penalties
collects the most prize the shifts allow; travel only breaks ties. Times are whole seconds
counted from an anchor before the earliest shift, so a shift passing midnight needs no
special case. A stop may only go to its allowed teams (safety and focus), set as
``VehicleVar(index).SetValues([-1, *allowed])`` (``SetAllowedVehiclesForIndex`` raises a
``TypeError`` in OR-Tools 9.15). ``max_stops`` is a count dimension. The search starts from
the cheapest arc and improves with guided local search until the time limit: greedy
descent alone stalls early with disjunctions.

:func:`greedy_routes` is the baseline of the benchmark: each team drives to the nearest
stop it may still fit in, as a patrol without a plan would.

This module knows nothing of addresses or files: matrices and lists in, routes out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

#: Penalty of the largest prize; others scale with it. Large against any route's seconds,
#: so that a stop is never skipped to save driving.
_PENALTY_OF_LARGEST_PRIZE: Final = 10_000_000


@dataclass(frozen=True)
class RoutingProblem:
    """One night's routing, in seconds from the anchor.

    Attributes
    ----------
    travel_seconds : numpy.ndarray
        ``(2 * V + C, 2 * V + C)`` whole seconds between locations: team ``v`` starts at
        ``2 * v`` and ends at ``2 * v + 1``; candidate ``c`` is location ``2 * V + c``.
    prizes : numpy.ndarray
        ``(C,)`` prize of each candidate (>= 0).
    allowed : list of tuple of int
        Per candidate, the teams that may visit it (non-empty).
    shifts : list of tuple of int
        Per team, ``(start, end)`` of its shift in seconds from the anchor.
    service_seconds : list of int
        Per team, time at each stop.
    max_stops : list of int or None
        Per team, its cap on stops.
    """

    travel_seconds: np.ndarray
    prizes: np.ndarray
    allowed: list[tuple[int, ...]]
    shifts: list[tuple[int, int]]
    service_seconds: list[int]
    max_stops: list[int | None]

    @property
    def n_teams(self) -> int:
        """Number of teams."""
        return len(self.shifts)

    @property
    def n_candidates(self) -> int:
        """Number of candidate stops."""
        return len(self.prizes)

    def location(self, candidate: int) -> int:
        """Return the location index of a candidate."""
        return 2 * self.n_teams + candidate

    def timeline(self, team: int, stops: Sequence[int]) -> list[tuple[int, int]]:
        """Return ``(arrival, departure)`` of each stop, leaving at the shift's start.

        Parameters
        ----------
        team : int
            The team.
        stops : sequence of int
            Candidates in the order driven.

        Returns
        -------
        list of tuple of int
            Seconds from the anchor.
        """
        clock, here, times = self.shifts[team][0], 2 * team, []
        for stop in stops:
            clock += int(self.travel_seconds[here, self.location(stop)])
            times.append((clock, clock + self.service_seconds[team]))
            clock, here = clock + self.service_seconds[team], self.location(stop)
        return times

    def return_seconds(self, team: int, stops: Sequence[int]) -> int:
        """Return when the team is back at its end, leaving at its shift's start."""
        if not stops:
            return self.shifts[team][0] + int(self.travel_seconds[2 * team, 2 * team + 1])
        _, departure = self.timeline(team, stops)[-1]
        return departure + int(self.travel_seconds[self.location(stops[-1]), 2 * team + 1])


def solve_routes(problem: RoutingProblem, *, time_limit_seconds: float) -> list[list[int]]:
    """Return the stops of each team, in order, that collect the most prize.

    Parameters
    ----------
    problem : RoutingProblem
        The night.
    time_limit_seconds : float
        How long guided local search may run.

    Returns
    -------
    list of list of int
        Per team, candidate indices in the order driven (feasible: see
        :meth:`RoutingProblem.timeline`); all empty when no route is possible.
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n_teams = problem.n_teams
    n_locations = len(problem.travel_seconds)
    starts = [2 * v for v in range(n_teams)]
    ends = [2 * v + 1 for v in range(n_teams)]
    manager = pywrapcp.RoutingIndexManager(n_locations, n_teams, starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    travel = problem.travel_seconds.astype(np.int64)
    is_candidate = np.arange(n_locations) >= 2 * n_teams

    def drive(from_index: int, to_index: int) -> int:
        return int(travel[manager.IndexToNode(from_index), manager.IndexToNode(to_index)])

    def shift_step(service: int) -> int:
        def step(from_index: int, to_index: int) -> int:
            origin = manager.IndexToNode(from_index)
            own = service if is_candidate[origin] else 0
            return own + int(travel[origin, manager.IndexToNode(to_index)])

        return routing.RegisterTransitCallback(step)

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(drive))
    steps = [shift_step(service) for service in problem.service_seconds]
    horizon = max(end for _, end in problem.shifts)
    routing.AddDimensionWithVehicleTransits(steps, 0, horizon, False, "time")
    time = routing.GetDimensionOrDie("time")
    for team, (start, end) in enumerate(problem.shifts):
        time.CumulVar(routing.Start(team)).SetRange(start, end)
        time.CumulVar(routing.End(team)).SetRange(start, end)

    def count(from_index: int) -> int:
        return int(is_candidate[manager.IndexToNode(from_index)])

    caps = [cap if cap is not None else problem.n_candidates for cap in problem.max_stops]
    routing.AddDimensionWithVehicleCapacity(
        routing.RegisterUnaryTransitCallback(count), 0, caps, True, "count"
    )
    largest = float(problem.prizes.max()) if problem.n_candidates else 1.0
    for candidate, prize in enumerate(problem.prizes):
        index = manager.NodeToIndex(problem.location(candidate))
        penalty = round(_PENALTY_OF_LARGEST_PRIZE * float(prize) / largest) if largest > 0 else 0
        routing.AddDisjunction([index], max(int(penalty), 1))
        routing.VehicleVar(index).SetValues([-1, *problem.allowed[candidate]])

    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    parameters.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    parameters.time_limit.FromMilliseconds(max(int(time_limit_seconds * 1000), 1))
    solution = routing.SolveWithParameters(parameters)
    if solution is None:
        return [[] for _ in range(n_teams)]
    routes = []
    for team in range(n_teams):
        index, stops = solution.Value(routing.NextVar(routing.Start(team))), []
        while not routing.IsEnd(index):
            stops.append(manager.IndexToNode(index) - 2 * n_teams)
            index = solution.Value(routing.NextVar(index))
        routes.append(stops)
    return routes


def greedy_routes(problem: RoutingProblem) -> list[list[int]]:
    """Return nearest-neighbour routes: the baseline a plan must beat.

    The team whose clock is earliest drives to the nearest candidate it may visit and can
    still serve and return from within its shift; a team with no such candidate goes home.

    Parameters
    ----------
    problem : RoutingProblem
        The night.

    Returns
    -------
    list of list of int
        Per team, candidate indices in the order driven.
    """
    routes: list[list[int]] = [[] for _ in range(problem.n_teams)]
    clocks = [start for start, _ in problem.shifts]
    here = [2 * team for team in range(problem.n_teams)]
    open_teams, unvisited = set(range(problem.n_teams)), set(range(problem.n_candidates))
    while open_teams:
        team = min(open_teams, key=lambda v: (clocks[v], v))
        choice = _nearest_feasible(problem, team, here[team], clocks[team], unvisited)
        cap = problem.max_stops[team]
        if choice is None or (cap is not None and len(routes[team]) >= cap):
            open_teams.discard(team)
            continue
        routes[team].append(choice)
        unvisited.discard(choice)
        location = problem.location(choice)
        clocks[team] += int(problem.travel_seconds[here[team], location])
        clocks[team] += problem.service_seconds[team]
        here[team] = location
    return routes


def _nearest_feasible(
    problem: RoutingProblem, team: int, here: int, clock: int, unvisited: set[int]
) -> int | None:
    best: tuple[int, int] | None = None
    end = 2 * team + 1
    for candidate in unvisited:
        if team not in problem.allowed[candidate]:
            continue
        location = problem.location(candidate)
        drive = int(problem.travel_seconds[here, location])
        back = clock + drive + problem.service_seconds[team]
        back += int(problem.travel_seconds[location, end])
        if back <= problem.shifts[team][1] and (best is None or (drive, candidate) < best):
            best = (drive, candidate)
    return None if best is None else best[1]
