"""Log-in in the store: success, failure, lockout, every attempt audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from buitengebied import settings
from buitengebied.store.database import LoginStatus, open_store

PASSWORD = "een-lang-wachtwoord"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def test_a_right_password_logs_in_and_is_audited(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        store.add_user("anna", role="police", password=PASSWORD, created_by="t")
        result = store.authenticate(" anna ", PASSWORD, now=NOW)
        actions = list(store.audit_entries()["action"])
    assert (result.status, result.username, result.role) == (LoginStatus.OK, "anna", "police")
    assert actions[-1] == "login"


def test_an_unknown_user_and_a_wrong_password_fail_alike(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        store.add_user("anna", role="police", password=PASSWORD, created_by="t")
        unknown = store.authenticate("bert", PASSWORD, now=NOW)
        wrong = store.authenticate("anna", "fout", now=NOW)
        audit = store.audit_entries()
    assert unknown.status is wrong.status is LoginStatus.FAILED
    assert unknown.role is wrong.role is None
    assert list(audit["action"][-2:]) == ["login_failed", "login_failed"]


def test_repeated_failures_lock_even_the_right_password_until_the_lock_ends(
    tmp_path: Path,
) -> None:
    limit = settings.LOGIN_MAX_FAILURES
    with open_store(tmp_path / "s.db") as store:
        store.add_user("anna", role="police", password=PASSWORD, created_by="t")
        results = [store.authenticate("anna", "fout", now=NOW) for _ in range(limit)]
        locked = store.authenticate("anna", PASSWORD, now=NOW + timedelta(minutes=1))
        later = NOW + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES, seconds=1)
        after = store.authenticate("anna", PASSWORD, now=later)
        again = store.authenticate("anna", "fout", now=later)
        actions = list(store.audit_entries()["action"])
    assert [r.locked_until is None for r in results] == [True] * (limit - 1) + [False]
    assert locked.status is LoginStatus.LOCKED
    assert after.status is LoginStatus.OK  # the lock ended, the count was reset
    assert again.status is LoginStatus.FAILED and again.locked_until is None
    assert actions.count("locked") == 2  # the failure that locked, the attempt it met
    assert actions.count("login") == 1


def test_an_inactive_account_cannot_log_in(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        store.add_user("anna", role="police", password=PASSWORD, created_by="t")
        with store._engine.begin() as conn:  # no Store method deactivates yet
            conn.exec_driver_sql("UPDATE users SET active = 0")
        result = store.authenticate("anna", PASSWORD, now=NOW)
    assert result.status is LoginStatus.FAILED
