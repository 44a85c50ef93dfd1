"""buitengebied: de kaart-app (Streamlit).  Run with ``streamlit run app.py``.

A thin front: widgets, caching and calls into the library; no scoring here.  For now it
shows the ranking of a data directory; the map, field intake and patrol planning follow.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from buitengebied.errors import BuitengebiedError
from buitengebied.scoring.choice import DEFAULT_MODEL_KIND
from buitengebied.scoring.ranking import rank_directory, ranking_table
from buitengebied.timeutil import parse_as_of

DEMO_DIR = Path(__file__).parent / "data" / "demo"


@st.cache_data(show_spinner=False)
def ranked(data_dir: str, as_of: str) -> tuple[pd.DataFrame, str, str]:
    """Rank ``data_dir`` as known on ``as_of`` with the default model, as ``rank`` does."""
    ranking = rank_directory(Path(data_dir), as_of=parse_as_of(as_of), model=DEFAULT_MODEL_KIND)
    return (
        ranking_table(ranking.scores),
        ", ".join(ranking.scores.layers_used),
        ranking.choice.kind,
    )


st.set_page_config(page_title="buitengebied", layout="wide")
st.title("Veilig Buitengebied: risico per adres")
data_dir = st.sidebar.text_input("Datamap", value=str(DEMO_DIR))
as_of = st.sidebar.date_input("Stand op", value=pd.Timestamp("2026-11-01"))
try:
    with st.status("Lagen inlezen en risico berekenen...", expanded=False):
        table, layers_used, model = ranked(data_dir, as_of.isoformat())
except BuitengebiedError as exc:
    st.error(f"De gegevens kloppen niet:\n\n{exc}")
    st.stop()
st.caption(f"Gebruikte lagen: {layers_used or 'geen'}; model: {model}")
st.dataframe(
    table.head(100).rename(
        columns={
            "address_id": "adres",
            "score": "risico",
            "rank": "plaats",
            "top_factors": "belangrijkste factoren",
        }
    ),
    hide_index=True,
    width="stretch",
)
