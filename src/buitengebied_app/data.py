"""The app's cached calls into the library: the analysis and what the map draws from it.

The analysis of the data folder with the store's records (expert weights, as the surface
uses) is one shared resource per server process and per state of the store: a report or
an inspection stored since makes the next interaction compute a new one.  What the map
draws is cached per analysis (``st.cache_data``), and the what-if only mixes cached
strengths.  Nothing here decides what a role may see: the library's functions do.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st

from buitengebied.access.permissions import may_see_cell_risk
from buitengebied.access.roles import Role
from buitengebied.dataset import ProgressCallback
from buitengebied.errors import BuitengebiedError
from buitengebied.load.directory import load_data_dir
from buitengebied.presentation import maplayers
from buitengebied.scoring.analysis import Analysis, analyse
from buitengebied.store.database import Store
from buitengebied.store.merge import with_stored_records
from buitengebied.timeutil import parse_as_of
from buitengebied_app import session
from buitengebied_app.config import app_config

logger = logging.getLogger(__name__)

#: Cell edge of the risk surface on the map (metres).
MAP_CELL_SIZE_M = 100.0


def store_state() -> tuple[int, int]:
    """Return the numbers of stored reports and inspections (part of every cache key)."""
    store = session.store()
    return store.count("reports"), store.count("inspections")


AnalysisKey = tuple[str, str | None, tuple[int, int]]
#: Analyses kept per server process (the newest ones).
MAX_ANALYSES = 2


@dataclass
class _Analyses:
    """The server's analyses by key, shared by sessions (a Streamlit resource)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    by_key: dict[AnalysisKey, Analysis] = field(default_factory=dict)
    warming: set[AnalysisKey] = field(default_factory=set)


@st.cache_resource(show_spinner=False)
def _analyses() -> _Analyses:
    # Not an st.cache_resource of the analysis itself: that would replay the progress bar
    # drawn while computing, which Streamlit refuses.
    return _Analyses()


def _analysis(key: AnalysisKey, on_progress: ProgressCallback) -> Analysis:
    return _computed(_analyses(), session.store(), key, on_progress)


def _computed(
    held: _Analyses, store: Store, key: AnalysisKey, on_progress: ProgressCallback
) -> Analysis:
    with held.lock:
        found = held.by_key.get(key)
        if found is not None:
            return found
        data_dir, as_of, _ = key
        dataset = load_data_dir(Path(data_dir), on_progress=on_progress)
        dataset = with_stored_records(dataset, store)
        computed = analyse(dataset, as_of=parse_as_of(as_of), on_progress=on_progress)
        held.by_key[key] = computed
        for old in list(held.by_key)[:-MAX_ANALYSES]:
            del held.by_key[old]
        return computed


def warm_analysis() -> None:
    """Start computing the current analysis in the background, unless held or under way.

    The log-in page calls this: while the user types, the server loads and scores the
    data, so the map after the log-in only draws.  An error is left for the page that
    needs the analysis, which computes it again and shows the message.
    """
    held, store, key = _analyses(), session.store(), analysis_key()
    with held.lock:
        if key in held.by_key or key in held.warming:
            return
        held.warming.add(key)

    def compute() -> None:
        try:
            _computed(held, store, key, _ignore_progress)
        except BuitengebiedError:
            logger.info("warming the analysis failed; the map page will say why")
        finally:
            with held.lock:
                held.warming.discard(key)

    threading.Thread(target=compute, name="buitengebied-warm", daemon=True).start()


def analysis(on_progress: ProgressCallback) -> Analysis:
    """Return the analysis of the configured data folder and store, as known at ``as_of``.

    Raises
    ------
    BuitengebiedError
        The data folder or the store breaks the contract (the message says where).
    """
    return _analysis(analysis_key(), on_progress)


def analysis_key() -> AnalysisKey:
    """Return what identifies the current analysis (the key of the derived caches)."""
    config = app_config()
    return str(config.data_dir), config.as_of, store_state()


def held_folder_key() -> AnalysisKey | None:
    """Return the key of an analysis of the configured folder held now, whatever the store.

    The map's context (area, roads, villages) comes from the data folder alone: a page that
    needs only the context (the report form) need not wait for a new analysis after a
    report was stored.  ``None`` when no analysis of the folder is held.
    """
    current = analysis_key()
    held = [key for key in list(_analyses().by_key) if key[:2] == current[:2]]
    return held[-1] if held else None


@st.cache_data(show_spinner=False, max_entries=4)
def context_layers(key: AnalysisKey) -> maplayers.ContextLayers:
    """Return the map's area, roads and villages of the analysis ``key``."""
    return maplayers.context_layers(cached_analysis(key))


@st.cache_data(show_spinner=False, max_entries=4)
def strength_grid(key: AnalysisKey) -> maplayers.StrengthGrid:
    """Return every factor's strength per cell of the analysis ``key``."""
    return maplayers.strength_grid(cached_analysis(key), cell_size_m=MAP_CELL_SIZE_M)


@st.cache_data(show_spinner=False, max_entries=4)
def address_strengths(key: AnalysisKey) -> pd.DataFrame:
    """Return every factor's strength per address of the analysis ``key``."""
    return maplayers.address_strengths(cached_analysis(key))


@dataclass(frozen=True)
class MapContent:
    """What the Kaart page draws for one role and one mix of weights.

    ``risk_png`` and ``classes`` are ``None`` for a role that may not see the cell risk.
    """

    risk_png: bytes | None
    classes: maplayers.RiskClasses | None
    markers: pd.DataFrame
    reports: pd.DataFrame


@st.cache_data(show_spinner=False, max_entries=64)
def map_content(
    key: AnalysisKey, role: Role, weights: tuple[tuple[str, float], ...], top_n: int
) -> MapContent:
    """Return the risk image, its legend, the top ``top_n`` addresses and the reports.

    Cached per analysis, role and mix: moving back to a mix, or another user of the same
    role, draws without computing.
    """
    mix = dict(weights)
    risk_png = classes = None
    if may_see_cell_risk(role):
        surface = maplayers.mix_grid(strength_grid(key), mix)
        classes = maplayers.risk_classes(surface)
        risk_png = maplayers.surface_png(surface, classes)
    analysis = cached_analysis(key)
    markers = maplayers.address_markers(role, analysis, address_strengths(key), mix, top_n=top_n)
    return MapContent(risk_png, classes, markers, maplayers.report_points(role, analysis))


def cached_analysis(key: AnalysisKey) -> Analysis:
    """Return the analysis ``key`` (computed without a progress bar when not held)."""
    return _analysis(key, _ignore_progress)


def _ignore_progress(_step: str, _fraction: float) -> None:
    """Progress of an analysis that is already cached: nothing to show."""
