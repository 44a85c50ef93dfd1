"""The hidden sites (the truth): where grows, labs and storage sit, when, and which were found.

The counts are set first (active on ``as_of`` and not found; found in the two years before),
then every site gets its dates and then its premise. Three pools:

- found sites, placed with weights tilted towards *visible* premises (near a village, on the
  register, known to the police): the finds are a biased sample of the sites;
- displaced successors: after a find, the same group opens a new site of the same kind some
  weeks later, a few to twenty kilometres away, and keeps dumping at its spots;
- the other sites, active now or ended unfound (labs move on after a few months); a share
  of them (``cluster_share``) belongs to one of two networks that work in their own corner
  of the area, within a few kilometres (``cluster_radius_m``) of the network's base.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from buitengebied_worlds.params import SITE_KINDS, WorldParams

DURATION_MEDIAN_DAYS = {"grow": 420.0, "lab": 150.0, "storage": 240.0}
WINDOW_DAYS = 1096
N_NETWORKS = 2


def place_weights(
    premises: pd.DataFrame, kind: str, params: WorldParams, as_of: pd.Timestamp
) -> np.ndarray:
    """How attractive each address is for a site of ``kind`` (unnormalised).

    Parameters
    ----------
    premises : pandas.DataFrame
        The addresses with hidden attributes.
    kind : str
        ``grow``, ``lab`` or ``storage``.
    params : WorldParams
        The world's parameters.
    as_of : pandas.Timestamp
        The ranking day (how recently a farm stopped).

    Returns
    -------
    numpy.ndarray
        One weight per address.
    """
    base = {
        "grow": {
            "village_house": 0.25 * params.grow_village_weight,
            "village_business": 1.0,
            "business_unit": 4.0,
            "rural_house": 1.5,
            "farm_active": 2.0 * params.active_farm_weight,
            "farm_stopped": 5.0,
            "outbuilding": 8.0,
            "holiday_home": 1.5,
            "estate": 0.5,
        },
        "lab": {
            "village_house": 0.005,
            "village_business": 0.05,
            "business_unit": 3.0,
            "rural_house": 0.4,
            "farm_active": 1.0 * params.active_farm_weight,
            "farm_stopped": 10.0,
            "outbuilding": 15.0,
            "holiday_home": 0.3,
            "estate": 0.3,
        },
        "storage": {
            "village_house": 0.005,
            "village_business": 0.3,
            "business_unit": 12.0,
            "rural_house": 0.3,
            "farm_active": 1.0 * params.active_farm_weight,
            "farm_stopped": 6.0,
            "outbuilding": 12.0,
            "holiday_home": 0.1,
            "estate": 0.2,
        },
    }[kind]
    weight = premises["premise"].map(base).to_numpy(dtype=float)
    # A farmhouse whose stables have their own address: the site is mostly at the stables.
    weight = np.where(premises["has_outbuilding_address"].to_numpy(), 0.3 * weight, weight)
    size = premises["outbuilding_m2"].to_numpy(dtype=float)
    if kind in ("lab", "storage"):
        weight = weight * np.clip(size / 600.0, 0.1, 4.0) ** 0.8
    if kind == "lab":
        remote = 1.0 - np.exp(
            -premises["distance_to_village_m"].to_numpy() / params.remoteness_scale_m
        )
        weight = weight * (remote + 0.03)
    if kind == "storage":
        weight = weight * (np.exp(-premises["distance_to_main_m"].to_numpy() / 1500.0) + 0.15)
    stopped_days = (as_of - pd.to_datetime(premises["stopped_on"])).dt.days.to_numpy(dtype=float)
    recent = np.nan_to_num(stopped_days, nan=1e9) < 5 * 365
    weight = np.where(recent, weight * params.recent_stop_multiplier, weight)
    weight = np.where(
        premises["registered"].to_numpy(), weight * params.register_multiplier, weight
    )
    return weight


def visibility(premises: pd.DataFrame) -> np.ndarray:
    """How likely the police come across a site at each address (found sites lean this way)."""
    near_village = np.exp(-premises["distance_to_village_m"].to_numpy() / 800.0)
    return (
        (1.0 + 1.5 * premises["registered"].to_numpy())
        * (1.0 + 2.0 * near_village)
        * (1.0 + 2.0 * premises["known_to_police"].to_numpy())
    )


def draw_sites(
    premises: pd.DataFrame, params: WorldParams, as_of: pd.Timestamp, rng: np.random.Generator
) -> pd.DataFrame:
    """Every site of the world's history with its dates, premise and group.

    Parameters
    ----------
    premises : pandas.DataFrame
        The addresses with hidden attributes (``registered``, ``known_to_police`` included).
    params : WorldParams
        The world's parameters.
    as_of : pandas.Timestamp
        The ranking day.
    rng : numpy.random.Generator
        Draws everything.

    Returns
    -------
    pandas.DataFrame
        ``row`` (into premises), ``site_kind``, ``active_from``, ``active_to`` (NaT: active),
        ``found_on`` (NaT: never), ``group``, ``predecessor`` (-1: none), ``pool``.
    """
    mix = np.asarray(params.site_mix) / np.sum(params.site_mix)
    records: list[dict[str, object]] = []

    def duration(kind: str) -> int:
        return max(21, int(rng.lognormal(np.log(DURATION_MEDIAN_DAYS[kind]), 0.6)))

    n_old_finds = int(rng.poisson(1.5))
    found_days = np.sort(
        np.concatenate(
            [
                rng.integers(1, 730, params.n_recent_finds),
                rng.integers(730, WINDOW_DAYS, n_old_finds),
            ]
        )
    )[::-1]
    for days_before in found_days:
        kind = str(rng.choice(SITE_KINDS, p=mix))
        found_on = as_of - pd.Timedelta(days=int(days_before))
        records.append(
            {
                "site_kind": kind,
                "active_from": found_on - pd.Timedelta(days=duration(kind)),
                "active_to": found_on,
                "found_on": found_on,
                "pool": "found",
                "predecessor": -1,
            }
        )
    for _ in range(params.n_active_sites):
        kind = str(rng.choice(SITE_KINDS, p=mix))
        age = max(14, int(duration(kind) * rng.uniform(0.05, 1.0)))
        records.append(
            {
                "site_kind": kind,
                "active_from": as_of - pd.Timedelta(days=age),
                "active_to": pd.NaT,
                "found_on": pd.NaT,
                "pool": "active",
                "predecessor": -1,
            }
        )
    for _ in range(int(rng.poisson(params.ended_per_active * params.n_active_sites))):
        kind = str(rng.choice(SITE_KINDS, p=mix))
        active_to = as_of - pd.Timedelta(days=int(rng.integers(1, WINDOW_DAYS)))
        records.append(
            {
                "site_kind": kind,
                "active_from": active_to - pd.Timedelta(days=duration(kind)),
                "active_to": active_to,
                "found_on": pd.NaT,
                "pool": "ended",
                "predecessor": -1,
            }
        )
    sites = pd.DataFrame(records)
    _link_successors(sites, params, as_of, rng)
    sites["row"] = _place(sites, premises, params, as_of, rng)
    sites["group"] = _groups(sites)
    return sites


def _link_successors(
    sites: pd.DataFrame, params: WorldParams, as_of: pd.Timestamp, rng: np.random.Generator
) -> None:
    """After a find, the group reopens: an active site of the same kind starts weeks later."""
    free = set(sites.index[sites["pool"] == "active"])
    for index in sites.index[sites["pool"] == "found"]:
        if rng.random() >= params.displacement_prob:
            continue
        kind = sites.at[index, "site_kind"]
        start = sites.at[index, "found_on"] + pd.Timedelta(days=int(rng.integers(14, 181)))
        candidates = sorted(i for i in free if sites.at[i, "site_kind"] == kind)
        if start >= as_of - pd.Timedelta(days=14) or not candidates:
            continue
        successor = candidates[0]
        free.discard(successor)
        sites.at[successor, "active_from"] = start
        sites.at[successor, "predecessor"] = index
        sites.at[successor, "pool"] = "successor"


def _place(
    sites: pd.DataFrame,
    premises: pd.DataFrame,
    params: WorldParams,
    as_of: pd.Timestamp,
    rng: np.random.Generator,
) -> np.ndarray:
    """A premise for every site, no premise twice; found sites first, successors near their predecessor."""
    taken = np.zeros(len(premises), dtype=bool)
    rows = np.full(len(sites), -1)
    weights = {kind: place_weights(premises, kind, params, as_of) for kind in SITE_KINDS}
    seen = visibility(premises) ** params.find_visibility_exponent
    x, y = premises["x"].to_numpy(), premises["y"].to_numpy()
    bases = rng.choice(len(premises), size=N_NETWORKS, p=weights["grow"] / weights["grow"].sum())
    order = list(sites.index[sites["pool"] == "found"]) + list(
        sites.index[sites["pool"] != "found"]
    )
    for index in order:
        weight = weights[sites.at[index, "site_kind"]].copy()
        if sites.at[index, "pool"] == "found":
            weight *= seen
        predecessor = sites.at[index, "predecessor"]
        if predecessor >= 0:
            origin = rows[predecessor]
            distance = np.hypot(x - x[origin], y - y[origin]) + 1.0
            weight *= np.exp(-0.5 * (np.log(distance / params.displacement_distance_m) / 0.5) ** 2)
        elif sites.at[index, "pool"] != "found" and rng.random() < params.cluster_share:
            home = bases[rng.integers(N_NETWORKS)]
            weight *= np.exp(-np.hypot(x - x[home], y - y[home]) / params.cluster_radius_m)
        weight[taken] = 0.0
        rows[index] = rng.choice(len(premises), p=weight / weight.sum())
        taken[rows[index]] = True
    return rows


def _groups(sites: pd.DataFrame) -> np.ndarray:
    """A group id per site: a successor belongs to its predecessor's group."""
    group = np.arange(len(sites))
    for index in sites.index:
        predecessor = sites.at[index, "predecessor"]
        if predecessor >= 0:
            group[index] = group[predecessor]
    return group


def truth_table(sites: pd.DataFrame, premises: pd.DataFrame) -> pd.DataFrame:
    """The truth file's rows: address_id, site_kind, active_from, active_to, found_on (ISO dates)."""

    def iso(column: pd.Series) -> pd.Series:
        return pd.to_datetime(column).dt.strftime("%Y-%m-%d").fillna("")

    table = pd.DataFrame(
        {
            "address_id": premises["address_id"].to_numpy()[sites["row"].to_numpy()],
            "site_kind": sites["site_kind"].to_numpy(),
            "active_from": iso(sites["active_from"]).to_numpy(),
            "active_to": iso(sites["active_to"]).to_numpy(),
            "found_on": iso(sites["found_on"]).to_numpy(),
        }
    )
    return table.sort_values(["active_from", "address_id"], ignore_index=True)
