"""The causal mechanisms of the second generator behave as docs/worlds.md says."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from buitengebied_worlds.energy import _sites
from buitengebied_worlds.geography import build_geography
from buitengebied_worlds.params import params_for_kind
from buitengebied_worlds.premises import build_premises
from buitengebied_worlds.register import mark_register
from buitengebied_worlds.sites import place_weights, visibility

AS_OF = pd.Timestamp("2026-01-01")


@pytest.fixture(scope="module")
def premises() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    params = params_for_kind("mixed", rng, n_addresses=5000)
    geography = build_geography(rng)
    return mark_register(build_premises(geography, 5000, AS_OF, rng), params, AS_OF, rng)


def mean_weight_by_premise(premises: pd.DataFrame, kind: str) -> pd.Series:
    params = params_for_kind("mixed", np.random.default_rng(0), n_addresses=None)
    weights = place_weights(premises, kind, params, AS_OF)
    return pd.Series(weights).groupby(premises["premise"].to_numpy()).mean()


def test_labs_want_stopped_farms_and_sheds_not_village_houses(premises: pd.DataFrame):
    mean = mean_weight_by_premise(premises, "lab")
    assert mean["farm_stopped"] > 100 * mean["village_house"]
    assert mean["outbuilding"] > mean["rural_house"]


def test_labs_prefer_remote_premises_and_storage_the_main_roads(premises: pd.DataFrame):
    params = params_for_kind("mixed", np.random.default_rng(0), n_addresses=None)
    stopped = premises[premises["premise"] == "farm_stopped"]
    near, far = (
        stopped.assign(distance_to_village_m=300.0),
        stopped.assign(distance_to_village_m=3000.0),
    )
    ratio = place_weights(far, "lab", params, AS_OF) / place_weights(near, "lab", params, AS_OF)
    assert (ratio > 2.0).all()
    by_road, off_road = (
        stopped.assign(distance_to_main_m=100.0),
        stopped.assign(distance_to_main_m=4000.0),
    )
    ratio = place_weights(by_road, "storage", params, AS_OF) / place_weights(
        off_road, "storage", params, AS_OF
    )
    assert (ratio > 3.0).all()


def test_grows_also_sit_in_village_houses(premises: pd.DataFrame):
    mean = mean_weight_by_premise(premises, "grow")
    assert mean["village_house"] > 0
    assert mean["village_house"] > 20 * mean_weight_by_premise(premises, "lab")["village_house"]


def test_finds_lean_to_registered_and_known_premises(premises: pd.DataFrame):
    seen = visibility(premises)
    registered = premises["registered"].to_numpy()
    assert seen[registered].mean() > 1.5 * seen[~registered].mean()


def test_the_register_lags_behind_recently_stopped_farms(premises: pd.DataFrame):
    stopped = premises[premises["premise"] == "farm_stopped"]
    days = (AS_OF - pd.to_datetime(stopped["stopped_on"])).dt.days
    recent = stopped["registered"][days < 2 * 365].mean()
    older = stopped["registered"][days >= 2 * 365].mean()
    assert recent < older


def one_grow(premises: pd.DataFrame, bypass_prob: float) -> np.ndarray:
    """The metered change a stable grow makes, per month, for one bypass probability."""
    params = params_for_kind("mixed", np.random.default_rng(0), n_addresses=None)
    params = dataclasses.replace(params, bypass_prob=bypass_prob)
    row = int(np.flatnonzero(premises["premise"].to_numpy() == "outbuilding")[0])
    sites = pd.DataFrame(
        {
            "row": [row],
            "site_kind": ["grow"],
            "active_from": [pd.Timestamp("2025-01-01")],
            "active_to": [pd.NaT],
        }
    )
    months = pd.date_range("2024-01-01", "2025-12-01", freq="MS")
    monthly = np.full((len(premises), len(months)), 300.0)
    return _sites(premises, sites, months, params, monthly, np.random.default_rng(1))[row]


def test_a_metered_grow_draws_power_and_a_bypassed_one_does_not(premises: pd.DataFrame):
    metered = one_grow(premises, bypass_prob=0.0)
    bypassed = one_grow(premises, bypass_prob=1.0)
    assert (metered[:12] == 0).all() and (metered[12:] > 1000).all()
    assert (bypassed <= 0).all()
