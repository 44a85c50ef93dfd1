"""Drug waste: what labs, grows and storage sites (in and outside the area) leave behind.

A lab dumps in batches (one trip, one to three barrels or jerrycan loads at one place). A
share of the batches is drained on the premises and leaves no dumping record. The others go
by car: to one of the group's two favourite spots (groups keep their spots after a
displacement), or anywhere at a distance drawn from a lognormal kernel around
``dump_distance_median_m`` (5-30 km: often outside the area, where the region's records
still see some of it). Grows dump cannabis waste near-ish (a lognormal around 2.5 km) at
some harvests; village grows rarely (their waste goes in the green bin). Labs outside the
area dump here too (``external_dumps_per_year``), mostly at the favourite spots. Only a share
of the dumpings is found, some days later; a share of the records is a false alarm.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point

from buitengebied_worlds.draft import Draft
from buitengebied_worlds.geography import Geography, favourite_spots, points_on_lines
from buitengebied_worlds.params import WorldParams

# Records reach the data up to this far outside the area (neighbouring water board, police region).
RECORDED_BUFFER_M = 8000.0
FINDERS = {
    "wood_edge": ("Staatsbosbeheer", "Geldersch Landschap & Kasteelen", "Natuurmonumenten"),
    "lane": ("Gemeente Bronckhorst", "Politie Oost-Nederland", "Omgevingsdienst Achterhoek"),
    "outside": ("Waterschap Rijn en IJssel", "Politie Oost-Nederland", "Gemeente Doetinchem"),
}


def dumpings(draft: Draft) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The dumping records known before ``as_of``, and the drainings on premises (hidden).

    Parameters
    ----------
    draft : Draft
        The world so far.

    Returns
    -------
    tuple of pandas.DataFrame
        Records (``x``, ``y``, ``observed_at``, ``waste_type``, ``volume_l``, ``reported_by``,
        ``confirmed``, ``site``: the site index or -1) and drainings (``site``, ``day``).
    """
    geography, premises, sites = draft.geography, draft.premises, draft.sites
    params, rng = draft.params, draft.rng
    window_start, as_of = draft.window.start, draft.window.as_of
    spots = favourite_spots(geography, params.n_favourite_spots, rng)
    group_spots = {
        group: rng.choice(
            len(spots), size=2, replace=False, p=spots["weight"] / spots["weight"].sum()
        )
        for group in np.unique(sites["group"])
    }
    events: list[dict[str, object]] = []
    drains: list[dict[str, object]] = []
    sx = premises["x"].to_numpy()[sites["row"].to_numpy()]
    sy = premises["y"].to_numpy()[sites["row"].to_numpy()]
    for index, site in sites.iterrows():
        start = max(site["active_from"], window_start - pd.Timedelta(days=30))
        end = as_of if pd.isna(site["active_to"]) else site["active_to"]
        months = max(0.0, (end - start).days / 30.44)
        if months <= 0.0:
            continue
        origin = (sx[index], sy[index])
        if site["site_kind"] == "lab":
            _lab_batches(
                events,
                drains,
                index,
                origin,
                start,
                end,
                months,
                group_spots[site["group"]],
                spots,
                geography,
                params,
                rng,
            )
        elif site["site_kind"] == "grow":
            village = premises["premise"].iat[site["row"]] in ("village_house", "village_business")
            _grow_harvests(events, index, origin, start, end, village, geography, params, rng)
        elif rng.random() < 0.05 * months:
            day = start + pd.Timedelta(days=int(rng.integers(0, max(1, (end - start).days))))
            x, y = _far_point(origin, params.dump_distance_median_m, geography, rng)
            events.append(
                {
                    "x": x,
                    "y": y,
                    "day": day,
                    "waste_type": "chemicals",
                    "site": index,
                    "setting": "lane",
                }
            )
    _external(events, spots, geography, params, window_start, as_of, rng)
    records = _observe(events, geography, params, as_of, rng)
    records = pd.concat(
        [records, _false_alarms(len(records), geography, params, window_start, as_of, rng)],
        ignore_index=True,
    )
    return records.sort_values("observed_at", ignore_index=True), pd.DataFrame(
        drains, columns=["site", "day"]
    )


