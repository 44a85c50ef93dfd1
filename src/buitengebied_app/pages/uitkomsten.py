"""Page *Uitkomsten*: what each visit found, recorded on the phone; what the nights did."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from buitengebied.access.permissions import may_plan_patrols, may_record_outcomes
from buitengebied.contract import INSPECTION_OUTCOMES
from buitengebied.errors import BuitengebiedError
from buitengebied.planning.outcomes import night_outcomes, outcome_totals
from buitengebied.presentation.labels import OUTCOME_LABELS
from buitengebied_app import feedback, night, session

_NOT_YET = ""

user = session.require_user()
st.title("Uitkomsten")
if not (may_record_outcomes(user.role) or may_plan_patrols(user.role)):
    st.error("Uw rol ziet geen uitkomsten van patrouillenachten.")
    st.stop()
with feedback.library_errors("De opgeslagen plannen kunnen niet worden gelezen."):
    plans = night.saved_plans()
if not plans:
    st.info("Er is nog geen nacht gepland (pagina Patrouillenacht).")
    st.stop()

labels = {str(folder): night.plan_label(folder, saved.night) for folder, saved in plans}
chosen = st.selectbox("Nacht", list(labels), format_func=lambda k: labels[k])
saved = dict((str(f), p) for f, p in plans)[chosen]
stops = saved.stops[saved.stops["address_id"] != ""]

if may_record_outcomes(user.role) and len(stops):
    team = st.selectbox("Team", sorted(stops["team"].unique()))
    with st.form("uitkomsten"):
        picked = {}
        for row in stops[stops["team"] == team].itertuples(index=False):
            arrival = pd.Timestamp(row.arrival)
            picked[row.address_id] = (
                st.selectbox(
                    f"{row.order}. {row.place} ({arrival.strftime('%H:%M')})",
                    [_NOT_YET, *INSPECTION_OUTCOMES],
                    format_func=lambda o: (
                        "(nog niet bezocht)" if o == _NOT_YET else OUTCOME_LABELS[o]
                    ),
                    key=f"uitkomst_{chosen}_{row.address_id}",
                ),
                arrival,
            )
        sent = st.form_submit_button("Uitkomsten opslaan")
    if sent:
        stored = 0
        try:
            for address_id, (outcome, arrival) in picked.items():
                if outcome == _NOT_YET:
                    continue
                session.store().add_inspection(
                    {
                        "address_id": address_id,
                        "inspected_at": arrival.isoformat(),
                        "outcome": outcome,
                    },
                    created_by=user.username,
                )
                stored += 1
        except BuitengebiedError as exc:
            feedback.show_error("Niet alles is opgeslagen.", str(exc))
        st.success(f"{stored} uitkomst(en) opgeslagen; ze tellen mee in de volgende ranglijst.")

st.subheader("Wat de nachten deden")
outcomes = night_outcomes([p for _, p in plans], session.store().inspections_layer())
totals = outcome_totals(outcomes)
columns = st.columns(3)
columns[0].metric("Bezochte adressen", f"{totals['visited']:.0f}")
columns[1].metric("Vondsten", f"{totals['finds']:.0f}")
per_hour = totals["finds_per_patrol_hour"]
columns[2].metric("Vondsten per patrouille-uur", "-" if pd.isna(per_hour) else f"{per_hour:.2f}")
top, rest = totals["top_find_rate"], totals["rest_find_rate"]
st.write(
    "Vondsten per bezocht adres: top 100 van de ranglijst "
    + ("-" if pd.isna(top) else f"{top:.0%}")
    + ", overige adressen "
    + ("-" if pd.isna(rest) else f"{rest:.0%}")
    + "."
)
st.dataframe(
    outcomes.assign(
        night=[n.strftime("%d-%m-%Y") if isinstance(n, dt.date) else n for n in outcomes["night"]]
    )
    .rename(
        columns={
            "night": "nacht",
            "planned": "gepland",
            "visited": "bezocht",
            "finds": "vondsten",
            "patrol_hours": "patrouille-uren",
            "finds_per_patrol_hour": "vondsten per uur",
            "top_visited": "top 100 bezocht",
            "top_finds": "top 100 vondsten",
            "rest_visited": "overige bezocht",
            "rest_finds": "overige vondsten",
        }
    )
    .round(2),
    hide_index=True,
    width="stretch",
)
if len(outcomes) > 1:
    st.line_chart(outcomes.set_index("night")["finds_per_patrol_hour"], y_label="vondsten per uur")
