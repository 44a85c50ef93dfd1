"""Page *Patrouillenacht*: plan the night's teams over the roads; the plan to take along."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from buitengebied.access.permissions import may_plan_patrols, may_see_safety_warnings
from buitengebied.errors import BuitengebiedError
from buitengebied.planning.green import THEME_LABELS
from buitengebied.planning.plan import PatrolPlan, plan_patrol_night
from buitengebied.planning.teams import parse_teams
from buitengebied.presentation.labels import shown_day
from buitengebied.presentation.patrol_plan import write_plan
from buitengebied.presentation.plan_layers import plan_layers
from buitengebied.presentation.redact import redact_for_role, redact_plan
from buitengebied.settings import LOCAL_TIMEZONE
from buitengebied_app import data, feedback, night, session
from buitengebied_app.config import app_config
from buitengebied_app.mapview import show_map
from buitengebied_app.planview import plan_map
from buitengebied_app.working import analysis_with_progress, typed_day

_PLAN = "patrouilleplan"
_MIME = {".html": "text/html", ".gpx": "application/gpx+xml", ".csv": "text/csv"}

user = session.require_user()
st.title("Patrouillenacht")
if not may_plan_patrols(user.role):
    st.error("Uw rol plant geen patrouillenachten.")
    st.stop()
analysis = analysis_with_progress("De nacht kan niet worden gepland.")
config = app_config()

today = pd.Timestamp.now(tz=LOCAL_TIMEZONE).date()
chosen_night = typed_day("Nacht van (dd-mm-jjjj)", key="nacht", default=shown_day(today))
default_teams = config.teams_file.read_text(encoding="utf-8") if config.teams_file else ""
teams_text = st.text_area(
    "Teams (zoals het datacontract het beschrijft: naam, soort, start, dienst, focus)",
    value=default_teams,
    height=260,
)
seconds = st.slider("Rekentijd van de planner (seconden)", 5, 60, 10)

if st.button("Nacht plannen", type="primary", disabled=chosen_night is None):
    try:
        teams = parse_teams(teams_text, source="teams")
    except BuitengebiedError as exc:
        feedback.show_error("De teams kloppen niet.", str(exc))
        st.stop()
    assert chosen_night is not None
    ranking = redact_for_role(user.role, analysis.specs, analysis.scores.table)
    assert ranking is not None  # may_plan_patrols implies per-address evidence
    with st.status("Routes plannen…", expanded=True) as status:
        bar = st.progress(0.0)

        def _progress(step: str, fraction: float) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=step)

        try:
            made = plan_patrol_night(
                analysis.dataset,
                ranking,
                teams,
                night=chosen_night,
                as_of=analysis.as_of,
                time_limit_seconds=float(seconds),
                factor_titles={spec.name: spec.title for spec in analysis.specs},
                on_progress=_progress,
            )
            saved = night.save_plan(made)
        except BuitengebiedError as exc:
            feedback.show_error("De nacht kan niet worden gepland.", str(exc))
            st.stop()
        status.update(label="Nacht gepland", state="complete", expanded=False)
    session.store().audit(who=user.username, action="plan night", obj=saved.name)
    st.session_state[_PLAN] = made

plan: PatrolPlan | None = st.session_state.get(_PLAN)
if plan is None:
    st.stop()
seen = redact_plan(user.role, plan)
st.caption(seen.travel_basis)
for note in seen.notes:
    st.warning(note)
if not may_see_safety_warnings(user.role):
    st.caption(
        "Veiligheidswaarschuwingen zijn politie-informatie: u ziet alleen dat een stop er een heeft."
    )

context = data.context_layers(data.analysis_key())
show_map(plan_map(context, plan_layers(seen)), key="plankaart", height=520)

for route in seen.routes:
    with st.expander(
        f"{route.team.name}: {len(route.stops)} stops, terug {route.back.strftime('%H:%M')}, "
        f"{route.drive_minutes:.0f} min rijden",
        expanded=False,
    ):
        st.dataframe(
            pd.DataFrame(
                {
                    "nr": [s.order for s in route.stops],
                    "aankomst": [s.arrival.strftime("%H:%M") for s in route.stops],
                    "adres of plek": [s.place for s in route.stops],
                    "thema": [THEME_LABELS.get(s.theme, s.theme) for s in route.stops],
                    "risico": [round(s.score, 1) for s in route.stops],
                    "reden": [s.reason for s in route.stops],
                    "waarschuwingen": ["; ".join(s.warnings) for s in route.stops],
                }
            ),
            hide_index=True,
            width="stretch",
        )

with tempfile.TemporaryDirectory() as folder:
    files = write_plan(seen, Path(folder))
    st.subheader("Meenemen")
    for path in files:
        if path.suffix not in _MIME:
            continue
        label = "Printbaar plan (plan.html)" if path.suffix == ".html" else path.name
        if st.download_button(
            label, path.read_bytes(), file_name=path.name, mime=_MIME[path.suffix]
        ):
            session.store().audit(who=user.username, action="download plan", obj=path.name)