def _lab_batches(
    events: list[dict[str, object]],
    drains: list[dict[str, object]],
    index: int,
    origin: tuple[float, float],
    start: pd.Timestamp,
    end: pd.Timestamp,
    months: float,
    my_spots: np.ndarray,
    spots: pd.DataFrame,
    geography: Geography,
    params: WorldParams,
    rng: np.random.Generator,
) -> None:
    """Dump trips of one lab."""
    span = max(1, (end - start).days)
    for _ in range(int(rng.poisson(params.lab_dumps_per_month * months))):
        day = start + pd.Timedelta(days=int(rng.integers(0, span)))
        if rng.random() < params.drain_on_premises_prob:
            drains.append({"site": index, "day": day})
            continue
        if rng.random() < params.favourite_spot_prob:
            spot = spots.iloc[int(rng.choice(my_spots))]
            x, y, setting = spot["x"], spot["y"], spot["setting"]
        else:
            x, y = _far_point(origin, params.dump_distance_median_m, geography, rng)
            setting = "lane" if geography.area.contains(Point(x, y)) else "outside"
        waste = str(rng.choice(["barrels", "jerrycans", "chemicals"], p=[0.5, 0.4, 0.1]))
        for k in range(1 + int(rng.poisson(0.6))):
            events.append(
                {
                    "x": x + rng.normal(0.0, 25.0),
                    "y": y + rng.normal(0.0, 25.0),
                    "day": day + pd.Timedelta(days=int(k * rng.integers(0, 3))),
                    "waste_type": waste,
                    "site": index,
                    "setting": setting,
                }
            )


def _grow_harvests(
    events: list[dict[str, object]],
    index: int,
    origin: tuple[float, float],
    start: pd.Timestamp,
    end: pd.Timestamp,
    village: bool,
    geography: Geography,
    params: WorldParams,
    rng: np.random.Generator,
) -> None:
    """Cannabis waste of one grow at some of its harvests (every 10-14 weeks)."""
    day = start + pd.Timedelta(days=int(rng.integers(60, 100)))
    chance = params.cannabis_dump_prob * (0.3 if village else 1.0)
    while day < end:
        if rng.random() < chance:
            x, y = _far_point(origin, 2500.0, geography, rng, sigma=0.7)
            events.append(
                {
                    "x": x,
                    "y": y,
                    "day": day,
                    "waste_type": "cannabis_waste",
                    "site": index,
                    "setting": "lane",
                }
            )
        day += pd.Timedelta(days=int(rng.integers(70, 100)))


def _far_point(
    origin: tuple[float, float],
    median_m: float,
    geography: Geography,
    rng: np.random.Generator,
    *,
    sigma: float = 0.5,
) -> tuple[float, float]:
    """A point at a lognormal distance in a random direction, snapped to a road where there is one."""
    distance = rng.lognormal(np.log(median_m), sigma)
    angle = rng.uniform(0.0, 2.0 * np.pi)
    x, y = origin[0] + distance * np.cos(angle), origin[1] + distance * np.sin(angle)
    if geography.area.buffer(1000.0).contains(Point(x, y)):
        rx, ry = geography.snap_to_roads(np.array([x]), np.array([y]))
        x, y = float(rx[0]), float(ry[0])
    return x, y


