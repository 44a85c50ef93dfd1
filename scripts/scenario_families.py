"""Backtest the engine against every baseline on scenario families and random scenarios.

Usage: python scripts/scenario_families.py [--seeds 7 11 ...] [--model expert|all]
       [--families default mostly_labs ...] [--random 30] [--n-addresses 8000]
       [--sites 40] [--set inspection_rate=0.15 ...] [--out table.md]

Prints, per family, the mean over seeds and cut-offs of each metric per method, and
whether the engine beats every single-layer baseline and the naive z-sum on it.  With
``--random N`` it also runs N scenarios whose knobs are all drawn at random
(``families.random_params``, seeds 1000 ..) and reports the mean over them and in how many
the engine beats each baseline.  ``--set KNOB=VALUE`` overrides a
:class:`~buitengebied_scenarios.generator.ScenarioParams` knob in every scenario, e.g. the learned-model
comparison of ``docs/evaluation.md``::

    python scripts/scenario_families.py --families rich_inspections --seeds 7 11 13 \
        --sites 80 --set inspection_rate=0.15 --model all
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from buitengebied_scenarios.families import FAMILIES, family_params, random_params, run_scenario
from buitengebied_scenarios.generator import ScenarioParams

METRICS = ["hit_rate_top1pct", "hit_rate_top5pct", "pai_1pct", "average_precision"]
MODELS = ("expert", "learned", "auto")
SINGLE_LAYER = ("random", "vacancy_only", "energy_only", "dumping_density", "report_density")
DEFAULT_SEEDS = [7, 11, 13, 17, 19, 23, 29, 31, 37, 41]
RANDOM_SEED_BASE = 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", nargs="*", default=list(FAMILIES))
    parser.add_argument("--seeds", nargs="*", type=int, default=DEFAULT_SEEDS)
    parser.add_argument("--random", type=int, default=0, metavar="N")
    parser.add_argument("--model", default="expert", choices=["expert", "all"])
    parser.add_argument("--n-addresses", type=int, default=8000)
    parser.add_argument("--sites", type=int, default=40, help="primary hidden sites")
    parser.add_argument("--set", nargs="*", default=[], metavar="KNOB=VALUE")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    size = {"n_addresses": args.n_addresses, "n_hidden_sites": args.sites}
    runs: list[tuple[str, ScenarioParams]] = [
        (family, family_params(family, seed=seed, **size))
        for family in args.families
        for seed in args.seeds
    ]
    runs += [("random", random_params(RANDOM_SEED_BASE + i, **size)) for i in range(args.random)]
    if not runs:
        parser.error("nothing to run: give --families and --seeds, or --random N")
    overrides = knob_overrides(args.set)
    outcomes = [backtest(group, replace(params, **overrides), args.model) for group, params in runs]
    results = pd.concat(table for table, _ in outcomes)
    verdicts = pd.concat(comparisons for _, comparisons in outcomes)
    lines = render_families(results[results["family"] != "random"])
    if args.random:
        lines += render_random(results[results["family"] == "random"])
    lines += render_verdicts(verdicts)
    print("\n".join(lines))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def knob_overrides(pairs: list[str]) -> dict[str, float]:
    """Parse ``KNOB=VALUE`` pairs (numeric knobs of ScenarioParams)."""
    overrides = {}
    for pair in pairs:
        knob, _, value = pair.partition("=")
        if knob not in ScenarioParams.__dataclass_fields__ or not value:
            raise SystemExit(f"--set {pair!r}: expected KNOB=VALUE with a ScenarioParams knob")
        overrides[knob] = float(value)
    return overrides


def backtest(group: str, params: ScenarioParams, model: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mean metric per method over the cut-offs of one scenario, and the paired verdicts."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        result = run_scenario(params, Path(workdir) / group, step_months=3, model=model)
    print(
        f"{group} seed {params.seed}: {len(result.find_addresses)} site addresses, "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    means = result.summary_table("mean")[METRICS].assign(family=group, seed=params.seed)
    comparisons = result.comparisons(METRICS).assign(family=group, seed=params.seed)
    return means, comparisons


def render_families(results: pd.DataFrame) -> list[str]:
    """Markdown: per family, mean metric per method; engine vs the best baselines."""
    means = results.groupby(["family", results.index]).mean(numeric_only=True)[METRICS]
    lines = []
    for family in dict.fromkeys(results["family"]):
        table = means.loc[family]
        n_seeds = results.loc[results["family"] == family, "seed"].nunique()
        lines += [f"\n#### {family} ({n_seeds} seeds)\n"] + markdown_table(table)
        lines.append("\n" + verdict(table))
    return lines


def render_random(results: pd.DataFrame) -> list[str]:
    """Markdown: mean over the random scenarios, and per-scenario win counts."""
    table = results.groupby(results.index).mean(numeric_only=True)[METRICS]
    lines = [f"\n#### random parameters ({results['seed'].nunique()} scenarios)\n"]
    lines += markdown_table(table)
    lines.append("\n" + verdict(table))
    per_scenario = results.reset_index(names="method").pivot(
        index="seed", columns="method", values=METRICS
    )
    lines += ["\nScenarios in which the engine beats the baseline (a tie does not count):\n"]
    lines.append("| baseline | " + " | ".join(METRICS) + " |")
    lines.append("|---" * (len(METRICS) + 1) + "|")
    for baseline in (*SINGLE_LAYER, "naive_z_sum"):
        cells = []
        for metric in METRICS:
            engine, other = per_scenario[metric]["expert"], per_scenario[metric][baseline]
            valid = engine.notna() & other.notna()
            cells.append(f"{int((engine > other)[valid].sum())}/{int(valid.sum())}")
        lines.append(f"| {baseline} | " + " | ".join(cells) + " |")
    return lines


def render_verdicts(verdicts: pd.DataFrame) -> list[str]:
    """Markdown: per baseline, in how many scenarios the engine is ahead / undecided / behind.

    Per scenario, by the paired moving-block bootstrap over its cut-offs
    (``BacktestResult.comparisons``); scenarios with fewer than 20 site addresses give
    no verdict (undecided).
    """
    engine = verdicts[verdicts["method"] == "expert"]
    if engine.empty:
        return []
    lines = [
        "\nPer scenario, the engine against each baseline (90 % block-bootstrap interval over "
        "the cut-offs): ahead / undecided / behind\n",
        "| baseline | " + " | ".join(METRICS) + " |",
        "|---" * (len(METRICS) + 1) + "|",
    ]
    for baseline, rows in engine.groupby("baseline", sort=False):
        cells = []
        for metric in METRICS:
            counts = rows.loc[rows["metric"] == metric, "verdict"].value_counts()
            cells.append("/".join(str(counts.get(v, 0)) for v in ("ahead", "undecided", "behind")))
        lines.append(f"| {baseline} | " + " | ".join(cells) + " |")
    return lines


def markdown_table(table: pd.DataFrame) -> list[str]:
    """One row per method, engine first."""
    models = [m for m in MODELS if m in table.index]
    order = models + [m for m in table.index if m not in models]
    lines = ["| method | " + " | ".join(METRICS) + " |", "|---" * (len(METRICS) + 1) + "|"]
    for method in order:
        row = table.loc[method]
        cells = [f"{row[m]:.1f}" if "pai" in m else f"{row[m]:.3f}" for m in METRICS]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return lines


def verdict(table: pd.DataFrame) -> str:
    """Does the engine beat the best single-layer baseline, and the naive z-sum, per metric."""
    single = table.loc[[m for m in SINGLE_LAYER if m in table.index]]
    parts = []
    for metric in METRICS:
        engine = table.loc["expert", metric]
        if single[metric].isna().all() or pd.isna(engine):
            parts.append(f"{metric}: n/a (no site in any window)")
            continue
        best = single[metric].idxmax()
        against_single = "beats" if engine > single.loc[best, metric] else "does NOT beat"
        against_naive = "beats" if engine > table.loc["naive_z_sum", metric] else "not above"
        parts.append(
            f"{metric}: {against_single} every single layer (best {best}); "
            f"{against_naive} the naive z-sum"
        )
    return "Engine (expert): " + "; ".join(parts) + "."


if __name__ == "__main__":
    main()
