"""Field reports: who walks where, what they notice, and the many false alarms.

Effort decides where reports fall, not risk: residents report around the villages and their
own homes, farmers around farms, rangers and hunters in and along the woods and estates,
the water board along the IJssel and the brooks, BOA's and police along the roads. Most
reports are snapped to a road or path (people report from where they stand). The background
(``background_reports_per_year``) is noise with respect to the drug sites; a few frequent
reporters each file dozens of low-confidence reports around their home within a stretch of
months. A site raises reports at ``site_reports_per_month`` times its exposure: a site near a
village is seen by many, a remote barn by few. A drained lab may be smelled by the water
board on a ditch nearby; a found dumping is often reported too. Green themes (poaching,
illegal fishing, litter) concentrate at a few hot spots in the woods and on the water.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from buitengebied_worlds.draft import Draft
from buitengebied_worlds.geography import Geography, points_on_lines
from buitengebied_worlds.params import WorldParams

ROLE_CATEGORIES: dict[str, dict[str, float]] = {
    "resident": {
        "comings_and_goings": 0.25,
        "strange_vehicles": 0.2,
        "night_noise": 0.15,
        "covered_windows": 0.05,
        "litter": 0.15,
        "drug_waste": 0.05,
        "other": 0.15,
    },
    "farmer": {
        "strange_vehicles": 0.3,
        "comings_and_goings": 0.2,
        "litter": 0.2,
        "poaching": 0.1,
        "drug_waste": 0.05,
        "other": 0.15,
    },
    "ranger": {
        "poaching": 0.25,
        "litter": 0.3,
        "strange_vehicles": 0.15,
        "drug_waste": 0.08,
        "illegal_fishing": 0.05,
        "comings_and_goings": 0.07,
        "other": 0.1,
    },
    "hunter": {
        "poaching": 0.4,
        "strange_vehicles": 0.25,
        "night_noise": 0.15,
        "litter": 0.1,
        "other": 0.1,
    },
    "water_board": {
        "illegal_fishing": 0.3,
        "litter": 0.3,
        "drug_waste": 0.15,
        "chemical_smell": 0.1,
        "other": 0.15,
    },
    "boa": {
        "litter": 0.35,
        "illegal_fishing": 0.15,
        "poaching": 0.2,
        "strange_vehicles": 0.15,
        "other": 0.15,
    },
    "police": {"strange_vehicles": 0.4, "comings_and_goings": 0.3, "other": 0.3},
    "municipality": {"litter": 0.4, "strange_vehicles": 0.2, "other": 0.4},
}
SITE_CATEGORIES: dict[str, dict[str, float]] = {
    "grow": {
        "covered_windows": 0.2,
        "night_noise": 0.2,
        "comings_and_goings": 0.25,
        "strange_vehicles": 0.1,
        "other": 0.25,
    },
    "lab": {
        "chemical_smell": 0.3,
        "strange_vehicles": 0.25,
        "comings_and_goings": 0.25,
        "night_noise": 0.1,
        "other": 0.1,
    },
    "storage": {
        "strange_vehicles": 0.35,
        "comings_and_goings": 0.4,
        "chemical_smell": 0.1,
        "other": 0.15,
    },
}
SITE_RATE = {"grow": 0.8, "lab": 1.5, "storage": 0.8}
ORGS = {
    "ranger": (
        "Staatsbosbeheer",
        "Geldersch Landschap & Kasteelen",
        "Natuurmonumenten",
        "Boswachters Achterhoek",
    ),
    "hunter": ("WBE Bronckhorst",),
    "water_board": ("Waterschap Rijn en IJssel",),
    "boa": ("Gemeente Bronckhorst",),
    "resident": ("", "Buurtpreventie", "WhatsApp-buurtpreventie"),
    "farmer": ("", "LTO Noord afdeling Bronckhorst"),
    "police": ("Politie Oost-Nederland",),
    "municipality": ("Gemeente Bronckhorst",),
}
DESCRIPTIONS = {
    "comings_and_goings": "veel auto's af en aan bij schuur",
    "strange_vehicles": "onbekend busje met buitenlands kenteken",
    "chemical_smell": "scherpe chemische lucht, anijsgeur",
    "night_noise": "brommend geluid, ventilatoren 's nachts",
    "covered_windows": "ramen afgeplakt, altijd licht",
    "drug_waste": "vaten of jerrycans in berm",
    "poaching": "sporen van stroperij, strikken",
    "illegal_fishing": "vissen zonder vergunning, netten",
    "litter": "afval gedumpt",
    "other": "vreemde geur bij loods",
}
NIGHT_CATEGORIES = (
    "comings_and_goings",
    "strange_vehicles",
    "night_noise",
    "poaching",
    "chemical_smell",
)
DRUG_CATEGORIES = (
    "comings_and_goings",
    "strange_vehicles",
    "chemical_smell",
    "night_noise",
    "covered_windows",
    "drug_waste",
)


def reports(draft: Draft, dumping_records: pd.DataFrame, drains: pd.DataFrame) -> pd.DataFrame:
    """All field reports observed before ``as_of``.

    Parameters
    ----------
    draft : Draft
        The world so far.
    dumping_records : pandas.DataFrame
        The recorded dumpings (a share is reported as ``drug_waste`` too).
    drains : pandas.DataFrame
        Drainings on premises (``site``, ``day``).

    Returns
    -------
    pandas.DataFrame
        ``x``, ``y``, ``observed_at`` (text: a date or a date-time), ``category``,
        ``description``, ``reporter_role``, ``reporter_org``, ``confidence``, ``site`` (-1: noise).
    """
    geography, premises, sites = draft.geography, draft.premises, draft.sites
    params, rng = draft.params, draft.rng
    window_start, as_of = draft.window.start, draft.window.as_of
    days = (as_of - window_start).days
    hot = _green_hot_spots(geography, rng)
    parts = [
        _background(geography, premises, params, days, hot, rng),
        _heavy_reporters(geography, premises, params, days, rng),
        _site_reports(geography, premises, sites, params, window_start, as_of, rng),
        _dumping_reports(dumping_records, window_start, rng),
        _drain_reports(geography, premises, sites, drains, window_start, rng),
    ]
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True)
    frame["day"] = np.where(frame["day"].isna(), 0, frame["day"]).astype(int)
    frame = frame[(frame["day"] >= 0) & (frame["day"] < days)].reset_index(drop=True)
    frame["observed_at"] = _timestamps(frame, window_start, rng)
    frame["description"] = frame["category"].map(DESCRIPTIONS)
    frame.loc[rng.random(len(frame)) < 0.3, "description"] = ""
    frame["reporter_org"] = [str(rng.choice(ORGS[r])) for r in frame["reporter_role"]]
    return frame.sort_values("observed_at", ignore_index=True).drop(columns=["day"])


def _choose(table: dict[str, float], n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws of a category from a table of probabilities."""
    keys = np.array(list(table))
    p = np.array(list(table.values()))
    return rng.choice(keys, size=n, p=p / p.sum())


