"""Benchmark of the default model: ``rank --model auto`` beside ``rank --model expert``.

Run::

    python benchmarks/bench_model.py [--scale municipality|province|all] [--quick]

It generates the data of ``bench_engine.py`` (same seed, same sizes; inspections from
2020, so ``auto`` trains on every cut-off since mid 2020), writes them as Parquet and runs
``buitengebied rank DIR --as-of 2025-07-01 --model expert|auto`` as subprocesses, in turns,
``--repeats`` times each.  Printed per scale: the best wall time, the largest peak RSS and
the least CPU time (user + system) of each (``os.wait4`` rusage of the child), and auto /
expert as ratios measured in the same run.  The CPU ratio shows the work apart from what
else the machine runs (auto learns in a second thread, so its wall time is shorter than its
CPU time where a core is free).  Nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from bench_engine import (
    AS_OF,
    PARQUET_FORMATS,
    QUICK_SCALES,
    SCALES,
    ProcessRun,
    Scale,
    cli_run,
    generate,
    write_data_dir,
)

#: The issue's targets for auto at province scale: time within twice expert's, RSS < 4 GB.
TARGET_TIME_RATIO = 2.0
TARGET_PEAK_GB = 4.0


def measure(scale: Scale, work_dir: Path, repeats: int) -> dict[str, ProcessRun]:
    """Generate one scale and time both models on it, alternating."""
    data_dir = work_dir / f"{scale.name}-parquet"
    write_data_dir(generate(scale), data_dir, PARQUET_FORMATS)
    runs: dict[str, list[ProcessRun]] = {"expert": [], "auto": []}
    for _ in range(repeats):
        for model in runs:
            out = work_dir / f"ranked-{scale.name}-{model}.csv"
            arguments = ["rank", str(data_dir), "--as-of", AS_OF, "--model", model]
            runs[model].append(cli_run([*arguments, "--out", str(out)], 1))
            print(f"  .. {scale.name} {model}: {runs[model][-1].seconds:.1f} s", file=sys.stderr)
    meta = json.loads((work_dir / f"ranked-{scale.name}-auto.meta.json").read_text())
    print(f"  .. {scale.name} auto chose {meta['model']}: {meta['model_reason']}", file=sys.stderr)
    return {
        model: ProcessRun(
            min(r.seconds for r in done),
            max(r.peak_rss_gb for r in done),
            min(r.cpu_seconds for r in done),
        )
        for model, done in runs.items()
    }


def report(scale: Scale, result: dict[str, ProcessRun]) -> str:
    """The printed table of one scale."""
    expert, auto = result["expert"], result["auto"]
    time_ratio = auto.seconds / expert.seconds
    lines = [
        "",
        f"=== {scale.name}: {scale.n_addresses:,} addresses, {scale.n_inspections:,} inspections ===",
        f"{'rank end to end, parquet files':34}{'s':>9}{'peak GB':>10}{'CPU s':>9}",
        f"{'--model expert':34}{expert.seconds:9.2f}{expert.peak_rss_gb:10.2f}"
        f"{expert.cpu_seconds:9.2f}",
        f"{'--model auto':34}{auto.seconds:9.2f}{auto.peak_rss_gb:10.2f}{auto.cpu_seconds:9.2f}",
        f"{'auto / expert':34}{time_ratio:8.2f}x{auto.peak_rss_gb / expert.peak_rss_gb:9.2f}x"
        f"{auto.cpu_seconds / expert.cpu_seconds:8.2f}x",
    ]
    if scale.name == "province":
        lines += [
            f"target: auto time within {TARGET_TIME_RATIO:g}x expert's  "
            f"{'PASS' if time_ratio <= TARGET_TIME_RATIO else 'MISS'}",
            f"target: auto peak RSS < {TARGET_PEAK_GB:g} GB  "
            f"{'PASS' if auto.peak_rss_gb < TARGET_PEAK_GB else 'MISS'}",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("municipality", "province", "all"), default="province")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a smoke check")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each model")
    args = parser.parse_args(argv)
    scales = QUICK_SCALES if args.quick else SCALES
    names = ["municipality", "province"] if args.scale == "all" else [args.scale]
    print(f"buitengebied model benchmark: {os.cpu_count()} cores", flush=True)
    cli_run(["--help"], 1)  # warm the file cache
    for name in names:
        with tempfile.TemporaryDirectory(prefix="bench-model-") as work:
            result = measure(scales[name], Path(work), args.repeats)
        print(report(scales[name], result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
