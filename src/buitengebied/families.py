"""Scenario families: checking that the engine generalises beyond the demo.

Each family is a set of :class:`~buitengebied.scenario.ScenarioParams` overrides that
changes what the illegal sites look like or what the partners see of them (mostly labs
whose electricity says little, mostly grows, no energy data, sparse reports, many false
reports, a rich inspection history).  :func:`run_family` generates a scenario, runs the
rolling-origin backtest of :mod:`buitengebied.backtest` and scores every method against
the scenario's ground truth: an address counts as a hit in ``[T, T + horizon)`` when a
hidden site is active there at any moment of the window, found or not.  Ground truth, not
the inspections, because a ranking should point at sites, not at where police happened to
look.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import pandas as pd

from buitengebied.backtest import (
    BacktestResult,
    OutcomeFunction,
    rolling_cutoffs,
    run_backtest,
    select_methods,
)
from buitengebied.layerspec import LayerSpec, load_layer_specs
from buitengebied.load import ProgressCallback, load_data_dir
from buitengebied.scenario import ScenarioParams, generate_scenario
from buitengebied.settings import LOCAL_TIMEZONE

logger = logging.getLogger(__name__)

#: Parameter overrides per family; ``default`` is the demo's causal model with another seed.
FAMILIES: Final[Mapping[str, Mapping[str, Any]]] = {
    "default": {},
    "mostly_labs": {
        "site_mix": (("cannabis_grow", 0.15), ("drug_lab", 0.65), ("storage", 0.20)),
    },
    "mostly_grows": {
        "site_mix": (("cannabis_grow", 0.90), ("drug_lab", 0.05), ("storage", 0.05)),
    },
    "no_energy": {"energy_coverage": 0.0},
    "sparse_reports": {
        "report_rate": 1.0,
        "false_report_rate": 10.0,
        "background_report_rate": 60.0,
    },
    "many_false_reports": {"false_report_rate": 250.0, "report_effort_bias": 0.9},
    "rich_inspections": {"inspection_rate": 0.06, "inspection_targeting": 0.7},
}


def family_params(name: str, *, seed: int, n_addresses: int, n_hidden_sites: int) -> ScenarioParams:
    """Return the scenario parameters of family ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`FAMILIES`.
    seed : int
        Scenario seed (use another than the demo's).
    n_addresses, n_hidden_sites : int
        Size of the scenario.

    Returns
    -------
    ScenarioParams
    """
    if name not in FAMILIES:
        raise KeyError(f"unknown scenario family {name!r}; known: {', '.join(FAMILIES)}")
    return replace(
        ScenarioParams(),
        seed=seed,
        n_addresses=n_addresses,
        n_hidden_sites=n_hidden_sites,
        **FAMILIES[name],
    )


def truth_outcomes(hidden_sites: pd.DataFrame) -> OutcomeFunction:
    """Hits per window: addresses where a hidden site is active at some moment of it.

    Parameters
    ----------
    hidden_sites : pandas.DataFrame
        ``address_id``, ``active_from`` and ``active_until`` (empty = still active), as
        in :class:`~buitengebied.scenario.ScenarioTruth`; local dates.

    Returns
    -------
    callable
        ``(start, end) -> pandas.Index`` of ``address_id``.
    """
    active_from = _as_utc(hidden_sites["active_from"])
    active_until = _as_utc(hidden_sites["active_until"])
    address_ids = hidden_sites["address_id"].astype(str)

    def hits(start: pd.Timestamp, end: pd.Timestamp) -> pd.Index:
        overlaps = (active_from < end) & (active_until.isna() | (active_until >= start))
        found = address_ids[overlaps.to_numpy(dtype=bool)].unique()
        return pd.Index(sorted(found), dtype=object, name="address_id")

    return hits


def _as_utc(values: pd.Series) -> pd.Series:
    moments = pd.to_datetime(values)
    if moments.dt.tz is None:
        moments = moments.dt.tz_localize(LOCAL_TIMEZONE)
    return moments.dt.tz_convert("UTC")


def run_family(
    name: str,
    workdir: Path,
    *,
    seed: int = 7,
    n_addresses: int = 8_000,
    n_hidden_sites: int = 40,
    months: int = 24,
    step_months: int = 2,
    horizon_days: int = 180,
    model: str = "expert",
    specs: list[LayerSpec] | None = None,
    on_progress: ProgressCallback | None = None,
) -> BacktestResult:
    """Generate one scenario of a family and backtest every method against its truth.

    Parameters
    ----------
    name : str
        Family (key of :data:`FAMILIES`).
    workdir : Path
        Where the scenario's data directory is written.
    seed, n_addresses, n_hidden_sites : int
        Scenario size and seed.
    months, step_months, horizon_days : int
        Backtest cut-offs: every ``step_months`` over the last ``months`` before the
        scenario's end, each scored over ``horizon_days``.
    model : str
        Which models to compare besides the baselines (see
        :func:`buitengebied.backtest.select_methods`).
    specs : list of LayerSpec, optional
        Factors; default ``layers/``.
    on_progress : callable, optional
        Receives ``(step, fraction)``.

    Returns
    -------
    BacktestResult
    """
    params = family_params(name, seed=seed, n_addresses=n_addresses, n_hidden_sites=n_hidden_sites)
    data_dir = Path(workdir) / name
    truth = generate_scenario(data_dir, params)
    dataset = load_data_dir(data_dir)
    specs = specs if specs is not None else load_layer_specs()
    as_of = pd.Timestamp(params.end, tz=LOCAL_TIMEZONE).tz_convert("UTC")
    cutoffs = rolling_cutoffs(
        as_of, months=months, step_months=step_months, horizon_days=horizon_days
    )
    return run_backtest(
        dataset,
        as_of=as_of,
        horizon_days=horizon_days,
        cutoffs=cutoffs,
        specs=specs,
        methods=select_methods(specs, model=model),
        on_progress=on_progress,
        outcomes=truth_outcomes(truth.hidden_sites),
    )