def _frame(
    x: np.ndarray,
    y: np.ndarray,
    day: np.ndarray,
    category: np.ndarray | str,
    role: np.ndarray | str,
    site: np.ndarray | int,
    *,
    confidence: tuple[float, float, float],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Reports of one source; confidence drawn with probabilities (low, medium, high)."""
    levels = rng.choice(np.array(["low", "medium", "high"]), size=len(x), p=np.array(confidence))
    return pd.DataFrame(
        {
            "x": x,
            "y": y,
            "day": day,
            "category": category,
            "reporter_role": role,
            "confidence": levels,
            "site": site,
        }
    )


def _green_hot_spots(geography: Geography, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Three poaching spots in the woods and three fishing spots on the water."""
    woods = geography.woods.sample(3, random_state=np.random.RandomState(rng.integers(2**31)))
    fx, fy = points_on_lines(geography.water, 3, rng)
    return {
        "poaching": np.array([(w.centroid.x, w.centroid.y) for w in woods]),
        "illegal_fishing": np.column_stack([fx, fy]),
    }


def _where(
    role: str, n: int, geography: Geography, premises: pd.DataFrame, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Where people of ``role`` are when they notice something."""
    if role in ("resident", "farmer"):
        farmers = premises["premise"].isin(["farm_active", "farm_stopped"]).to_numpy()
        pool = np.flatnonzero(farmers) if role == "farmer" else np.arange(len(premises))
        home = rng.choice(pool, size=n)
        spread = 700.0 if role == "farmer" else 400.0
        x = premises["x"].to_numpy()[home] + rng.normal(0.0, spread / 2.0, n)
        y = premises["y"].to_numpy()[home] + rng.normal(0.0, spread / 2.0, n)
        snap = rng.random(n) < 0.7
        sx, sy = geography.snap_to_roads(x[snap], y[snap])
        x[snap], y[snap] = sx, sy
        return x, y
    if role in ("ranger", "hunter"):
        x, y = points_on_lines(
            geography.woods.boundary, n, rng, offset_m=(0.0, 250.0 if role == "ranger" else 600.0)
        )
        snap = rng.random(n) < (0.5 if role == "ranger" else 0.2)
        sx, sy = geography.snap_to_roads(x[snap], y[snap])
        x[snap], y[snap] = sx, sy
        return x, y
    if role == "water_board":
        return points_on_lines(geography.water, n, rng, offset_m=(0.0, 40.0))
    roads = geography.roads[geography.roads["road_class"] != "street"].geometry
    return points_on_lines(roads, n, rng, offset_m=(0.0, 10.0))


def _background(
    geography: Geography,
    premises: pd.DataFrame,
    params: WorldParams,
    days: int,
    hot: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Reports that have nothing to do with a drug site."""
    n = int(rng.poisson(params.background_reports_per_year * days / 365.25))
    roles = {
        "resident": 0.35,
        "farmer": 0.08,
        "hunter": 0.1,
        "water_board": 0.07,
        "boa": 0.12,
        "police": 0.03,
        "municipality": 0.02,
    }
    scale = (1.0 - params.ranger_share) / sum(roles.values())
    roles = {k: v * scale for k, v in roles.items()} | {"ranger": params.ranger_share}
    role = _choose(roles, n, rng)
    frames = []
    for name in np.unique(role):
        count = int((role == name).sum())
        x, y = _where(str(name), count, geography, premises, rng)
        category = _choose(ROLE_CATEGORIES[str(name)], count, rng)
        for theme, spots in hot.items():
            at_spot = (category == theme) & (rng.random(count) < 0.5)
            pick = rng.integers(len(spots), size=int(at_spot.sum()))
            x[at_spot] = spots[pick, 0] + rng.normal(0.0, 150.0, int(at_spot.sum()))
            y[at_spot] = spots[pick, 1] + rng.normal(0.0, 150.0, int(at_spot.sum()))
        frames.append(
            _frame(
                x,
                y,
                rng.integers(0, days, count),
                category,
                name,
                -1,
                confidence=(0.55, 0.35, 0.1),
                rng=rng,
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _heavy_reporters(
    geography: Geography,
    premises: pd.DataFrame,
    params: WorldParams,
    days: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """A few residents who report a lot, around their home, for a stretch of months."""
    frames = []
    for _ in range(params.n_heavy_reporters):
        home = int(rng.integers(len(premises)))
        n = int(rng.poisson(params.heavy_reports_each))
        x = premises["x"].iat[home] + rng.normal(0.0, 500.0, n)
        y = premises["y"].iat[home] + rng.normal(0.0, 500.0, n)
        x, y = geography.snap_to_roads(x, y)
        length = int(rng.integers(120, 540))
        first = int(rng.integers(0, max(1, days - length)))
        frames.append(
            _frame(
                x,
                y,
                first + rng.integers(0, length, n),
                _choose(ROLE_CATEGORIES["resident"], n, rng),
                "resident",
                -1,
                confidence=(0.7, 0.25, 0.05),
                rng=rng,
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _site_reports(
    geography: Geography,
    premises: pd.DataFrame,
    sites: pd.DataFrame,
    params: WorldParams,
    window_start: pd.Timestamp,
    as_of: pd.Timestamp,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Reports of what a site gives away, seen from the road nearby."""
    frames = []
    wood_distance = geography.distance_to(
        geography.woods, premises["x"].to_numpy(), premises["y"].to_numpy()
    )
    for index, site in sites.iterrows():
        start = max(site["active_from"], window_start)
        end = as_of if pd.isna(site["active_to"]) else site["active_to"]
        if end <= start:
            continue
        row = int(site["row"])
        near_village = np.exp(-premises["distance_to_village_m"].iat[row] / 1000.0)
        exposure = (1.0 + 2.0 * near_village) * (1.0 + 0.8 * np.exp(-wood_distance[row] / 500.0))
        months = (end - start).days / 30.44
        n = int(
            rng.poisson(
                params.site_reports_per_month * SITE_RATE[site["site_kind"]] * exposure * months
            )
        )
        if n == 0:
            continue
        angle = rng.uniform(0.0, 2.0 * np.pi, n)
        distance = rng.uniform(40.0, 300.0, n)
        x = premises["x"].iat[row] + distance * np.cos(angle)
        y = premises["y"].iat[row] + distance * np.sin(angle)
        snap = rng.random(n) < 0.7
        sx, sy = geography.snap_to_roads(x[snap], y[snap])
        x[snap], y[snap] = sx, sy
        if near_village > 0.37:
            role = rng.choice(["resident", "police", "boa"], n, p=[0.8, 0.1, 0.1])
        else:
            role = rng.choice(
                ["resident", "farmer", "hunter", "ranger", "police"],
                n,
                p=[0.35, 0.25, 0.15, 0.15, 0.1],
            )
        first = (start - window_start).days
        frames.append(
            _frame(
                x,
                y,
                first + rng.integers(0, max(1, (end - start).days), n),
                _choose(SITE_CATEGORIES[site["site_kind"]], n, rng),
                role,
                index,
                confidence=(0.3, 0.45, 0.25),
                rng=rng,
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _dumping_reports(
    dumping_records: pd.DataFrame, window_start: pd.Timestamp, rng: np.random.Generator
) -> pd.DataFrame:
    """Half of the found dumpings are also reported, by whoever found them."""
    chosen = dumping_records[rng.random(len(dumping_records)) < 0.5]
    n = len(chosen)
    return _frame(
        chosen["x"].to_numpy() + rng.normal(0.0, 20.0, n),
        chosen["y"].to_numpy() + rng.normal(0.0, 20.0, n),
        (pd.to_datetime(chosen["observed_at"]) - window_start).dt.days.to_numpy()
        - rng.integers(0, 2, n),
        "drug_waste",
        rng.choice(["ranger", "water_board", "resident", "farmer", "boa"], n),
        chosen["site"].to_numpy(),
        confidence=(0.1, 0.4, 0.5),
        rng=rng,
    )


def _drain_reports(
    geography: Geography,
    premises: pd.DataFrame,
    sites: pd.DataFrame,
    drains: pd.DataFrame,
    window_start: pd.Timestamp,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Waste drained on the premises: sometimes the water board smells it in a ditch nearby."""
    noticed = drains[rng.random(len(drains)) < 0.35]
    if noticed.empty:
        return pd.DataFrame()
    rows = sites.loc[noticed["site"].to_numpy(), "row"].to_numpy()
    n = len(rows)
    x = premises["x"].to_numpy()[rows] + rng.normal(0.0, 300.0, n)
    y = premises["y"].to_numpy()[rows] + rng.normal(0.0, 300.0, n)
    return _frame(
        x,
        y,
        (pd.to_datetime(noticed["day"]) - window_start).dt.days.to_numpy() + rng.integers(0, 10, n),
        "chemical_smell",
        "water_board",
        noticed["site"].to_numpy(),
        confidence=(0.3, 0.5, 0.2),
        rng=rng,
    )


def _timestamps(
    frame: pd.DataFrame, window_start: pd.Timestamp, rng: np.random.Generator
) -> list[str]:
    """ISO dates; night-time categories often with a time of night, others sometimes with a time."""
    out = []
    for day, category in zip(frame["day"], frame["category"], strict=True):
        date = window_start + pd.Timedelta(days=int(day))
        if category in NIGHT_CATEGORIES and rng.random() < 0.6:
            moment = date + pd.Timedelta(minutes=int(rng.integers(21 * 60, 24 * 60 + 4 * 60)))
            if moment.normalize() > date:
                moment = moment - pd.Timedelta(days=1)
            out.append(moment.strftime("%Y-%m-%dT%H:%M:%S"))
        elif rng.random() < 0.3:
            moment = date + pd.Timedelta(minutes=int(rng.integers(7 * 60, 20 * 60)))
            out.append(moment.strftime("%Y-%m-%dT%H:%M:%S"))
        else:
            out.append(date.strftime("%Y-%m-%d"))
    return out
