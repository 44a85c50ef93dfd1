"""Page *Beheer* (to be built: issue 9)."""

import streamlit as st

from buitengebied_app.session import require_user

require_user()
st.title("Beheer")
