from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from buitengebied import settings
from buitengebied.access import passwords as pw

T0 = datetime(2026, 11, 1, 22, 0, tzinfo=UTC)


def test_hash_verifies_only_its_own_password():
    stored = pw.hash_password("lange-wachtwoordzin")
    assert stored.startswith("$argon2id$")
    assert pw.verify_password(stored, "lange-wachtwoordzin")
    assert not pw.verify_password(stored, "lange-wachtwoordzin ")
    assert not pw.verify_password(stored, "")
    assert pw.hash_password("lange-wachtwoordzin") != stored  # own salt each time


def test_a_stored_value_that_is_no_hash_never_logs_in(caplog):
    assert not pw.verify_password("lange-wachtwoordzin", "lange-wachtwoordzin")
    assert "not an argon2 hash" in caplog.text


def test_a_hash_with_weaker_parameters_needs_rehash():
    assert not pw.needs_rehash(pw.hash_password("lange-wachtwoordzin"))
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("lange-wachtwoordzin")
    assert pw.verify_password(weak, "lange-wachtwoordzin")
    assert pw.needs_rehash(weak)


def test_password_policy():
    assert settings.PASSWORD_MIN_LENGTH == 12
    assert pw.password_problems("twaalf-tekens", username="piet") == []
    assert pw.password_problems("elf-tekens!", username="piet") == [
        "the password has 11 characters; at least 12"
    ]
    assert pw.password_problems(" Boswachter-Veluwe ", username="boswachter-veluwe") == [
        "the password is the user name"
    ]
    assert pw.password_problems("kort", username="kort") == [
        "the password has 4 characters; at least 12",
        "the password is the user name",
    ]
    assert pw.password_problems("kort", username="x", min_length=4) == []


def test_lockout_timeline():
    limit, minutes = settings.LOGIN_MAX_FAILURES, settings.LOGIN_LOCKOUT_MINUTES
    assert (limit, minutes) == (5, 15.0)
    lock = timedelta(minutes=minutes)
    assert pw.locked_until(0, None) is None
    assert pw.locked_until(limit - 1, T0) is None
    assert not pw.is_locked(limit - 1, T0, T0)
    assert pw.locked_until(limit, T0) == T0 + lock
    assert pw.is_locked(limit, T0, T0)
    assert pw.is_locked(limit, T0, T0 + lock - timedelta(seconds=1))
    assert not pw.is_locked(limit, T0, T0 + lock)
    # One more failure after the lock ended locks again, from that failure on.
    later = T0 + lock + timedelta(minutes=1)
    assert pw.is_locked(limit + 1, later, later + timedelta(minutes=14))


def test_lockout_options():
    assert pw.locked_until(3, T0, max_failures=3, lockout_minutes=1.5) == T0 + timedelta(
        minutes=1.5
    )
    assert not pw.is_locked(2, T0, T0, max_failures=3)


@pytest.mark.parametrize(
    ("idle", "expired"),
    [
        (timedelta(0), False),
        (timedelta(minutes=29, seconds=59), False),
        (timedelta(minutes=30), True),
        (timedelta(hours=5), True),
    ],
)
def test_idle_timeout(idle, expired):
    assert settings.SESSION_IDLE_TIMEOUT_MINUTES == 30.0
    assert pw.session_expired(T0, T0 + idle) is expired


def test_idle_timeout_option():
    assert pw.session_expired(T0, T0 + timedelta(minutes=5), idle_timeout_minutes=5)
    assert not pw.session_expired(T0, T0 + timedelta(minutes=5), idle_timeout_minutes=6)
