"""The log-in of one browser session, held only server-side in ``st.session_state``.

No cookie carries a log-in: closing the tab or logging out ends it, and the idle time-out
ends it at the next interaction. Every interaction re-reads the user from the store, so a
revoked role or a deactivated account takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import streamlit as st

from buitengebied.access.passwords import session_expired
from buitengebied.access.roles import Role, role_from
from buitengebied.store.database import LoginResult, LoginStatus, Store, open_store
from buitengebied_app.config import app_config

_USER_KEY = "buitengebied_user"
_ACTIVITY_KEY = "buitengebied_last_activity"


@dataclass(frozen=True)
class SessionUser:
    """Who is logged in, with the role the store holds now."""

    username: str
    role: Role


@st.cache_resource(show_spinner=False)
def _store(path: str) -> Store:
    return open_store(path)


def store() -> Store:
    """Return the app's store (one per server process, shared by sessions)."""
    return _store(str(app_config().store_path))


def _now() -> datetime:
    return datetime.now(UTC)


def log_in(username: str, password: str) -> LoginResult:
    """Check ``username`` and ``password`` in the store; remember the user on success.

    The store counts failures, locks the account after too many and audits every attempt
    (:meth:`~buitengebied.store.database.Store.authenticate`).
    """
    result = store().authenticate(username, password, now=_now())
    if result.status is LoginStatus.OK:
        st.session_state[_USER_KEY] = result.username
        st.session_state[_ACTIVITY_KEY] = _now()
    return result


def log_out() -> None:
    """Forget the log-in of this session (and everything the session computed for it)."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def current_user() -> SessionUser | None:
    """Return the logged-in user as the store knows them now, or ``None``.

    Ends the log-in when the session was idle too long or the account is gone, inactive or
    has no valid role any more.
    """
    username = st.session_state.get(_USER_KEY)
    if username is None:
        return None
    now = _now()
    if session_expired(st.session_state[_ACTIVITY_KEY], now):
        log_out()
        return None
    row = store().user(username)
    role = role_from(row["role"]) if row is not None and row["active"] else None
    if role is None:
        log_out()
        return None
    st.session_state[_ACTIVITY_KEY] = now
    return SessionUser(username=username, role=role)


def require_user() -> SessionUser:
    """Return the logged-in user, or stop the page (the navigation shows the log-in)."""
    user = current_user()
    if user is None:
        st.warning("Log eerst in.")
        st.stop()
    return user
