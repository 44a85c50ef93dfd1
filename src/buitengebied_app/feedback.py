"""How the app speaks: Dutch messages with the library's detail beneath, dates, the legend.

Every page shows a library error the same way (:func:`library_errors`): one Dutch sentence
and, in a fold-out, the library's message as plain text (``st.code``: no markdown, so a
value such as ``[:SS]`` or ``*`` is shown as it is).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from buitengebied.errors import BuitengebiedError
from buitengebied.presentation.maplayers import RiskClasses
from buitengebied.settings import LOCAL_TIMEZONE

#: How dates are shown and typed in the app.
DATE_FORMAT = "%d-%m-%Y"


def dutch_date(moment: date | datetime | pd.Timestamp) -> str:
    """Return ``moment`` as DD-MM-YYYY (in Europe/Amsterdam when it has a time zone)."""
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(LOCAL_TIMEZONE))
    return moment.strftime(DATE_FORMAT)


def show_error(message: str, detail: str) -> None:
    """Show a Dutch ``message`` with the library's ``detail`` folded out beneath it."""
    st.error(message)
    with st.expander("Details"):
        st.code(detail, language=None, wrap_lines=True)


@contextmanager
def library_errors(message: str) -> Iterator[None]:
    """Show a library error raised in the block as ``message`` with its detail; stop the page."""
    try:
        yield
    except BuitengebiedError as exc:
        show_error(message, str(exc))
        st.stop()


def legend(classes: RiskClasses) -> None:
    """Draw the risk legend in Streamlit (no branca colour map: that one loads d3 from a CDN)."""
    items = "".join(
        f"<span style='display:inline-block;margin-right:1em;white-space:nowrap'>"
        f"<span style='display:inline-block;width:1em;height:1em;background:{colour};"
        f"border:1px solid #999;vertical-align:middle'></span> hoogste {share:.0%}</span>"
        for colour, share in zip(classes.colours, classes.top_shares, strict=True)
    )
    st.markdown(
        f"<div aria-label='legenda'><b>Risico per cel</b> (aandeel van de cellen): {items}</div>",
        unsafe_allow_html=True,
    )
