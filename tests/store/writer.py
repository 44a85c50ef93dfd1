"""A writer process for the store tests: adds reports and prints each id once committed.

Usage: ``python writer.py STORE_FILE N_REPORTS TAG``.  Prints ``ready`` first.
"""

from __future__ import annotations

import sys

from buitengebied.store import open_store


def main(path: str, n_reports: int, tag: str) -> None:
    """Add ``n_reports`` reports to the store at ``path``, printing each id after commit."""
    with open_store(path) as store:
        print("ready", flush=True)
        for k in range(n_reports):
            report_id = store.add_report(
                {
                    "report_id": f"{tag}-{k}",
                    "observed_at": "2025-06-01",
                    "category": "night_noise",
                },
                x_m=230_000.0 + k,
                y_m=460_000.0,
                created_by=tag,
            )
            print(report_id, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
