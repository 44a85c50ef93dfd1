"""Passwords, lock-out and idle time-out, as pure functions (nothing is stored here).

Hashes are argon2id in the PHC string format of ``argon2-cffi``'s
:class:`~argon2.PasswordHasher` with its default (RFC 9106) parameters; a hash made
with weaker parameters is upgraded at the next successful log-in (:func:`needs_rehash`).

Lock-out counts failed log-ins in a row (a success resets the count, which the store
keeps): from the :data:`~buitengebied.settings.LOGIN_MAX_FAILURES`-th failure on, the
account is locked for :data:`~buitengebied.settings.LOGIN_LOCKOUT_MINUTES` after the
latest failure, so after a lock ends every further failure locks it again.  Moments are
time-zone aware (UTC).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from buitengebied import settings

logger = logging.getLogger(__name__)


def hash_password(password: str) -> str:
    """Return the argon2id hash of ``password`` (a PHC string with its own salt)."""
    return PasswordHasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Return whether ``password`` matches ``stored_hash``.

    Parameters
    ----------
    stored_hash : str
        A hash made by :func:`hash_password`.
    password : str
        What the user typed.

    Returns
    -------
    bool
        ``False`` for a wrong password and for a stored value that is no argon2 hash
        (logged: the account cannot log in until its password is set again).
    """
    try:
        return PasswordHasher().verify(stored_hash, password)
    except VerificationError:
        return False
    except InvalidHashError:
        logger.warning("stored password hash is not an argon2 hash; log-in refused")
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Return whether ``stored_hash`` was made with other parameters than today's."""
    return PasswordHasher().check_needs_rehash(stored_hash)


def password_problems(password: str, *, username: str, min_length: int | None = None) -> list[str]:
    """Return what is wrong with ``password`` as a new password; empty when it is fine.

    Parameters
    ----------
    password : str
        The proposed password.
    username : str
        The account's user name, which the password may not be (case and surrounding
        spaces ignored).
    min_length : int, optional
        Fewest characters; :data:`~buitengebied.settings.PASSWORD_MIN_LENGTH` by default.

    Returns
    -------
    list of str
        One sentence per problem.
    """
    shortest = settings.PASSWORD_MIN_LENGTH if min_length is None else min_length
    problems = []
    if len(password) < shortest:
        problems.append(f"the password has {len(password)} characters; at least {shortest}")
    if password.strip().casefold() == username.strip().casefold():
        problems.append("the password is the user name")
    return problems


def locked_until(
    failures: int,
    last_failure: datetime | None,
    *,
    max_failures: int | None = None,
    lockout_minutes: float | None = None,
) -> datetime | None:
    """Return until when an account is locked, or ``None`` when failures do not lock it.

    Parameters
    ----------
    failures : int
        Failed log-ins in a row since the last success.
    last_failure : datetime or None
        Moment of the latest of them.
    max_failures : int, optional
        Failures that lock; :data:`~buitengebied.settings.LOGIN_MAX_FAILURES` by default.
    lockout_minutes : float, optional
        Length of a lock; :data:`~buitengebied.settings.LOGIN_LOCKOUT_MINUTES` by default.

    Returns
    -------
    datetime or None
        ``last_failure`` plus the lock's length once ``failures`` reaches the limit.
    """
    limit = settings.LOGIN_MAX_FAILURES if max_failures is None else max_failures
    minutes = settings.LOGIN_LOCKOUT_MINUTES if lockout_minutes is None else lockout_minutes
    if last_failure is None or failures < limit:
        return None
    return last_failure + timedelta(minutes=minutes)


def is_locked(
    failures: int,
    last_failure: datetime | None,
    now: datetime,
    *,
    max_failures: int | None = None,
    lockout_minutes: float | None = None,
) -> bool:
    """Return whether the account is locked at ``now`` (see :func:`locked_until`)."""
    until = locked_until(
        failures, last_failure, max_failures=max_failures, lockout_minutes=lockout_minutes
    )
    return until is not None and now < until


def session_expired(
    last_activity: datetime, now: datetime, *, idle_timeout_minutes: float | None = None
) -> bool:
    """Return whether a log-in idle since ``last_activity`` has ended at ``now``.

    Parameters
    ----------
    last_activity : datetime
        The session's latest interaction.
    now : datetime
        The moment of the current interaction.
    idle_timeout_minutes : float, optional
        Idle time that ends a log-in;
        :data:`~buitengebied.settings.SESSION_IDLE_TIMEOUT_MINUTES` by default.

    Returns
    -------
    bool
        ``True`` once the idle time reaches the time-out (the user logs in again).
    """
    minutes = (
        settings.SESSION_IDLE_TIMEOUT_MINUTES
        if idle_timeout_minutes is None
        else idle_timeout_minutes
    )
    return now - last_activity >= timedelta(minutes=minutes)
