"""Entry point of the app: log-in, then the pages the user's role may open."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import streamlit as st

from buitengebied.access.permissions import (
    may_import_layer,
    may_manage_users,
    may_plan_patrols,
    may_record_outcomes,
    may_see_address_evidence,
    may_submit_report,
)
from buitengebied.access.roles import dutch_label
from buitengebied.load.intake import IMPORTABLE_LAYERS
from buitengebied.settings import LOCAL_TIMEZONE
from buitengebied.store.database import LoginStatus
from buitengebied_app import data, session
from buitengebied_app.config import app_config

LOCAL_ZONE = ZoneInfo(LOCAL_TIMEZONE)

PAGES = Path(__file__).parent / "pages"


def _login_page() -> None:
    st.title("Veilig Buitengebied")
    data.warm_analysis()
    if app_config().demo_accounts:
        st.info(
            "Demo met verzonnen gegevens. Accounts: politie, gemeente, waterschap, "
            "boswachter, beheerder; wachtwoord buitengebied-demo."
        )
    with st.form("inloggen"):
        username = st.text_input("Gebruikersnaam")
        password = st.text_input("Wachtwoord", type="password")
        submitted = st.form_submit_button("Inloggen")
    if not submitted:
        return
    result = session.log_in(username, password)
    if result.status is LoginStatus.OK:
        st.rerun()
    if result.status is LoginStatus.LOCKED or result.locked_until is not None:
        assert result.locked_until is not None
        until = result.locked_until.astimezone(LOCAL_ZONE).strftime("%d-%m-%Y %H:%M")
        st.error(f"Dit account is geblokkeerd na te veel mislukte pogingen, tot {until}.")
    else:
        st.error("Gebruikersnaam of wachtwoord onjuist.")


def _pages(user: session.SessionUser) -> list[st.Page]:
    pages = [st.Page(PAGES / "kaart.py", title="Kaart", default=True)]
    if may_see_address_evidence(user.role):
        pages.append(st.Page(PAGES / "adressen.py", title="Adressen"))
    if may_submit_report(user.role):
        pages.append(st.Page(PAGES / "melding.py", title="Melding doen"))
    if may_plan_patrols(user.role):
        pages.append(st.Page(PAGES / "patrouillenacht.py", title="Patrouillenacht"))
    if may_plan_patrols(user.role) or may_record_outcomes(user.role):
        pages.append(st.Page(PAGES / "uitkomsten.py", title="Uitkomsten"))
    if any(may_import_layer(user.role, layer) for layer in IMPORTABLE_LAYERS):
        pages.append(st.Page(PAGES / "importeren.py", title="Importeren"))
    if may_manage_users(user.role):
        pages.append(st.Page(PAGES / "beheer.py", title="Beheer"))
    return pages


def main() -> None:
    """Draw the log-in, or the navigation over the pages of the user's role."""
    st.set_page_config(page_title="Veilig Buitengebied", layout="wide")
    user = session.current_user()
    if user is None:
        st.navigation([st.Page(_login_page, title="Inloggen")]).run()
        return
    with st.sidebar:
        st.caption(f"Ingelogd als {user.username} ({dutch_label(user.role)})")
        if st.button("Uitloggen"):
            session.store().audit(who=user.username, action="logout", obj=f"user {user.username}")
            session.log_out()
            st.rerun()
    st.navigation(_pages(user)).run()


main()
