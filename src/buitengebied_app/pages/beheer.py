"""Page *Beheer*: accounts and roles, the data folder in use, the audit log."""

from __future__ import annotations

import streamlit as st

from buitengebied.access.passwords import password_problems
from buitengebied.access.permissions import may_manage_users
from buitengebied.access.roles import ROLE_NAMES, Role, dutch_label, role_from
from buitengebied.errors import BuitengebiedError
from buitengebied_app import feedback, session
from buitengebied_app.config import app_config

user = session.require_user()
st.title("Beheer")
if not may_manage_users(user.role):
    st.error("Alleen de beheerder opent deze pagina.")
    st.stop()
store = session.store()
config = app_config()

st.subheader("Gebruikers")
users = store.users()
st.dataframe(
    users.assign(role=[dutch_label(r) if (r := role_from(v)) else v for v in users["role"]]).rename(
        columns={
            "username": "gebruiker",
            "role": "rol",
            "active": "actief",
            "failed_logins": "mislukte pogingen",
            "locked_until": "geblokkeerd tot",
        }
    ),
    hide_index=True,
    width="stretch",
)

with st.expander("Gebruiker toevoegen"):
    with st.form("nieuwe_gebruiker", clear_on_submit=True):
        username = st.text_input("Gebruikersnaam")
        role = Role(
            st.selectbox("Rol", ROLE_NAMES, format_func=lambda v: dutch_label(Role(v))) or "police"
        )
        password = st.text_input("Wachtwoord", type="password")
        added = st.form_submit_button("Toevoegen")
    if added:
        problems = password_problems(password, username=username)
        if problems:
            feedback.show_error("Het wachtwoord voldoet niet.", "\n".join(problems))
        else:
            try:
                store.add_user(
                    username, role=role.value, password=password, created_by=user.username
                )
                st.success(f"{username} toegevoegd als {dutch_label(role)}.")
            except BuitengebiedError as exc:
                feedback.show_error("De gebruiker is niet toegevoegd.", str(exc))

with st.expander("Rol wijzigen of toegang intrekken"):
    names = list(users["username"])
    if names:
        who = st.selectbox("Gebruiker", names)
        current = users.set_index("username").loc[who]
        current_role = role_from(current["role"])
        new_role = Role(
            st.selectbox(
                "Nieuwe rol",
                ROLE_NAMES,
                index=ROLE_NAMES.index(current_role.value) if current_role else 0,
                format_func=lambda v: dutch_label(Role(v)),
            )
            or ROLE_NAMES[0]
        )
        active = st.checkbox("Mag inloggen", value=bool(current["active"]))
        if st.button("Opslaan"):
            if who == user.username and (not active or new_role is not Role.ADMIN):
                st.error("U kunt uw eigen beheerdersrechten niet intrekken.")
            else:
                try:
                    store.change_user(
                        who, changed_by=user.username, role=new_role.value, active=active
                    )
                    st.success(f"{who}: opgeslagen; het geldt bij de volgende klik van {who}.")
                except BuitengebiedError as exc:
                    feedback.show_error("Niet opgeslagen.", str(exc))

st.subheader("Gegevens")
st.write(f"Datamap (alleen-lezen, ingesteld bij het starten): `{config.data_dir}`")
st.write(f"Opslag van meldingen, controles en gebruikers: `{config.store_path}`")

st.subheader("Auditlog")
log = store.audit_entries().iloc[::-1]
search = st.text_input("Zoek in wie, actie of object")
if search:
    text = search.casefold()
    log = log[
        log["who"].str.casefold().str.contains(text, regex=False)
        | log["action"].str.casefold().str.contains(text, regex=False)
        | log["object"].str.casefold().str.contains(text, regex=False)
    ]
st.dataframe(
    log.rename(columns={"who": "wie", "at": "wanneer", "action": "actie", "object": "object"}),
    hide_index=True,
    width="stretch",
)
