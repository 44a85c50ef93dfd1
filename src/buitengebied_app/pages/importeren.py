"""Page *Importeren*: a field app's export, every problem shown before anything is stored."""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePath

import pandas as pd
import streamlit as st

from buitengebied.access.permissions import may_import_layer
from buitengebied.errors import BuitengebiedError
from buitengebied.load.intake import IMPORT_SUFFIXES, IMPORTABLE_LAYERS, preview_layer_file
from buitengebied_app import feedback, session

LAYER_LABELS = {"reports": "meldingen", "inspections": "controles"}

user = session.require_user()
st.title("Importeren")
layers = [name for name in IMPORTABLE_LAYERS if may_import_layer(user.role, name)]
if not layers:
    st.error("Uw rol mag geen bestanden importeren.")
    st.stop()
layer = st.radio(
    "Wat staat in het bestand?", layers, format_func=lambda n: LAYER_LABELS[n], horizontal=True
)
upload = st.file_uploader(
    "Bestand uit de veld-app (CSV, GeoJSON of GeoPackage, volgens het datacontract)",
    type=[suffix.lstrip(".") for suffix in IMPORT_SUFFIXES],
)
if upload is None:
    st.stop()

suffix = PurePath(upload.name).suffix.lower()
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / f"import{suffix}"
    path.write_bytes(upload.getvalue())
    try:
        with st.status("Bestand controleren…", expanded=False) as status:
            preview = preview_layer_file(path, layer)
            preview.raw.path = Path(upload.name)  # messages and the audit name the upload
            status.update(label="Bestand gecontroleerd", state="complete")
    except BuitengebiedError as exc:
        feedback.show_error(
            "Het bestand kan niet worden gelezen.", str(exc).replace(str(path), upload.name)
        )
        st.stop()

    if preview.problems:
        st.error(
            f"{len(preview.problems)} probleem/problemen in {preview.rows} rijen; "
            "er is niets opgeslagen. Verbeter het bestand en probeer opnieuw."
        )
        st.dataframe(
            pd.DataFrame(
                {
                    "rij": [p.row if p.row is not None else "" for p in preview.problems],
                    "kolom": [p.column for p in preview.problems],
                    "waarde": [p.value for p in preview.problems],
                    "verwacht": [p.expected for p in preview.problems],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        st.stop()

    st.success(f"{preview.rows} rijen zonder problemen.")
    st.dataframe(preview.raw.attributes.head(20), hide_index=True, width="stretch")
    if st.button(f"{preview.rows} {LAYER_LABELS[layer]} opslaan"):
        try:
            stored = session.store().import_layer(preview.raw, layer, created_by=user.username)
        except BuitengebiedError as exc:
            feedback.show_error("Er is niets opgeslagen.", str(exc))
            st.stop()
        st.success(
            f"{stored} {LAYER_LABELS[layer]} opgeslagen; ze tellen mee in de volgende ranglijst."
        )
