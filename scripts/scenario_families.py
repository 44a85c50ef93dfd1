"""Backtest the engine against every baseline on every scenario family (ground truth).

Usage: python scripts/scenario_families.py [--seeds 7 11] [--model expert|all]
       [--families default mostly_labs ...] [--n-addresses 8000] [--out table.md]

Prints, per family, the mean over seeds and cut-offs of each metric per method, and
whether the engine beats every baseline on it.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from buitengebied.families import FAMILIES, run_family

METRICS = ["hit_rate_top1pct", "hit_rate_top5pct", "pai_1pct", "average_precision"]
MODELS = ("expert", "learned")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", nargs="*", default=list(FAMILIES))
    parser.add_argument("--seeds", nargs="*", type=int, default=[7, 11])
    parser.add_argument("--model", default="expert", choices=["expert", "all"])
    parser.add_argument("--n-addresses", type=int, default=8000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    tables = []
    with tempfile.TemporaryDirectory() as workdir:
        for family in args.families:
            for seed in args.seeds:
                started = time.perf_counter()
                result = run_family(
                    family,
                    Path(workdir) / str(seed),
                    seed=seed,
                    n_addresses=args.n_addresses,
                    step_months=3,
                    model=args.model,
                )
                table = result.summary_table("mean")[METRICS]
                tables.append(table.assign(family=family, seed=seed))
                print(
                    f"{family} seed {seed}: {len(result.find_addresses)} site addresses, "
                    f"{time.perf_counter() - started:.0f} s",
                    flush=True,
                )
    lines = render(pd.concat(tables))
    print("\n".join(lines))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def render(results: pd.DataFrame) -> list[str]:
    """Markdown: per family, mean metric per method; engine vs the best baseline."""
    means = results.groupby(["family", results.index]).mean(numeric_only=True)[METRICS]
    lines = []
    for family in dict.fromkeys(results["family"]):
        table = means.loc[family]
        models = [m for m in MODELS if m in table.index]
        baselines = table.drop(index=models)
        lines += [f"\n### {family}\n", "| method | " + " | ".join(METRICS) + " |"]
        lines.append("|---" * (len(METRICS) + 1) + "|")
        for method, row in table.iterrows():
            cells = [f"{row[m]:.3f}" if "pai" not in m else f"{row[m]:.1f}" for m in METRICS]
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
        best = baselines.max()
        verdict = [
            f"{m}: {'beats' if table.loc['expert', m] > best[m] else 'does NOT beat'} "
            f"the best baseline ({baselines[m].idxmax()})"
            for m in METRICS
        ]
        lines.append("\nexpert " + "; ".join(verdict))
    return lines


if __name__ == "__main__":
    main()
