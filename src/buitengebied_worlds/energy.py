"""Metered electricity per connection: households, farms, their confounders, and the sites.

Baselines per kind of premise (lognormal, village houses around 3,200 kWh a year, rural
dwellings higher, in line with Liander's standard annual use of 5,000-6,300 kWh per
connection in Bronckhorst's rural postcode ranges); a dwelling's baseline is scaled by its
woonplaats's mean use relative to Bronckhorst's (Liander 2010). Confounders: dairy farms (milking robots
and cooling, a step up when a robot is installed), solar panels (net use drops, often below
zero on farm roofs, with a step at installation), heat pumps (winter peak, a step up),
holiday homes (empty in winter), farms that stop (a step down to a household's use).

Sites: a grow draws its lamps' power, but with ``bypass_prob`` the meter is bypassed and the
metered use stays normal or even falls (the household's own load moves to the bypass). Labs
add a little, storage nothing. Connections are read monthly (smart meters,
``smart_meter_share``) or once a year on a per-address anniversary month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from buitengebied_worlds.draft import Draft
from buitengebied_worlds.geography import reference_csv
from buitengebied_worlds.params import WorldParams

BASE_MEDIAN_KWH = {
    "village_house": 3200.0,
    "village_business": 12000.0,
    "business_unit": 25000.0,
    "rural_house": 4300.0,
    "farm_active": 15000.0,
    "farm_stopped": 3800.0,
    "holiday_home": 1500.0,
    "estate": 9000.0,
    "outbuilding": 6000.0,
}


def energy(draft: Draft) -> pd.DataFrame:
    """Rows of the energy layer: ``address_id``, ``period_start``, ``period_end``, ``kwh``.

    Parameters
    ----------
    draft : Draft
        The world so far.

    Returns
    -------
    pandas.DataFrame
        One row per connection and period (periods ended before ``as_of``).
    """
    premises, sites, params, rng = draft.premises, draft.sites, draft.params, draft.rng
    window_start, as_of = draft.window.start, draft.window.as_of
    months = pd.date_range(window_start.to_period("M").to_timestamp(), as_of, freq="MS")
    monthly = _household_and_farm(premises, months, params, rng)
    monthly += _sites(premises, sites, months, params, monthly, rng)
    connected = rng.random(len(premises)) < params.energy_coverage
    smart = rng.random(len(premises)) < params.smart_meter_share
    anniversary = rng.integers(1, 13, len(premises))
    first = months.to_numpy().astype("datetime64[D]")
    last = (months + pd.offsets.MonthEnd(0)).to_numpy().astype("datetime64[D]")
    ended = last < as_of.to_datetime64()
    ids = premises["address_id"].to_numpy()
    parts = []
    readers = np.flatnonzero(connected & smart)
    done = np.flatnonzero(ended)
    parts.append(
        (
            np.repeat(ids[readers], len(done)),
            np.tile(first[done], len(readers)),
            np.tile(last[done], len(readers)),
            monthly[np.ix_(readers, done)].ravel(),
        )
    )
    running = np.concatenate([np.zeros((len(premises), 1)), np.cumsum(monthly, axis=1)], axis=1)
    for month in range(1, 13):
        readers = np.flatnonzero(connected & ~smart & (anniversary == month))
        starts = np.array(
            [
                k
                for k in np.flatnonzero(months.month == month)
                if k + 12 <= len(months) and ended[k + 11]
            ],
            dtype=int,
        )
        if len(starts) == 0 or len(readers) == 0:
            continue
        totals = running[np.ix_(readers, starts + 12)] - running[np.ix_(readers, starts)]
        parts.append(
            (
                np.repeat(ids[readers], len(starts)),
                np.tile(first[starts], len(readers)),
                np.tile(last[starts + 11], len(readers)),
                totals.ravel(),
            )
        )
    frame = pd.DataFrame(
        {
            "address_id": np.concatenate([p[0] for p in parts]),
            "period_start": np.datetime_as_string(np.concatenate([p[1] for p in parts]), unit="D"),
            "period_end": np.datetime_as_string(np.concatenate([p[2] for p in parts]), unit="D"),
            "kwh": np.round(np.concatenate([p[3] for p in parts])).astype(int),
        }
    )
    return frame.sort_values(["address_id", "period_start"], ignore_index=True)


def _step(
    n: int, months: pd.DatetimeIndex, before_share: float, rng: np.random.Generator
) -> np.ndarray:
    """For each connection, 1 from an installation month on (a share installed before the window)."""
    first = np.where(rng.random(n) < before_share, 0, rng.integers(0, len(months) + 6, n))
    return (np.arange(len(months))[None, :] >= first[:, None]).astype(float)


def _household_and_farm(
    premises: pd.DataFrame, months: pd.DatetimeIndex, params: WorldParams, rng: np.random.Generator
) -> np.ndarray:
    """Net metered kWh per connection and month, without any site."""
    n, m = len(premises), len(months)
    premise = premises["premise"].to_numpy()
    median = pd.Series(premise).map(BASE_MEDIAN_KWH).to_numpy()
    dairy = premises["dairy"].to_numpy(dtype=bool)
    intensive = premises["intensive"].to_numpy(dtype=bool)
    farm_side = np.isin(premise, ["farm_active", "outbuilding"]) & ~premises[
        "farm_stopped_owner"
    ].to_numpy(dtype=bool)
    # Where the stables have their own connection, the farmhouse uses a household's share.
    median = np.where(
        premises["has_outbuilding_address"].to_numpy() & (premise == "farm_active"), 4500.0, median
    )
    median = np.where(farm_side & dairy, median * 3.0, median)
    median = np.where(farm_side & intensive, median * 4.0, median)
    median = np.where(
        (premise == "outbuilding") & premises["farm_stopped_owner"].to_numpy(dtype=bool),
        600.0,
        median,
    )
    dwelling = np.isin(premise, ["village_house", "rural_house", "farm_stopped"])
    median = np.where(dwelling, median * _woonplaats_factor(premises["place"]), median)
    annual = rng.lognormal(np.log(median), 0.45)
    phase = 2.0 * np.pi * (months.month.to_numpy() - 1) / 12.0
    winter = 1.0 + 0.18 * np.cos(phase)
    season = np.tile(winter, (n, 1))
    holiday = premise == "holiday_home"
    season[holiday] = 0.4 + 1.2 * np.clip(-np.cos(phase), 0.0, None) + 0.2
    base = annual[:, None] / 12.0 * season * rng.lognormal(0.0, 0.1, (n, m))

    robots = farm_side & dairy & (rng.random(n) < params.robot_share)
    base[robots] *= 1.0 + 0.6 * _step(int(robots.sum()), months, 0.7, rng)
    stopped_in_window = _stopped_mask(premises, months)
    base = np.where(stopped_in_window == 0.0, base * 4.0, base)

    heat_pump = np.isin(
        premise, ["village_house", "rural_house", "farm_stopped", "farm_active"]
    ) & (rng.random(n) < 0.1)
    base[heat_pump] += (
        rng.uniform(3000.0, 4500.0, (int(heat_pump.sum()), 1))
        / 12.0
        * (1.0 + 0.8 * np.cos(phase))
        * _step(int(heat_pump.sum()), months, 0.5, rng)
    )

    solar_chance = (
        np.where(np.isin(premise, ["farm_active", "farm_stopped", "outbuilding"]), 1.3, 1.0)
        * params.solar_share
    )
    solar = rng.random(n) < np.clip(solar_chance, 0.0, 0.95)
    big_roof = np.isin(premise, ["farm_active", "outbuilding", "business_unit"]) | (
        premise == "farm_stopped"
    ) & (rng.random(n) < 0.4)
    kwp = np.where(big_roof, rng.uniform(15.0, 90.0, n), rng.uniform(2.5, 6.5, n))
    sun = 1.0 - 0.75 * np.cos(phase)
    production = (
        kwp[solar, None] * 900.0 / 12.0 * sun[None, :] * _step(int(solar.sum()), months, 0.6, rng)
    )
    base[solar] -= production
    return base


def _woonplaats_factor(places: pd.Series) -> np.ndarray:
    """Liander's mean standard annual use per woonplaats relative to Bronckhorst's (2010)."""
    streets = reference_csv("liander_streets_2010.csv")
    streets["kwh"] = streets["sjv_kwh"] * streets["connections"]
    totals = streets.groupby("woonplaats")[["kwh", "connections"]].sum()
    mean = totals["kwh"] / totals["connections"]
    factor = mean / (totals["kwh"].sum() / totals["connections"].sum())
    return places.str.upper().map(factor).fillna(1.0).to_numpy()


def _stopped_mask(premises: pd.DataFrame, months: pd.DatetimeIndex) -> np.ndarray:
    """0 where a stopped farm was still working in that month (x4 use), else 1."""
    stopped_on = pd.to_datetime(premises["stopped_on"])
    working = stopped_on.to_numpy()[:, None] > months.to_numpy()[None, :]
    applies = (
        premises["premise"].isin(["farm_stopped", "outbuilding"]) & stopped_on.notna()
    ).to_numpy()
    return np.where(working & applies[:, None], 0.0, 1.0)


def _sites(
    premises: pd.DataFrame,
    sites: pd.DataFrame,
    months: pd.DatetimeIndex,
    params: WorldParams,
    monthly: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """The change in metered kWh that each site makes, per month."""
    extra = np.zeros_like(monthly)
    first = months.to_numpy()
    last = (months + pd.offsets.MonthEnd(0)).to_numpy()
    for _, site in sites.iterrows():
        row = int(site["row"])
        end = pd.Timestamp("2200-01-01") if pd.isna(site["active_to"]) else site["active_to"]
        overlap = np.minimum(last, end.to_datetime64()) - np.maximum(
            first, site["active_from"].to_datetime64()
        )
        days = overlap.astype("timedelta64[D]").astype(float) + 1.0
        share = np.clip(days / months.days_in_month.to_numpy(), 0.0, 1.0)
        if site["site_kind"] == "grow":
            house = premises["premise"].iat[row] in (
                "village_house",
                "rural_house",
                "holiday_home",
                "village_business",
            )
            lamps = rng.lognormal(np.log(25000.0 if house else 90000.0), 0.6) / 12.0
            if rng.random() < params.bypass_prob:
                if rng.random() < 0.5:
                    extra[row] -= share * rng.uniform(0.2, 0.7) * np.clip(monthly[row], 0.0, None)
            else:
                extra[row] += share * lamps
        elif site["site_kind"] == "lab":
            extra[row] += share * rng.lognormal(np.log(5000.0), 0.5) / 12.0
        else:
            extra[row] += share * 500.0 / 12.0
    return extra
