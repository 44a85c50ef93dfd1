"""The store: contract validation on write, the append-only audit log, refused files."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from buitengebied.errors import ValidationError
from buitengebied.store import SCHEMA_VERSION, StoreError, open_store

REPORT = {"observed_at": "2025-06-01", "category": "night_noise", "confidence": "high"}
X_M, Y_M = 230_000.0, 460_000.0


def _filled_store(path: Path, n_reports: int = 50) -> Path:
    with open_store(path) as store:
        for k in range(n_reports):
            store.add_report(
                {**REPORT, "description": "x" * 500}, x_m=X_M + k, y_m=Y_M, created_by="t"
            )
    return path


def test_a_report_round_trips_typed_and_audited(tmp_path: Path) -> None:
    with open_store(tmp_path / "store.db") as store:
        report_id = store.add_report(REPORT, x_m=X_M, y_m=Y_M, created_by="boswachter")
        layer = store.reports_layer()
        audit = store.audit_entries()
    assert report_id.startswith("app-")
    assert list(layer["report_id"]) == [report_id]
    assert layer["observed_at"].iloc[0] == pd.Timestamp("2025-06-01", tz="Europe/Amsterdam")
    assert (layer.geometry.x.iloc[0], layer.geometry.y.iloc[0]) == (X_M, Y_M)
    assert list(audit["who"]) == ["boswachter"]
    assert audit["object"].iloc[0] == f"report {report_id}"


def test_a_bad_category_is_refused_with_the_contract_message(tmp_path: Path) -> None:
    with open_store(tmp_path / "store.db") as store:
        with pytest.raises(ValidationError) as caught:
            store.add_report({**REPORT, "category": "aliens"}, x_m=X_M, y_m=Y_M, created_by="t")
        assert store.count("reports") == 0
    (problem,) = caught.value.problems
    assert (problem.column, problem.value) == ("category", "'aliens'")
    assert problem.expected.startswith("one of comings_and_goings, strange_vehicles")


def test_a_stored_id_is_not_stored_twice(tmp_path: Path) -> None:
    with open_store(tmp_path / "store.db") as store:
        store.add_report({**REPORT, "report_id": "R9"}, x_m=X_M, y_m=Y_M, created_by="t")
        with pytest.raises(StoreError, match="report R9: refused"):
            store.add_report({**REPORT, "report_id": "R9"}, x_m=X_M, y_m=Y_M, created_by="t")
        assert store.count("reports") == 1


def test_an_inspection_is_validated_and_stored(tmp_path: Path) -> None:
    with open_store(tmp_path / "store.db") as store:
        with pytest.raises(ValidationError, match="column 'outcome'"):
            store.add_inspection(
                {"address_id": "A1", "inspected_at": "2025-01-01", "outcome": "maybe"},
                created_by="t",
            )
        store.add_inspection(
            {"address_id": " A1 ", "inspected_at": "2025-01-01", "outcome": "drug_lab"},
            created_by="t",
        )
        layer = store.inspections_layer()
    assert list(layer["address_id"]) == ["A1"]
    assert list(layer["outcome"]) == ["drug_lab"]


def test_a_user_is_stored_with_an_argon2_hash(tmp_path: Path) -> None:
    with open_store(tmp_path / "store.db") as store:
        store.add_user("ranger1", role="waterschap", password="geheim-123", created_by="admin")
        user = store.user("ranger1")
        with pytest.raises(StoreError, match="user ranger1: refused"):
            store.add_user("ranger1", role="politie", password="x", created_by="admin")
    assert user is not None
    assert user["password_hash"].startswith("$argon2id$")
    assert "geheim-123" not in user["password_hash"]
    assert (user["role"], bool(user["active"]), user["failed_logins"]) == ("waterschap", True, 0)


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET who = 'x'", "DELETE FROM audit_log"])
def test_the_database_refuses_to_change_the_audit_log(tmp_path: Path, statement: str) -> None:
    with open_store(tmp_path / "store.db") as store:
        store.audit(who="admin", action="export", obj="ranked.csv")
    connection = sqlite3.connect(tmp_path / "store.db")
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            connection.execute(statement)
        assert connection.execute("SELECT who, action FROM audit_log").fetchall() == [
            ("admin", "export")
        ]
    finally:
        connection.close()


def test_random_bytes_are_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "random.db"
    path.write_bytes(np.random.default_rng(1).bytes(8192))
    with pytest.raises(StoreError, match=r"random\.db: not a buitengebied store"):
        open_store(path)


def test_a_foreign_sqlite_file_is_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE recipes (name TEXT)")
    connection.commit()
    connection.close()
    with pytest.raises(StoreError, match=r"other\.sqlite: not a buitengebied store.*recipes"):
        open_store(path)


def test_a_truncated_store_is_damaged(tmp_path: Path) -> None:
    path = _filled_store(tmp_path / "store.db")
    size = path.stat().st_size
    assert size > 8192
    os.truncate(path, size // 2)
    with pytest.raises(StoreError, match=r"store\.db: damaged"):
        open_store(path)


def test_a_newer_store_is_refused(tmp_path: Path) -> None:
    path = _filled_store(tmp_path / "store.db", n_reports=1)
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(
            "UPDATE store_meta SET value = ? WHERE key = 'schema_version'",
            (str(SCHEMA_VERSION + 1),),
        )
    connection.close()
    with pytest.raises(StoreError, match=r"store\.db: written by a newer buitengebied"):
        open_store(path)


def test_a_store_opens_again_with_its_records(tmp_path: Path) -> None:
    path = _filled_store(tmp_path / "store.db", n_reports=3)
    with open_store(path) as store:
        assert store.count("reports") == 3
        assert store.reports_layer()["category"].tolist() == ["night_noise"] * 3


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"store\.db: the folder .*nowhere does not exist"):
        open_store(tmp_path / "nowhere" / "store.db")


def test_an_unknown_duplicate_of_is_refused(tmp_path: Path) -> None:
    with open_store(tmp_path / "store.db") as store:
        assert store.reports_layer().empty
        first = store.add_report(REPORT, x_m=X_M, y_m=Y_M, created_by="t")
        store.add_report(REPORT, x_m=X_M, y_m=Y_M, created_by="t", duplicate_of=first)
        with pytest.raises(StoreError, match="FOREIGN KEY"):
            store.add_report(REPORT, x_m=X_M, y_m=Y_M, created_by="t", duplicate_of="R-none")
        assert store.count("reports") == 2
