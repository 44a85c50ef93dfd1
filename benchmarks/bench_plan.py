"""Benchmark of the patrol-night planner: the solver beside a nearest-neighbour patrol.

Run::

    python benchmarks/bench_plan.py [--time-limit 15] [--candidates 500] [--repeats 1]

On the demo data (Bronckhorst, synthetic; its road network) with the demo's three teams
(``data/demo-teams.toml``: police, mixed with litter, rangers for poaching and illegal
fishing), the night of 2026-11-06 as known on 2026-11-01, 500 candidate addresses and
coverage off (so that the prize is the risk score), it plans the night twice over the
same candidates and travel times:

- ``greedy``: each team drives to the nearest stop it may still serve and return from;
- ``solver``: OR-Tools prize-collecting team orienteering, guided local search for
  ``--time-limit`` seconds.

It prints the risk each collects, the ratio solver / greedy, and the seconds each takes
(loading and ranking once, outside both). Nothing asserts; target: solver >= 1.2 x
greedy in under 30 s on two cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from pathlib import Path

from buitengebied.load.directory import load_data_dir
from buitengebied.planning.plan import PatrolPlan, plan_patrol_night
from buitengebied.planning.teams import load_teams
from buitengebied.scoring.ranking import rank_dataset
from buitengebied.timeutil import parse_as_of

ROOT = Path(__file__).resolve().parents[1]
NIGHT = dt.date(2026, 11, 6)
AS_OF = "2026-11-01"


def _collected(plan: PatrolPlan) -> float:
    return sum(route.collected_score for route in plan.routes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--time-limit", type=float, default=15.0, help="solver seconds")
    parser.add_argument("--candidates", type=int, default=500, help="candidate addresses")
    parser.add_argument("--repeats", type=int, default=1, help="solver runs (best and worst)")
    options = parser.parse_args()

    dataset = load_data_dir(ROOT / "data" / "demo")
    as_of = parse_as_of(AS_OF)
    ranking = rank_dataset(dataset, as_of=as_of, model="expert").scores.table
    teams = load_teams(ROOT / "data" / "demo-teams.toml")

    def plan(routing: str) -> tuple[PatrolPlan, float]:
        started = time.perf_counter()
        result = plan_patrol_night(
            dataset,
            ranking,
            teams,
            night=NIGHT,
            as_of=as_of,
            coverage_strength=0.0,
            max_candidates=options.candidates,
            time_limit_seconds=options.time_limit,
            routing=routing,  # type: ignore[arg-type]
        )
        return result, time.perf_counter() - started

    greedy, greedy_seconds = plan("greedy")
    runs = [plan("solver") for _ in range(options.repeats)]
    print(
        f"cores: {os.cpu_count()}, teams: {len(teams)}, candidates: {greedy.candidates} "
        f"({options.candidates} addresses + place stops), time limit {options.time_limit:g} s"
    )
    print(f"{'method':<8} {'collected':>10} {'stops':>6} {'seconds':>8}  per team")
    for name, (result, seconds) in [
        ("greedy", (greedy, greedy_seconds)),
        *(("solver", r) for r in runs),
    ]:
        per_team = ", ".join(
            f"{r.team.name} {r.collected_score:.0f}/{len(r.stops)}" for r in result.routes
        )
        stops = sum(len(r.stops) for r in result.routes)
        print(f"{name:<8} {_collected(result):>10.1f} {stops:>6} {seconds:>8.1f}  {per_team}")
    ratios = [_collected(result) / _collected(greedy) for result, _ in runs]
    print(
        f"solver / greedy collected risk: {min(ratios):.3f} .. {max(ratios):.3f} "
        f"(+{100 * (min(ratios) - 1):.0f} % at worst); target >= 1.20 in < 30 s"
    )


if __name__ == "__main__":
    main()
