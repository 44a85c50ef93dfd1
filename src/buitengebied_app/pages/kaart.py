"""Page *Kaart*: the risk per cell and the riskiest addresses on a map, with a what-if."""

from __future__ import annotations

import streamlit as st

from buitengebied.access.permissions import may_see_address_evidence
from buitengebied.presentation import maplayers
from buitengebied_app import data, feedback
from buitengebied_app.config import app_config
from buitengebied_app.mapview import build_map, show_map
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

content = data.map_content(key, user.role, tuple(sorted(weights.items())), config.markers)
grid = data.strength_grid(key) if content.risk_png is not None else None
markers, classes = content.markers, content.classes
fmap = build_map(context, grid, content.risk_png, markers, content.reports, basemap=config.basemap)
show_map(fmap, key="kaart", height=560)

if classes is not None:
    feedback.legend(classes)
if not may_see_address_evidence(user.role):
    st.caption("Uw rol ziet het risico per cel, geen gegevens per adres.")
elif len(markers):
    st.caption(f"De {len(markers)} adressen met het hoogste risico staan als punten op de kaart.")
