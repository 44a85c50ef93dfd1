"""Regenerate the committed demo: data/demo/ (contract layers) and data/demo-truth/.

Usage: .venv/bin/python scripts/make_demo.py [--seed N] [--n-addresses N]
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from buitengebied.cli import DEMO_MARKER, DEMO_MARKER_TEXT
from buitengebied_scenarios.generator import ScenarioParams, generate_scenario

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=ScenarioParams.seed)
    parser.add_argument("--n-addresses", type=int, default=ScenarioParams.n_addresses)
    parser.add_argument("--out", type=Path, default=REPO / "data" / "demo")
    parser.add_argument("--truth", type=Path, default=REPO / "data" / "demo-truth")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    params = ScenarioParams(seed=args.seed, n_addresses=args.n_addresses)
    truth = generate_scenario(args.out, params, truth_dir=args.truth)
    # Marks the folder as synthetic: only here does `buitengebied app --demo-accounts` work.
    (args.out / DEMO_MARKER).write_text(DEMO_MARKER_TEXT + "\n", encoding="utf-8")
    sites = truth.hidden_sites
    logging.getLogger("make_demo").info(
        "%d hidden sites (%s); %d found by inspections",
        len(sites),
        ", ".join(f"{k} {v}" for k, v in sites["site_type"].value_counts().items()),
        int(sites["found_at"].notna().sum()),
    )


if __name__ == "__main__":
    main()