def _external(
    events: list[dict[str, object]],
    spots: pd.DataFrame,
    geography: Geography,
    params: WorldParams,
    window_start: pd.Timestamp,
    as_of: pd.Timestamp,
    rng: np.random.Generator,
) -> None:
    """Dumpings by labs outside the area: bursts at favourite spots or along main roads."""
    years = (as_of - window_start).days / 365.25
    mains = geography.roads[geography.roads["road_class"] == "main"].geometry
    for _ in range(int(rng.poisson(params.external_dumps_per_year * years))):
        day = window_start + pd.Timedelta(days=int(rng.integers(0, (as_of - window_start).days)))
        if rng.random() < 0.7:
            spot = spots.iloc[
                int(rng.choice(len(spots), p=spots["weight"] / spots["weight"].sum()))
            ]
            x, y, setting = spot["x"], spot["y"], spot["setting"]
        else:
            px, py = points_on_lines(mains, 1, rng)
            x, y, setting = float(px[0]), float(py[0]), "lane"
        waste = str(rng.choice(["barrels", "jerrycans", "chemicals"], p=[0.55, 0.35, 0.1]))
        for k in range(1 + int(rng.poisson(0.8))):
            events.append(
                {
                    "x": x + rng.normal(0.0, 30.0),
                    "y": y + rng.normal(0.0, 30.0),
                    "day": day + pd.Timedelta(days=k),
                    "waste_type": waste,
                    "site": -1,
                    "setting": setting,
                }
            )


def _observe(
    events: list[dict[str, object]],
    geography: Geography,
    params: WorldParams,
    as_of: pd.Timestamp,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The events that are found (some days later), before ``as_of`` and near enough to be recorded."""
    columns = [
        "x",
        "y",
        "observed_at",
        "waste_type",
        "volume_l",
        "reported_by",
        "confirmed",
        "site",
    ]
    if not events:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(events)
    frame["observed_at"] = frame["day"] + pd.to_timedelta(rng.integers(0, 22, len(frame)), unit="D")
    detect = np.where(frame["setting"] == "wood_edge", 1.2, 1.0) * params.dump_detect_prob
    if "cannabis_waste" in set(frame["waste_type"]):
        detect = np.where(frame["waste_type"] == "cannabis_waste", 0.8 * detect, detect)
    region = geography.area.buffer(RECORDED_BUFFER_M)
    keep = (
        (rng.random(len(frame)) < detect)
        & (frame["observed_at"] < as_of).to_numpy()
        & shapely.contains_xy(region, frame["x"].to_numpy(), frame["y"].to_numpy())
    )
    frame = frame[keep].reset_index(drop=True)
    volume = {
        "barrels": (200.0, 4000.0),
        "jerrycans": (20.0, 600.0),
        "chemicals": (50.0, 1500.0),
        "cannabis_waste": (100.0, 2000.0),
    }
    frame["volume_l"] = [round(rng.uniform(*volume[w]), -1) for w in frame["waste_type"]]
    frame["reported_by"] = [str(rng.choice(FINDERS[s])) for s in frame["setting"]]
    frame["confirmed"] = rng.random(len(frame)) < 0.85
    return frame[columns]


def _false_alarms(
    n_true: int,
    geography: Geography,
    params: WorldParams,
    window_start: pd.Timestamp,
    as_of: pd.Timestamp,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Records that turned out not to be drug waste (paint tins, manure bags, fly-tipping)."""
    n = round(params.false_dump_share * n_true / max(1e-9, 1.0 - params.false_dump_share))
    lanes = geography.roads[geography.roads["road_class"] == "lane"].geometry
    x, y = points_on_lines(lanes, n, rng, offset_m=(0.0, 15.0))
    days = rng.integers(0, (as_of - window_start).days, n)
    return pd.DataFrame(
        {
            "x": x,
            "y": y,
            "observed_at": window_start + pd.to_timedelta(days, unit="D"),
            "waste_type": rng.choice(["other", "barrels", "jerrycans"], n, p=[0.6, 0.2, 0.2]),
            "volume_l": np.round(rng.uniform(10.0, 400.0, n), -1),
            "reported_by": rng.choice(FINDERS["lane"], n),
            "confirmed": False,
            "site": -1,
        }
    )
