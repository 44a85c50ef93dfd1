"""How long the second world generator takes and what its worlds hold, per kind (a table).

    .venv/bin/python benchmarks/bench_worlds.py              # seeds 1-5 of every kind, ~3 min
    .venv/bin/python benchmarks/bench_worlds.py --seeds 1    # one world per kind

Figures of the generator only: it never ranks, so it says nothing of how well the engine does.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd

from buitengebied_worlds import KINDS, World, generate_world

FIND_OUTCOMES = {"cannabis_grow", "drug_lab", "storage"}


def read(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    if path.suffix == ".parquet":
        try:
            return gpd.read_parquet(path)
        except ValueError:
            return pd.read_parquet(path)
    return gpd.read_file(path)


def figures(world: World, seconds: float) -> dict[str, float]:
    files = {p.stem: p for p in world.data_dir.iterdir()}
    truth = pd.read_csv(world.truth_path, dtype=str, keep_default_na=False)
    hidden = truth[(truth["active_to"] == "") & (truth["found_on"] == "")]
    found = truth[truth["found_on"] != ""]
    inspections = read(files["inspections"])
    since = (pd.Timestamp(world.as_of) - pd.Timedelta(days=730)).strftime("%Y-%m-%d")
    recent = inspections["outcome"].isin(FIND_OUTCOMES) & (inspections["inspected_at"] >= since)
    register = read(files["vacant_buildings"])
    registered = set(register["address_id"].replace("", None).dropna())
    return {
        "seconds": seconds,
        "addresses": len(read(files["addresses"])),
        "hidden_active": len(hidden),
        "finds_2y": int(recent.sum()),
        "sites_in_truth": len(truth),
        "hidden_on_register": float(hidden["address_id"].isin(registered).mean()),
        "found_on_register": float(found["address_id"].isin(registered).mean()),
        "register_rows": len(register),
        "dumpings": len(read(files["dumpings"])),
        "reports": len(read(files["reports"])),
        "inspections": len(inspections),
        "energy_rows": len(read(files["energy"])) if "energy" in files else 0,
    }


def markdown(table: pd.DataFrame) -> str:
    """A frame as a Markdown table (kinds as rows)."""
    head = ["kind", *table.columns]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for kind, row in table.iterrows():
        cells = [
            f"{v:.2f}" if abs(v) < 1 else f"{v:,.0f}" if abs(v) >= 100 else f"{v:.1f}" for v in row
        ]
        lines.append("| " + " | ".join([str(kind), *cells]) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as root:
        for kind in KINDS:
            for seed in range(1, args.seeds + 1):
                start = time.perf_counter()
                world = generate_world(kind, seed=seed, out_dir=Path(root) / f"{kind}-{seed}")
                rows.append(
                    {"kind": kind, "seed": seed, **figures(world, time.perf_counter() - start)}
                )
                print(f"{kind} seed {seed}: {rows[-1]['seconds']:.1f} s", file=sys.stderr)
    table = pd.DataFrame(rows).drop(columns="seed").groupby("kind", sort=False).mean()
    print(markdown(table))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nmean over seeds 1-{args.seeds}; peak memory of the whole run {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
