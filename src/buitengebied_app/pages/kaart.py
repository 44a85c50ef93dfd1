"""Page *Kaart*: the risk per cell and the riskiest addresses on a map, with a what-if."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from buitengebied.access.permissions import may_see_address_evidence, may_see_cell_risk
from buitengebied.presentation import maplayers
from buitengebied_app import data, feedback
from buitengebied_app.config import app_config
from buitengebied_app.mapview import build_map
from buitengebied_app.session import require_user

user = require_user()
config = app_config()
st.title("Kaart")

with feedback.library_errors("De kaart kan niet worden getekend."):
    with st.status("Gegevens inlezen en risico berekenen…", expanded=False) as status:
        bar = st.progress(0.0)

        def _progress(_step: str, fraction: float) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0))

        analysis = data.analysis(_progress)
        key = data.analysis_key()
        context = data.context_layers(key)
        status.update(label="Risico berekend", state="complete")

st.caption(
    f"Stand op {feedback.dutch_date(analysis.as_of)}; expert-gewichten uit de laagbestanden."
)

factors = maplayers.what_if_factors(user.role, analysis)
defaults = maplayers.default_weights(analysis)
titles = {spec.name: spec.title for spec in analysis.specs}
weights = dict(defaults)
with st.expander("Wat als: gewichten van de lagen", expanded=False):
    if factors:
        st.caption(
            "Verschuif een gewicht en de kaart toont meteen de nieuwe mix. "
            "Lagen die u niet mag zien tellen in de wat-als niet mee."
        )
        moved = {
            name: st.slider(
                titles[name], 0.0, 3.0, float(defaults[name]), 0.1, key=f"gewicht_{name}"
            )
            for name in factors
        }
        if any(moved[name] != defaults[name] for name in factors):
            weights = moved
    else:
        st.caption("Uw rol ziet geen risico; er is niets om te mengen.")

grid = risk_png = None
classes = None
if may_see_cell_risk(user.role):
    grid = data.strength_grid(key)
    surface = maplayers.mix_grid(grid, weights)
    classes = maplayers.risk_classes(surface)
    risk_png = maplayers.surface_png(surface, classes)
markers = maplayers.address_markers(
    user.role, analysis, data.address_strengths(key), weights, top_n=config.markers
)
reports = maplayers.report_points(user.role, analysis)

fmap = build_map(context, grid, risk_png, markers, reports, basemap=config.basemap)
st_folium(fmap, returned_objects=[], use_container_width=True, height=560, key="kaart")

if classes is not None:
    feedback.legend(classes)
if not may_see_address_evidence(user.role):
    st.caption("Uw rol ziet het risico per cel, geen gegevens per adres.")
elif len(markers):
    st.caption(f"De {len(markers)} adressen met het hoogste risico staan als punten op de kaart.")
