"""Work that takes a moment, shown as it goes: the analysis with a progress bar."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from buitengebied.presentation.labels import DayError, parse_day
from buitengebied.scoring.analysis import Analysis
from buitengebied_app import data, feedback


def analysis_with_progress(failure: str) -> Analysis:
    """Return the current analysis, with a progress bar while it is computed.

    Parameters
    ----------
    failure : str
        The Dutch sentence shown (with the library's detail) when the data are bad.
    """
    with feedback.library_errors(failure):
        with st.status("Gegevens inlezen en risico berekenen…", expanded=False) as status:
            bar = st.progress(0.0)

            def _progress(_step: str, fraction: float) -> None:
                bar.progress(min(max(fraction, 0.0), 1.0))

            analysis = data.analysis(_progress)
            status.update(label="Risico berekend", state="complete")
    return analysis


def typed_day(label: str, *, key: str, default: str = "") -> dt.date | None:
    """A text box for a day as DD-MM-YYYY; returns the day, ``None`` when empty.

    A typed text that is no day is refused with a message beneath the box; the page then
    goes on without the day, never with an old one.
    """
    text = st.text_input(label, value=default, key=key, placeholder="dd-mm-jjjj")
    if not text.strip():
        return None
    try:
        return parse_day(text)
    except DayError as exc:
        st.error(str(exc))
        return None
