"""The routing core on small problems whose best answer is known by hand."""

from __future__ import annotations

import numpy as np

from buitengebied.planning.solver import RoutingProblem, greedy_routes, solve_routes


def _problem(
    points: list[tuple[float, float]],
    prizes: list[float],
    *,
    teams: int = 1,
    allowed: list[tuple[int, ...]] | None = None,
    shifts: list[tuple[int, int]] | None = None,
    service: int = 0,
    max_stops: list[int | None] | None = None,
) -> RoutingProblem:
    """Teams start and end at the origin; one second per metre (straight lines)."""
    locations = np.array([(0.0, 0.0)] * (2 * teams) + points)
    seconds = np.ceil(np.hypot(*(locations[:, None] - locations[None, :]).transpose(2, 0, 1)))
    return RoutingProblem(
        travel_seconds=seconds.astype(np.int64),
        prizes=np.array(prizes, dtype=float),
        allowed=allowed or [tuple(range(teams))] * len(points),
        shifts=shifts or [(0, 1000)] * teams,
        service_seconds=[service] * teams,
        max_stops=max_stops or [None] * teams,
    )


def _check_feasible(problem: RoutingProblem, routes: list[list[int]]) -> None:
    visited = [stop for route in routes for stop in route]
    assert len(visited) == len(set(visited))
    for team, route in enumerate(routes):
        assert all(team in problem.allowed[stop] for stop in route)
        assert problem.return_seconds(team, route) <= problem.shifts[team][1]
        cap = problem.max_stops[team]
        assert cap is None or len(route) <= cap


def test_collects_the_larger_prize_when_only_one_fits() -> None:
    # Out and back to either stop takes 800 s of a 1000 s shift: one stop fits.
    problem = _problem([(400, 0), (0, 400)], [1.0, 3.0])
    routes = solve_routes(problem, time_limit_seconds=1)
    assert routes == [[1]]
    _check_feasible(problem, routes)


def test_nearest_neighbour_takes_the_nearer_smaller_prize() -> None:
    problem = _problem([(390, 0), (0, 400)], [1.0, 3.0])
    assert greedy_routes(problem) == [[0]]
    assert solve_routes(problem, time_limit_seconds=1) == [[1]]


def test_service_time_counts_within_the_shift() -> None:
    # Two stops 100 m apart near the origin; with 400 s service only one fits in 1000 s.
    problem = _problem([(100, 0), (100, 100)], [1.0, 1.0], service=400)
    routes = solve_routes(problem, time_limit_seconds=1)
    assert len(routes[0]) == 1
    _check_feasible(problem, routes)
    both = _problem([(100, 0), (100, 100)], [1.0, 1.0], service=300)
    assert sorted(solve_routes(both, time_limit_seconds=1)[0]) == [0, 1]


def test_allowed_teams_max_stops_and_shifts_after_midnight() -> None:
    points = [(100.0 * k, 50.0) for k in range(1, 7)]
    # Team 1's shift starts 7 200 s after the anchor (e.g. 00:00 after a 22:00 anchor).
    problem = _problem(
        points,
        [5, 4, 3, 2, 1, 1],
        teams=2,
        allowed=[(0,), (0,), (1,), (1,), (0, 1), (0, 1)],
        shifts=[(0, 3000), (7200, 10_200)],
        max_stops=[2, None],
    )
    routes = solve_routes(problem, time_limit_seconds=1)
    _check_feasible(problem, routes)
    assert len(routes[0]) == 2 and set(routes[0]) == {0, 1}
    assert {2, 3} <= set(routes[1])
    arrivals = problem.timeline(1, routes[1])
    assert arrivals[0][0] >= 7200
    _check_feasible(problem, greedy_routes(problem))


def test_no_feasible_stop_gives_empty_routes() -> None:
    problem = _problem([(5000, 0)], [1.0])
    assert solve_routes(problem, time_limit_seconds=1) == [[]]
    assert greedy_routes(problem) == [[]]
