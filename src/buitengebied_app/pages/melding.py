"""Page *Melding doen*: a field report from the phone, placed by tapping the map."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import shapely
import streamlit as st

from buitengebied.access.permissions import may_submit_report
from buitengebied.contract import CONFIDENCE_LEVELS, REPORT_CATEGORIES
from buitengebied.errors import BuitengebiedError
from buitengebied.io.photo import CleanPhoto, clean_photo
from buitengebied.presentation.labels import (
    CONFIDENCE_LABELS,
    REPORT_CATEGORY_LABELS,
    DayError,
    parse_day,
    shown_day,
)
from buitengebied.projection import to_lon_lat, to_working_crs
from buitengebied.settings import LOCAL_TIMEZONE
from buitengebied_app import data, feedback, session
from buitengebied_app.config import app_config
from buitengebied_app.mapview import build_map, show_map
from buitengebied_app.working import analysis_with_progress

NEARBY_RADIUS_M = 250.0
NEARBY_DAYS = 30
#: The contract's reporter role of each app role that may report.
REPORTER_ROLE = {
    "police": "police",
    "municipality": "municipality",
    "water_board": "water_board",
    "ranger": "ranger",
    "boa": "boa",
}


def _own_reports(username: str) -> pd.DataFrame:
    own = session.store().reports_by(username)
    lon, lat = to_lon_lat(own["x"].to_numpy(float), own["y"].to_numpy(float))
    labels = [
        f"Mijn melding: {REPORT_CATEGORY_LABELS.get(c, c)} ({str(o)[:10]})"
        for c, o in zip(own["category"], own["observed_at"], strict=True)
    ]
    return own.assign(lon=lon, lat=lat, label=labels)


_SAVED = "melding_opgeslagen"
_PLACE = "melding_plek"

user = session.require_user()
st.title("Melding doen")
# The confirmation stays until another place is tapped (a message shown once would be gone
# with the rerun the map's component may cause).
notice = st.empty()
saved = st.session_state.get(_SAVED)
if saved is not None:
    notice.success(saved["text"])
if not may_submit_report(user.role):
    st.error("Uw rol kan geen meldingen doen.")
    st.stop()
context_key = data.held_folder_key()
if context_key is None:
    analysis_with_progress("De kaart kan niet worden getekend.")
    context_key = data.analysis_key()
context = data.context_layers(context_key)
own = _own_reports(user.username)

st.caption(
    "Tik op de kaart waar u het zag. Uw locatie van de telefoon gebruiken kan alleen als de "
    "app via HTTPS draait; tik anders op de kaart."
)
fmap = build_map(context, None, None, pd.DataFrame(), own, basemap=app_config().basemap)
clicked = show_map(fmap, key="meldkaart", height=420, returned_objects=["last_clicked"])
# The tapped place is kept in the session: the map's component forgets its last click when
# it is drawn again, and a report must not lose its place on the way.
tapped = (clicked or {}).get("last_clicked")
if tapped is not None and tapped != st.session_state.get(_PLACE):
    st.session_state[_PLACE] = tapped
    if saved is not None:  # a new place: a new report
        del st.session_state[_SAVED]
        notice.empty()
point = st.session_state.get(_PLACE)
x_m = y_m = None
if point:
    rd = to_working_crs(np.array([shapely.Point(point["lng"], point["lat"])]), "EPSG:4326")[0]
    x_m, y_m = float(rd.x), float(rd.y)
    st.success(f"Plek gekozen: {point['lat']:.5f}, {point['lng']:.5f} (RD {x_m:.0f}, {y_m:.0f})")
else:
    st.info("Nog geen plek gekozen: tik op de kaart.")

duplicate_of = None
if x_m is not None and y_m is not None:
    now = pd.Timestamp.now(tz=LOCAL_TIMEZONE)
    nearby = session.store().reports_near(
        x_m,
        y_m,
        radius_m=NEARBY_RADIUS_M,
        since=(now - pd.Timedelta(days=NEARBY_DAYS)).to_pydatetime(),
    )
    if len(nearby):
        st.warning(
            f"{len(nearby)} open melding(en) binnen {NEARBY_RADIUS_M:.0f} m van de laatste {NEARBY_DAYS} dagen."
        )
        options = {"": "Nee, dit is een nieuwe melding"}
        for row in nearby.itertuples(index=False):
            options[str(row.report_id)] = (
                f"Zelfde als: {REPORT_CATEGORY_LABELS.get(row.category, row.category)}, "
                f"{str(row.observed_at)[:10]}, {row.distance_m:.0f} m"
            )
        picked = st.radio(
            "Is dit dezelfde zaak als een van deze?",
            list(options),
            format_func=lambda k: options[k],
        )
        duplicate_of = picked or None

with st.form("melding", clear_on_submit=True):
    category = st.selectbox(
        "Wat zag u?", REPORT_CATEGORIES, format_func=lambda c: REPORT_CATEGORY_LABELS[c]
    )
    today = pd.Timestamp.now(tz=LOCAL_TIMEZONE).to_pydatetime()
    day_text = st.text_input("Datum (dd-mm-jjjj)", value=shown_day(today.date()))
    clock = st.time_input("Tijd", value=today.time().replace(second=0, microsecond=0))
    description = st.text_area("Omschrijving", max_chars=2000)
    confidence = st.selectbox(
        "Hoe zeker bent u?", CONFIDENCE_LEVELS, index=1, format_func=lambda c: CONFIDENCE_LABELS[c]
    )
    upload = st.file_uploader("Foto (optioneel)", type=["jpg", "jpeg", "png", "webp"])
    sent = st.form_submit_button("Melding versturen")

if sent:
    try:
        day = parse_day(day_text)
    except DayError as exc:
        st.error(str(exc))
        st.stop()
    if x_m is None or y_m is None:
        st.error("Kies eerst de plek: tik op de kaart.")
        st.stop()
    photo: CleanPhoto | None = None
    try:
        if upload is not None:
            photo = clean_photo(upload.getvalue(), shown_as="de foto")
        observed = pd.Timestamp(dt.datetime.combine(day, clock), tz=LOCAL_TIMEZONE)
        report_id = session.store().add_report(
            {
                "observed_at": observed.isoformat(),
                "category": category,
                "description": description or None,
                "reporter_role": REPORTER_ROLE.get(user.role.value),
                "confidence": confidence,
            },
            x_m=x_m,
            y_m=y_m,
            created_by=user.username,
            duplicate_of=duplicate_of,
            photo=photo,
        )
    except BuitengebiedError as exc:
        feedback.show_error("De melding is niet opgeslagen.", str(exc))
        st.stop()
    st.session_state[_SAVED] = {
        "report_id": report_id,
        "point": point,
        "text": "Melding opgeslagen"
        + (" en gekoppeld aan de eerdere melding." if duplicate_of else "."),
    }
    st.rerun()

if len(own):
    st.subheader("Mijn meldingen")
    st.dataframe(
        pd.DataFrame(
            {
                "datum": [str(o)[:10] for o in own["observed_at"]],
                "wat": [REPORT_CATEGORY_LABELS.get(c, c) for c in own["category"]],
                "omschrijving": own["description"].fillna(""),
                "gekoppeld aan": own["duplicate_of"].fillna(""),
            }
        ),
        hide_index=True,
        width="stretch",
    )
