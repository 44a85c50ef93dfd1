"""Command line: ``python -m buitengebied_worlds KIND --seed N --out DIR [--addresses N]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from buitengebied_worlds import KINDS, generate_world


def main(argv: list[str] | None = None) -> None:
    """Generate one world and print where it is and the day to rank on."""
    parser = argparse.ArgumentParser(prog="python -m buitengebied_worlds", description=__doc__)
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--addresses", type=int, default=None)
    args = parser.parse_args(argv)
    world = generate_world(args.kind, seed=args.seed, out_dir=args.out, n_addresses=args.addresses)
    print(f"data: {world.data_dir}\ntruth: {world.truth_path}\nas_of: {world.as_of}")


if __name__ == "__main__":
    main()
