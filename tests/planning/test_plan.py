"""Whole nights: the promises of the contract hold on every route."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import HOT_ADDRESS, ORIGIN_X, ORIGIN_Y
from planning_world import AS_OF, NIGHT, planning_dir, planning_world, write_planning_dir  # noqa: F401

from buitengebied.dataset import Dataset
from buitengebied.load.directory import load_data_dir
from buitengebied.planning.plan import PatrolPlan, plan_patrol_night
from buitengebied.planning.teams import Team, parse_teams
from buitengebied.scoring.ranking import rank_dataset
from buitengebied.timeutil import parse_as_of

TEAMS = f"""
[[team]]
name = "Blauw"
kind = "police"
start = [{ORIGIN_X}, {ORIGIN_Y}]
shift_start = "23:00"
shift_end = "03:00"
service_minutes = 40

[[team]]
name = "Boa"
kind = "boa"
start = [{ORIGIN_X + 4000}, {ORIGIN_Y}]
shift_start = "21:00"
shift_end = "23:30"
service_minutes = 15
focus = ["drugs", "litter"]

[[team]]
name = "Groen"
kind = "ranger"
start = [{ORIGIN_X}, {ORIGIN_Y}]
end = [{ORIGIN_X + 4000}, {ORIGIN_Y + 4000}]
shift_start = "22:00"
shift_end = "23:30"
service_minutes = 10
max_stops = 3
focus = ["poaching", "illegal_fishing"]
"""


def _plan(world: tuple[Dataset, pd.DataFrame], teams: list[Team], **options: object) -> PatrolPlan:
    dataset, ranking = world
    return plan_patrol_night(
        dataset,
        ranking,
        teams,
        night=NIGHT,
        as_of=parse_as_of(AS_OF),
        time_limit_seconds=1.0,
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def night(planning_world: tuple[Dataset, pd.DataFrame]) -> PatrolPlan:
    return _plan(planning_world, parse_teams(TEAMS))


def _check_contract(plan: PatrolPlan) -> None:
    """Every promise of the contract's patrol-night section."""
    visited = [s.address_id for s in plan.stops if s.address_id]
    assert len(visited) == len(set(visited)), "an address twice"
    for route in plan.routes:
        team = route.team
        start, end = team.shift(plan.night)
        line = shapely.get_coordinates(route.line)
        assert tuple(line[0]) == pytest.approx(team.start)
        assert tuple(line[-1]) == pytest.approx(team.end)
        assert start <= route.leave and route.back <= end
        clock = route.leave
        for order, stop in enumerate(route.stops, start=1):
            assert stop.order == order
            assert stop.arrival >= clock
            assert stop.departure - stop.arrival == pd.Timedelta(minutes=team.service_minutes)
            clock = stop.departure
            assert stop.theme in team.focus, "a stop outside the team's focus"
            if stop.warnings:
                assert team.has_police, "a warned address for a team without police"
        assert clock <= route.back
        assert route.collected_score == pytest.approx(sum(s.score for s in route.stops))


def test_every_route_keeps_the_contract(night: PatrolPlan) -> None:
    _check_contract(night)
    assert night.uses_roads
    assert sum(len(r.stops) for r in night.routes) > 5


def test_warned_addresses_go_to_police_only(night: PatrolPlan) -> None:
    by_team = {r.team.name: r for r in night.routes}
    assert night.warned_candidates >= 2
    hot = [s for s in night.stops if s.address_id == HOT_ADDRESS]
    assert len(hot) == 1 and hot[0].team == "Blauw" and hot[0].warnings
    assert all(not s.warnings for s in by_team["Boa"].stops)
    assert by_team["Boa"].stops, "the BOA team still gets addresses without warnings"


def test_green_team_serves_its_themes(night: PatrolPlan) -> None:
    green = next(r for r in night.routes if r.team.name == "Groen")
    assert {s.theme for s in green.stops} == {"poaching", "illegal_fishing"}
    assert all(s.address_id == "" and s.place for s in green.stops)
    summary = night.partner_summary().set_index("theme")
    assert summary.loc["poaching", "stops"] >= 1
    assert summary.loc["poaching", "teams"] == "Groen"


def test_shift_passing_midnight(night: PatrolPlan) -> None:
    blue = next(r for r in night.routes if r.team.name == "Blauw")
    assert blue.back.date() == NIGHT + dt.timedelta(days=1)
    assert any(s.arrival.date() == NIGHT + dt.timedelta(days=1) for s in blue.stops)


def test_layers_hold_the_contract_columns(night: PatrolPlan) -> None:
    stops = night.stops_frame()
    for column in ("team", "order", "address_id", "place", "theme", "arrival", "departure"):
        assert column in stops
    assert {"score", "warnings"} <= set(stops.columns)
    assert str(stops.crs) == "EPSG:28992" and len(stops) == len(night.stops)
    pd.Timestamp(stops["arrival"].iloc[0])  # ISO date-times
    routes = night.routes_frame()
    assert list(routes.columns) == ["team", "drive_minutes", "collected_score", "geometry"]
    assert (routes.geom_type == "LineString").all()


