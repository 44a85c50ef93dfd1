"""Page *Adressen*: the prioritised list, filters, exports and each address's evidence."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from buitengebied.access.permissions import may_see_address_evidence
from buitengebied.presentation import address_list as lists
from buitengebied.presentation.redact import CONTRIBUTION_PREFIX, redact_analysis
from buitengebied_app import data, session
from buitengebied_app.working import analysis_with_progress, typed_day

SHOWN_ROWS = 500
EXPORTS = {
    "CSV": ("adressen.csv", "text/csv", lists.csv_bytes),
    "Excel": (
        "adressen.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        lists.excel_bytes,
    ),
    "GeoPackage": ("adressen.gpkg", "application/geopackage+sqlite3", lists.geopackage_bytes),
}


@st.cache_data(show_spinner=False, max_entries=8)
def _address_list(key: data.AnalysisKey, role: str) -> pd.DataFrame | None:
    return lists.address_list(role, data.cached_analysis(key))


user = session.require_user()
st.title("Adressen")
if not may_see_address_evidence(user.role):
    st.error("Uw rol ziet geen gegevens per adres.")
    st.stop()
analysis = analysis_with_progress("De adreslijst kan niet worden gemaakt.")
table = _address_list(data.analysis_key(), user.role.value)
if table is None:
    st.stop()

with st.expander("Filters", expanded=False):
    places = st.multiselect("Woonplaats", sorted(p for p in table["place"].unique() if p))
    uses = st.multiselect("Gebruik", sorted(u for u in table["use"].unique() if u))
    min_score = st.number_input("Risico minstens", min_value=0.0, value=0.0, step=1.0)
    factor_titles = sorted({f for cell in table["factors"] for f in cell.split(", ") if f})
    factor = st.selectbox("Factor", ["(alle)", *factor_titles])
    since = typed_day("Gecontroleerd sinds (dd-mm-jjjj)", key="gecontroleerd_sinds")
    not_since = typed_day("Niet gecontroleerd sinds (dd-mm-jjjj)", key="niet_sinds")
shown = lists.filter_addresses(
    table,
    places=places,
    uses=uses,
    min_score=min_score or None,
    factor=None if factor == "(alle)" else factor,
    inspected_since=since,
    not_inspected_since=not_since,
)
st.caption(
    f"{len(shown)} van {len(table)} adressen; de eerste {min(len(shown), SHOWN_ROWS)} staan hieronder."
)
picked = st.dataframe(
    lists.readable(shown.head(SHOWN_ROWS)),
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="adreslijst",
)

rows = picked.selection.rows if picked is not None else []
if rows:
    chosen = shown.iloc[rows[0]]
    session.store().audit(who=user.username, action="view evidence", obj=str(chosen["address_id"]))
    view = redact_analysis(user.role, analysis)
    assert view.ranking is not None
    titles = {spec.name: spec.title for spec in analysis.specs}
    ranked = view.ranking.set_index("address_id").loc[chosen["address_id"]]
    st.subheader(f"{chosen['address']}, {chosen['place']}")
    st.write(f"Risico {chosen['score']:.1f} (plaats {chosen['rank']} in de ranglijst)")
    contributions = pd.DataFrame(
        {
            "factor": [titles.get(n, n) for n in view.factors],
            "bijdrage": [
                round(float(ranked.get(f"{CONTRIBUTION_PREFIX}{n}", 0.0)), 2) for n in view.factors
            ],
        }
    ).sort_values("bijdrage", ascending=False)
    st.dataframe(contributions, hide_index=True, width="stretch")

with st.expander("Exporteren"):
    kind = st.radio("Bestand", list(EXPORTS), horizontal=True)
    if st.button("Export maken"):
        name, mime, make = EXPORTS[kind]
        payload = make(shown)
        session.store().audit(
            who=user.username, action="export addresses", obj=f"{name}: {len(shown)} adressen"
        )
        st.download_button(f"{name} downloaden", payload, file_name=name, mime=mime)
