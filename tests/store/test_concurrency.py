"""The store under concurrent writers and writers killed mid-write (real processes)."""

from __future__ import annotations

import multiprocessing
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from buitengebied.store import open_store

WRITER = Path(__file__).with_name("writer.py")
N_PROCESSES, N_PER_PROCESS = 8, 500
N_KILLS = 50


def _write_reports(path: str, tag: str) -> None:
    with open_store(path) as store:
        for k in range(N_PER_PROCESS):
            store.add_report(
                {"report_id": f"{tag}-{k}", "observed_at": "2025-06-01", "category": "litter"},
                x_m=230_000.0,
                y_m=460_000.0 + k,
                created_by=tag,
            )


@pytest.mark.slow
def test_eight_processes_writing_500_reports_each_leave_4000(tmp_path: Path) -> None:
    path = str(tmp_path / "store.db")
    open_store(path).close()
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_write_reports, args=(path, f"p{n}")) for n in range(N_PROCESSES)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert [worker.exitcode for worker in workers] == [0] * N_PROCESSES
    with open_store(path) as store:
        assert store.count("reports") == N_PROCESSES * N_PER_PROCESS
        assert store.reports_layer()["report_id"].is_unique
        assert len(store.audit_entries()) == N_PROCESSES * N_PER_PROCESS


def _killed_writer(path: Path, tag: str, rng: random.Random) -> list[str]:
    """Start a writer, kill it with SIGKILL at a random moment; the ids it acknowledged."""
    writer = subprocess.Popen(
        [sys.executable, str(WRITER), str(path), "100000", tag],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    assert writer.stdout.readline() == "ready\n"
    time.sleep(rng.uniform(0.0, 0.3))
    writer.send_signal(signal.SIGKILL)
    output, _ = writer.communicate()
    assert writer.returncode == -signal.SIGKILL
    # A line cut by the kill was never fully acknowledged.
    return [line for line in output.split("\n")[:-1] if line]


@pytest.mark.slow
def test_a_writer_killed_at_random_moments_loses_no_acknowledged_report(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    open_store(path).close()
    rng = random.Random(9)
    acknowledged: list[str] = []
    for kill in range(N_KILLS):
        acknowledged += _killed_writer(path, f"k{kill}", rng)
        connection = sqlite3.connect(path)
        try:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            stored = {row[0] for row in connection.execute("SELECT report_id FROM reports")}
        finally:
            connection.close()
        assert set(acknowledged) <= stored
    assert len(acknowledged) > N_KILLS
    with open_store(path) as store:
        assert set(acknowledged) <= set(store.reports_layer()["report_id"])