def test_coverage_effect_is_reported(
    planning_world: tuple[Dataset, pd.DataFrame], night: PatrolPlan
) -> None:
    assert night.coverage.reference_score is not None
    assert night.coverage.score_given_up is not None
    plain = _plan(planning_world, parse_teams(TEAMS), coverage_strength=0.0)
    assert plain.coverage.reference_score is None and plain.coverage.strength == 0.0
    _check_contract(plain)


def test_without_police_warned_addresses_stay_out(
    planning_world: tuple[Dataset, pd.DataFrame],
) -> None:
    boa = [t for t in parse_teams(TEAMS) if t.name == "Boa"]
    plan = _plan(planning_world, boa)
    _check_contract(plan)
    assert plan.notes and "geen team met politie" in plan.notes[0]
    assert all(not s.warnings for s in plan.stops)


def test_without_roads_the_plan_says_so(tmp_path: Path) -> None:
    root = write_planning_dir(tmp_path / "data", roads=False)
    dataset = load_data_dir(root)
    ranking = rank_dataset(dataset, as_of=parse_as_of(AS_OF), model="expert").scores.table
    plan = _plan((dataset, ranking), parse_teams(TEAMS), compare_coverage=False)
    assert not plan.uses_roads and "Geen wegenbestand" in plan.travel_basis
    assert "hemelsbrede afstand" in plan.travel_basis
    _check_contract(plan)
    blue = next(r for r in plan.routes if r.team.name == "Blauw")
    # Straight legs: the line's vertices are the start, the stops and the end.
    assert len(shapely.get_coordinates(blue.line)) == 2 * (len(blue.stops) + 1)


def test_osm_roads_follow_the_road_grid(night: PatrolPlan) -> None:
    blue = next(r for r in night.routes if r.team.name == "Blauw")
    line = shapely.get_coordinates(blue.line)
    # Grid roads run every 800 m east-west and north-south: away from the connector legs
    # at the stops, every segment is axis-parallel.
    steps = np.diff(line, axis=0)
    axis_parallel = (np.abs(steps[:, 0]) < 1e-6) | (np.abs(steps[:, 1]) < 1e-6)
    assert axis_parallel.mean() > 0.8


def test_reasons_name_factors_by_their_titles(
    planning_world: tuple[Dataset, pd.DataFrame],
) -> None:
    _, ranking = planning_world
    factors = {name for cell in ranking["top_factors"].dropna() for name in cell.split(";") if name}
    titles = {name: f"Titel van {name}" for name in factors}
    plan = _plan(planning_world, parse_teams(TEAMS), factor_titles=titles, compare_coverage=False)
    reasons = [stop.reason for stop in plan.stops if stop.address_id]
    assert reasons
    assert any("Titel van " in reason for reason in reasons)
    for reason in reasons:
        named = reason.split(": ", 1)[1].split(";")[0] if ": " in reason else ""
        assert not set(named.split(", ")) & factors, reason


def test_warnings_reach_the_police_only(night: PatrolPlan) -> None:
    # presentation.redact.redact_plan, tested on this module's planned night
    from buitengebied.access.roles import Role
    from buitengebied.presentation.redact import WITHHELD_WARNING, redact_plan

    warned = [stop for stop in night.stops if stop.warnings]
    assert warned, "the planning world must give some stop a warning"
    assert redact_plan(Role.POLICE, night) is night
    for role in (Role.MUNICIPALITY, Role.BOA, Role.RANGER, None, "politie"):
        seen = redact_plan(role, night)
        assert [s.address_id for s in seen.stops] == [s.address_id for s in night.stops]
        texts = {w for s in seen.stops for w in s.warnings}
        assert texts == {WITHHELD_WARNING}
        assert all(
            bool(a.warnings) == bool(b.warnings)
            for a, b in zip(seen.stops, night.stops, strict=True)
        )


def test_plan_layers_follow_each_route(night: PatrolPlan) -> None:
    # presentation.plan_layers, tested on this module's planned night
    from pyproj import Transformer

    from buitengebied.presentation.plan_layers import plan_bounds, plan_layers

    layers = plan_layers(night)
    assert [layer.team for layer in layers] == [route.team.name for route in night.routes]
    assert len({layer.colour for layer in layers}) == len(layers)
    to_rd = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
    for layer, route in zip(layers, night.routes, strict=True):
        assert list(layer.stops["order"]) == [s.order for s in route.stops]
        x, y = to_rd.transform(layer.stops["lon"].to_numpy(), layer.stops["lat"].to_numpy())
        assert np.allclose(x, [s.x for s in route.stops], atol=1.0)
        assert np.allclose(y, [s.y for s in route.stops], atol=1.0)
        start_x, start_y = to_rd.transform(layer.start[1], layer.start[0])
        assert (start_x, start_y) == pytest.approx(route.team.start, abs=1.0)
        assert layer.route[0] == pytest.approx(layer.start, abs=1e-5)
        assert list(layer.stops["warned"]) == [bool(s.warnings) for s in route.stops]
    south_west, north_east = plan_bounds(layers)
    for layer in layers:
        for lat, lon in layer.route:
            assert south_west[0] <= lat <= north_east[0] and south_west[1] <= lon <= north_east[1]
    assert plan_bounds([]) is None
