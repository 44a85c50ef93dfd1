"""Inspections by police and municipality: chosen by earlier suspicion, not at random.

Each month brings ``inspections_per_month`` visits. A share goes back to addresses the
police already know (``repeat_visit_share``: the same farms visited again and again), some
to premises on the register, some to the address nearest to a recent drug-related report,
a few to random rural addresses. Every find is an inspection on the day the site was found
(outcome ``cannabis_grow``, ``drug_lab`` or ``storage``), often after a visit with
``signals`` some weeks before; an inspection that hits an active site that is not found then
says ``signals`` or ``nothing``. After a find the police come back once for aftercare.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from buitengebied_worlds.draft import Draft
from buitengebied_worlds.params import WorldParams
from buitengebied_worlds.reports import DRUG_CATEGORIES

FIND_OUTCOME = {"grow": "cannabis_grow", "lab": "drug_lab", "storage": "storage"}


def inspections(draft: Draft, report_records: pd.DataFrame) -> pd.DataFrame:
    """Rows of the inspections layer: ``address_id``, ``inspected_at``, ``outcome``.

    Parameters
    ----------
    draft : Draft
        The world so far.
    report_records : pandas.DataFrame
        The field reports (suspicion follows them).

    Returns
    -------
    pandas.DataFrame
        One row per inspection before ``as_of``, sorted by date.
    """
    premises, sites, params, rng = draft.premises, draft.sites, draft.params, draft.rng
    window_start, as_of = draft.window.start, draft.window.as_of
    rows: list[tuple[int, pd.Timestamp, str]] = []
    site_at = {int(r): i for i, r in zip(sites.index, sites["row"], strict=True)}
    for _, site in sites[sites["found_on"].notna()].iterrows():
        found = site["found_on"]
        rows.append((int(site["row"]), found, FIND_OUTCOME[site["site_kind"]]))
        earlier = found - pd.Timedelta(days=int(rng.integers(14, 120)))
        if rng.random() < 0.35 and earlier > max(site["active_from"], window_start):
            rows.append((int(site["row"]), earlier, "signals"))
        later = found + pd.Timedelta(days=int(rng.integers(30, 180)))
        if rng.random() < 0.4 and later < as_of:
            rows.append((int(site["row"]), later, "nothing"))
    rows += _routine(premises, sites, site_at, report_records, params, window_start, as_of, rng)
    frame = pd.DataFrame(rows, columns=["row", "inspected_at", "outcome"])
    frame = frame[(frame["inspected_at"] < as_of) & (frame["inspected_at"] >= window_start)]
    frame = frame.drop_duplicates(["row", "inspected_at"])
    return pd.DataFrame(
        {
            "address_id": premises["address_id"].to_numpy()[frame["row"].to_numpy()],
            "inspected_at": frame["inspected_at"].dt.strftime("%Y-%m-%d").to_numpy(),
            "outcome": frame["outcome"].to_numpy(),
        }
    ).sort_values(["inspected_at", "address_id"], ignore_index=True)


def _routine(
    premises: pd.DataFrame,
    sites: pd.DataFrame,
    site_at: dict[int, int],
    report_records: pd.DataFrame,
    params: WorldParams,
    window_start: pd.Timestamp,
    as_of: pd.Timestamp,
    rng: np.random.Generator,
) -> list[tuple[int, pd.Timestamp, str]]:
    """Visits chosen by suspicion: known addresses, the register, recent reports, chance."""
    known = np.flatnonzero(premises["known_to_police"].to_numpy())
    registered = np.flatnonzero(premises["registered"].to_numpy())
    rural = np.flatnonzero(
        ~premises["premise"].isin(["village_house", "village_business"]).to_numpy()
    )
    drug = report_records[report_records["category"].isin(DRUG_CATEGORIES)]
    drug_days = (
        pd.to_datetime(drug["observed_at"].str.slice(0, 10)) - window_start
    ).dt.days.to_numpy()
    tree = shapely.STRtree(shapely.points(premises["x"].to_numpy(), premises["y"].to_numpy()))
    nearest = tree.query_nearest(
        shapely.points(drug["x"].to_numpy(), drug["y"].to_numpy()), all_matches=False
    )[1]
    # Some addresses are the police's favourites: visited over and over.
    favourite = rng.lognormal(0.0, 1.0, len(known))
    rows = []
    days = (as_of - window_start).days
    for month_start in range(0, days, 30):
        for _ in range(int(rng.poisson(params.inspections_per_month))):
            day = month_start + int(rng.integers(0, 30))
            mode = rng.choice(
                ["repeat", "register", "suspicion", "chance"], p=_mode_weights(params)
            )
            if mode == "repeat" and len(known):
                target = int(rng.choice(known, p=favourite / favourite.sum()))
            elif mode == "register" and len(registered):
                target = int(rng.choice(registered))
            elif mode == "suspicion" and ((drug_days < day) & (drug_days >= day - 60)).any():
                recent = np.flatnonzero((drug_days < day) & (drug_days >= day - 60))
                target = int(nearest[rng.choice(recent)])
            else:
                target = int(rng.choice(rural))
            when = window_start + pd.Timedelta(days=day)
            rows.append((target, when, _outcome(target, when, sites, site_at, rng)))
    return rows


def _mode_weights(params: WorldParams) -> np.ndarray:
    """Probabilities of the four ways a target is chosen."""
    rest = 1.0 - params.repeat_visit_share
    return np.array([params.repeat_visit_share, 0.35 * rest, 0.5 * rest, 0.15 * rest])


def _outcome(
    target: int,
    when: pd.Timestamp,
    sites: pd.DataFrame,
    site_at: dict[int, int],
    rng: np.random.Generator,
) -> str:
    """What a routine visit finds: never a site (finds are dated by the truth), at most signals."""
    index = site_at.get(target)
    if index is not None:
        site = sites.loc[index]
        end = pd.Timestamp.max if pd.isna(site["active_to"]) else site["active_to"]
        if site["active_from"] <= when < end:
            return "signals" if rng.random() < 0.45 else "nothing"
    return str(rng.choice(["nothing", "signals", "other"], p=[0.82, 0.1, 0.08]))
