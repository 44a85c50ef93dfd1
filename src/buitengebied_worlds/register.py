"""The municipality's register of empty premises, and the addresses the police already know.

The register is incomplete and stale on purpose: it holds a share of the stopped farms
(``register_coverage``), farms that stopped in the last two years much less often (the
register is filled by inventories every few years and by owners' own notices), and a share
of entries whose premises are in use again or were never empty (``register_false_share``).
Many rows carry no address (a barn behind a farm without an address of its own).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from buitengebied_worlds.params import WorldParams

BUILDING_TYPES = ("stable", "barn", "shed", "riding_hall", "greenhouse", "other")
SOURCES = (
    "gemeente Bronckhorst leegstandsregister",
    "LTO Noord inventarisatie VAB",
    "melding eigenaar",
)


def mark_register(
    premises: pd.DataFrame, params: WorldParams, as_of: pd.Timestamp, rng: np.random.Generator
) -> pd.DataFrame:
    """Add ``registered`` and ``known_to_police`` to the premises.

    Parameters
    ----------
    premises : pandas.DataFrame
        The addresses with hidden attributes.
    params : WorldParams
        The world's parameters.
    as_of : pandas.Timestamp
        The ranking day.
    rng : numpy.random.Generator
        Draws who is registered.

    Returns
    -------
    pandas.DataFrame
        A copy with the two boolean columns (an outbuilding shares its farm's flags).
    """
    premises = premises.copy()
    premise = premises["premise"].to_numpy()
    stopped_days = (as_of - pd.to_datetime(premises["stopped_on"])).dt.days.to_numpy(dtype=float)
    recent = np.nan_to_num(stopped_days, nan=1e9) < 2 * 365
    chance = np.where(premise == "farm_stopped", params.register_coverage, 0.0)
    chance = np.where(recent, 0.3 * chance, chance)
    registered = rng.random(len(premises)) < chance
    n_false = int(params.register_false_share * registered.sum())
    decoys = np.flatnonzero(np.isin(premise, ["farm_active", "rural_house", "village_business"]))
    registered[rng.choice(decoys, size=n_false, replace=False)] = True
    known = (rng.random(len(premises)) < np.where(registered, 0.2, 0.0)) | (
        rng.random(len(premises))
        < np.where(np.isin(premise, ["farm_stopped", "farm_active", "rural_house"]), 0.012, 0.0)
    )
    sheds = np.flatnonzero(premise == "outbuilding")
    owners = premises["farm_row"].to_numpy()[sheds]
    registered[sheds], known[sheds] = registered[owners], known[owners]
    premises["registered"], premises["known_to_police"] = registered, known
    return premises


def vacant_buildings(
    premises: pd.DataFrame, as_of: pd.Timestamp, rng: np.random.Generator
) -> pd.DataFrame:
    """The register's rows: one or two buildings per registered premise.

    Parameters
    ----------
    premises : pandas.DataFrame
        The addresses with ``registered``.
    as_of : pandas.Timestamp
        Rows registered on or after it are left out.
    rng : numpy.random.Generator
        Draws types, dates and offsets.

    Returns
    -------
    pandas.DataFrame
        ``building_id``, ``address_id``, ``building_type``, ``vacant_since`` (ISO or empty),
        ``floor_area_m2`` (NaN where unknown), ``source``, ``x``, ``y``.
    """
    farmhouses = premises[
        premises["registered"].to_numpy() & (premises["premise"] != "outbuilding").to_numpy()
    ]
    rows = []
    by_farm = {
        int(r.farm_row): r for r in premises[premises["premise"] == "outbuilding"].itertuples()
    }
    for home in farmhouses.itertuples():
        shed = by_farm.get(int(home.row))
        n_buildings = 1 + int(rng.random() < 0.3) if home.premise == "farm_stopped" else 1
        for _ in range(n_buildings):
            if home.premise == "farm_stopped":
                kind = str(rng.choice(BUILDING_TYPES, p=[0.45, 0.25, 0.15, 0.05, 0.05, 0.05]))
                since = pd.Timestamp(home.stopped_on) + pd.Timedelta(days=int(rng.integers(0, 500)))
            else:
                kind = (
                    "dwelling"
                    if home.premise == "rural_house"
                    else str(rng.choice(["stable", "shed", "other"]))
                )
                since = as_of - pd.Timedelta(days=int(rng.integers(60, 3650)))
            if since >= as_of:
                continue
            address = (
                (shed.address_id if shed is not None else home.address_id)
                if rng.random() > 0.2
                else ""
            )
            angle = rng.uniform(0.0, 2.0 * np.pi)
            area = home.outbuilding_m2 if home.outbuilding_m2 > 0 else home.floor_area_m2
            rows.append(
                {
                    "address_id": address,
                    "building_type": kind,
                    "vacant_since": "" if rng.random() < 0.1 else since.strftime("%Y-%m-%d"),
                    "floor_area_m2": np.nan
                    if rng.random() < 0.15
                    else round(float(area) * rng.uniform(0.3, 0.9)),
                    "source": str(rng.choice(SOURCES, p=[0.6, 0.3, 0.1])),
                    "x": home.x + rng.uniform(30.0, 90.0) * np.cos(angle),
                    "y": home.y + rng.uniform(30.0, 90.0) * np.sin(angle),
                }
            )
    table = pd.DataFrame(rows)
    table = table.iloc[rng.permutation(len(table))].reset_index(drop=True)
    table.insert(0, "building_id", [f"VAB-{i + 1:05d}" for i in range(len(table))])
    return table
