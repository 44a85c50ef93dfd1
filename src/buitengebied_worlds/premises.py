"""Addresses and what stands behind them: village houses, farms (working and stopped), sheds.

Each address gets public columns (what BAG would say: use, floor area, street, postcode) and
hidden ones that only the generator sees: the kind of premise, the floor area of the farm
buildings behind it, the day a farm stopped, dairy robots, solar panels, heat pumps, and
whether the municipality's register of empty premises knows it.

Village cores take about 62% of the addresses (streets and postcodes are real Liander
street names of that woonplaats); the rest are scattered along the lanes: dwellings, working
farms, stopped farms whose family often still lives there, holiday parks near the woods and
a few estates. A share of the farms has a separate address for its stables or sheds
(BAG ``overige gebruiksfunctie`` or ``industriefunctie``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from buitengebied_worlds.geography import Geography, points_on_lines, reference_csv

VILLAGE_SHARE = 0.62
BUSINESS_PARK_SHARE = 0.015
RURAL_MIX = {
    "rural_house": 0.5,
    "farm_active": 0.18,
    "farm_stopped": 0.22,
    "holiday_home": 0.085,
    "estate": 0.015,
}
OUTBUILDING_ADDRESS_PROB = 0.25
DAY_NS = 86_400_000_000_000


def build_premises(
    geography: Geography, n_addresses: int, as_of: pd.Timestamp, rng: np.random.Generator
) -> pd.DataFrame:
    """Every address of the world with its public and hidden attributes.

    Parameters
    ----------
    geography : Geography
        The land.
    n_addresses : int
        How many addresses (exactly).
    as_of : pandas.Timestamp
        The ranking day (farms stop before it).
    rng : numpy.random.Generator
        Draws everything.

    Returns
    -------
    pandas.DataFrame
        One row per address; ``farm_row`` of an outbuilding is the row of its farmhouse.
    """
    n_village = round(VILLAGE_SHARE * n_addresses)
    n_park = round(BUSINESS_PARK_SHARE * n_addresses)
    n_rural_total = n_addresses - n_village - n_park
    # Outbuilding addresses come out of the rural budget, one per farm that has one.
    farm_share = RURAL_MIX["farm_active"] + RURAL_MIX["farm_stopped"]
    n_rural = round(n_rural_total / (1.0 + farm_share * OUTBUILDING_ADDRESS_PROB))
    parts = [
        _village_addresses(geography, n_village, rng),
        _business_parks(geography, n_park, rng),
    ]
    rural = _rural_addresses(geography, n_rural, rng)
    outbuildings = _outbuildings(rural, n_rural_total - n_rural, rng)
    premises = pd.concat([*parts, rural, outbuildings], ignore_index=True)
    premises = _hidden_attributes(premises, geography, as_of, rng)
    return _names_and_numbers(premises, geography, rng)


def _village_addresses(geography: Geography, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Houses and shops in the village cores, denser towards the centre."""
    villages = geography.villages
    share = villages["core_addresses"] / villages["core_addresses"].sum()
    counts = rng.multinomial(n, share.to_numpy())
    frames = []
    for village, count in zip(villages.itertuples(), counts, strict=True):
        radius = village.radius_m * rng.uniform(0.0, 1.0, count) ** 0.6
        angle = rng.uniform(0.0, 2.0 * np.pi, count)
        frames.append(
            pd.DataFrame(
                {
                    "x": village.x + radius * np.cos(angle),
                    "y": village.y + radius * np.sin(angle),
                    "village": village.Index,
                    "premise": np.where(
                        rng.random(count) < 0.06, "village_business", "village_house"
                    ),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _business_parks(geography: Geography, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Small business parks at the edge of the larger villages."""
    big = geography.villages[geography.villages["core_addresses"] >= 900]
    which = rng.choice(big.index.to_numpy(), size=n)
    angle_of = {i: rng.uniform(0.0, 2.0 * np.pi) for i in big.index}
    frames = []
    for index in big.index:
        mine = int((which == index).sum())
        village = big.loc[index]
        angle = angle_of[index]
        cx = village["x"] + (village["radius_m"] + 180.0) * np.cos(angle)
        cy = village["y"] + (village["radius_m"] + 180.0) * np.sin(angle)
        frames.append(
            pd.DataFrame(
                {
                    "x": cx + rng.normal(0.0, 90.0, mine),
                    "y": cy + rng.normal(0.0, 90.0, mine),
                    "village": index,
                    "premise": "business_unit",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _rural_addresses(geography: Geography, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Dwellings, farms and estates along the lanes; holiday homes in parks near woods."""
    kinds = np.array(list(RURAL_MIX))
    premise = rng.choice(kinds, size=n, p=np.array(list(RURAL_MIX.values())))
    x = np.empty(n)
    y = np.empty(n)
    lanes = geography.roads[geography.roads["road_class"] != "street"].geometry
    along = premise != "holiday_home"
    todo = np.flatnonzero(along)
    while len(todo):
        px, py = points_on_lines(lanes, len(todo), rng, offset_m=(25.0, 90.0))
        ok = (geography.distance_to_village_m(px, py) > 80.0) & shapely.contains_xy(
            geography.area, px, py
        )
        x[todo[ok]], y[todo[ok]] = px[ok], py[ok]
        todo = todo[~ok]
    holiday = np.flatnonzero(~along)
    parks = geography.woods.sample(4, random_state=np.random.RandomState(rng.integers(2**31)))
    centres = np.array([(p.centroid.x, p.centroid.y) for p in parks])
    pick = rng.integers(len(centres), size=len(holiday))
    x[holiday] = centres[pick, 0] + rng.normal(0.0, 120.0, len(holiday))
    y[holiday] = centres[pick, 1] + rng.normal(0.0, 120.0, len(holiday))
    return pd.DataFrame(
        {"x": x, "y": y, "village": geography.nearest_village(x, y), "premise": premise}
    )


def _outbuildings(rural: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Separate addresses for the stables and sheds of ``n`` farms, 40-90 m from the farmhouse."""
    farms = rural.index[rural["premise"].isin(["farm_active", "farm_stopped"])].to_numpy()
    chosen = rng.choice(farms, size=min(n, len(farms)), replace=False)
    angle = rng.uniform(0.0, 2.0 * np.pi, len(chosen))
    distance = rng.uniform(40.0, 90.0, len(chosen))
    return pd.DataFrame(
        {
            "x": rural.loc[chosen, "x"].to_numpy() + distance * np.cos(angle),
            "y": rural.loc[chosen, "y"].to_numpy() + distance * np.sin(angle),
            "village": rural.loc[chosen, "village"].to_numpy(),
            "premise": "outbuilding",
            "farm_row": chosen,
        }
    )


def _hidden_attributes(
    premises: pd.DataFrame, geography: Geography, as_of: pd.Timestamp, rng: np.random.Generator
) -> pd.DataFrame:
    """Farm type, stop dates, building sizes, solar panels, heat pumps, use and floor area."""
    n = len(premises)
    premises = premises.copy()
    # farm_row points into the rural frame; make it point at rows of ``premises``.
    rural_offset = int(
        (premises["premise"].isin(["village_house", "village_business", "business_unit"])).sum()
    )
    farm_row = premises["farm_row"].to_numpy() if "farm_row" in premises else np.full(n, np.nan)
    premises["farm_row"] = np.where(np.isnan(farm_row), -1, farm_row + rural_offset).astype(int)
    premise = premises["premise"].to_numpy()
    is_farm = np.isin(premise, ["farm_active", "farm_stopped"])

    dairy = is_farm & (rng.random(n) < 0.55)
    intensive = is_farm & ~dairy & (rng.random(n) < 0.35)
    outbuilding_m2 = np.where(
        is_farm, rng.lognormal(np.log(np.where(dairy, 1100.0, 700.0)), 0.6), 0.0
    )
    outbuilding_m2 = np.where(
        premise == "business_unit", rng.lognormal(np.log(700.0), 0.7, n), outbuilding_m2
    )
    # Farms stopped within the last 25 years; a few percent a year.
    stop_days = np.where(premise == "farm_stopped", rng.uniform(0.0, 25.0 * 365.25, n), np.nan)
    premises["stopped_on"] = as_of - pd.to_timedelta(np.nan_to_num(stop_days, nan=0.0), unit="D")
    premises.loc[premise != "farm_stopped", "stopped_on"] = pd.NaT
    premises["dairy"] = dairy
    premises["intensive"] = intensive
    premises["outbuilding_m2"] = outbuilding_m2
    # An outbuilding address carries the buildings of its farm.
    sheds = np.flatnonzero(premise == "outbuilding")
    owners = premises["farm_row"].to_numpy()[sheds]
    for column in ("dairy", "intensive", "outbuilding_m2", "stopped_on"):
        premises.loc[sheds, column] = premises[column].to_numpy()[owners]
    premises["farm_stopped_owner"] = False
    premises.loc[sheds, "farm_stopped_owner"] = premise[owners] == "farm_stopped"
    premises["has_outbuilding_address"] = False
    premises.loc[owners, "has_outbuilding_address"] = True
    premises["distance_to_village_m"] = geography.distance_to_village_m(
        premises["x"].to_numpy(), premises["y"].to_numpy()
    )
    mains = geography.roads[geography.roads["road_class"] == "main"].geometry
    premises["distance_to_main_m"] = geography.distance_to(
        mains, premises["x"].to_numpy(), premises["y"].to_numpy()
    )
    premises["use"], premises["floor_area_m2"] = _use_and_area(premises, rng)
    return premises


def _use_and_area(
    premises: pd.DataFrame, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """BAG gebruiksdoel and floor area of each address."""
    n = len(premises)
    premise = premises["premise"].to_numpy()
    use = np.full(n, "woonfunctie", dtype=object)
    business = rng.choice(
        ["winkelfunctie", "kantoorfunctie", "bijeenkomstfunctie", "industriefunctie"], n
    )
    use[premise == "village_business"] = business[premise == "village_business"]
    use[premise == "business_unit"] = np.where(
        rng.random(n) < 0.75, "industriefunctie", "kantoorfunctie"
    )[premise == "business_unit"]
    use[premise == "outbuilding"] = np.where(
        rng.random(n) < 0.7, "overige gebruiksfunctie", "industriefunctie"
    )[premise == "outbuilding"]
    use[premise == "holiday_home"] = np.where(rng.random(n) < 0.5, "logiesfunctie", "woonfunctie")[
        premise == "holiday_home"
    ]
    use[premise == "estate"] = np.where(rng.random(n) < 0.5, "bijeenkomstfunctie", "woonfunctie")[
        premise == "estate"
    ]
    median = (
        pd.Series(premise)
        .map(
            {
                "village_house": 115.0,
                "village_business": 220.0,
                "business_unit": 650.0,
                "rural_house": 150.0,
                "farm_active": 180.0,
                "farm_stopped": 175.0,
                "holiday_home": 55.0,
                "estate": 450.0,
                "outbuilding": 0.0,
            }
        )
        .to_numpy()
    )
    area = rng.lognormal(np.log(np.maximum(median, 1.0)), 0.35)
    sheds = premise == "outbuilding"
    area[sheds] = premises["outbuilding_m2"].to_numpy(dtype=float)[sheds] * rng.uniform(
        0.8, 1.0, int(sheds.sum())
    )
    area[premise == "business_unit"] = premises["outbuilding_m2"].to_numpy(dtype=float)[
        premise == "business_unit"
    ]
    return use, np.round(area)


def _names_and_numbers(
    premises: pd.DataFrame, geography: Geography, rng: np.random.Generator
) -> pd.DataFrame:
    """address_id, place, street, housenumber and postcode (real Liander streets in villages)."""
    streets = reference_csv("liander_streets_2010.csv")
    premises = premises.copy()
    woonplaats = geography.villages["woonplaats"].to_numpy()[premises["village"].to_numpy()]
    premises["place"] = [w.title() for w in woonplaats]
    street = np.empty(len(premises), dtype=object)
    postcode = np.empty(len(premises), dtype=object)
    in_village = premises["premise"].isin(["village_house", "village_business"]).to_numpy()
    lane_x, lane_y = premises["x"].to_numpy(), premises["y"].to_numpy()
    roads = geography.roads
    tree = shapely.STRtree(roads.geometry.to_numpy())
    nearest = tree.query_nearest(shapely.points(lane_x, lane_y), all_matches=False)[1]
    lane_name = roads["name"].to_numpy()[nearest]
    for place in np.unique(woonplaats):
        rows = np.flatnonzero(woonplaats == place)
        options = streets[streets["woonplaats"] == place]
        pick = rng.choice(
            len(options),
            size=len(rows),
            p=(options["connections"] / options["connections"].sum()).to_numpy(),
        )
        street[rows] = options["street"].to_numpy()[pick]
        postcode[rows] = options["postcode_from"].to_numpy()[pick]
        rural_rows = rows[~in_village[rows]]
        street[rural_rows] = lane_name[rural_rows]
    sheds = np.flatnonzero(premises["premise"].to_numpy() == "outbuilding")
    owners = premises["farm_row"].to_numpy()[sheds]
    street[sheds], postcode[sheds] = street[owners], postcode[owners]
    premises["street"], premises["postcode"] = street, postcode
    premises["housenumber"] = premises.groupby(["place", "street"]).cumcount().to_numpy() + 1
    premises.loc[sheds, "housenumber"] = premises["housenumber"].to_numpy()[owners]
    letters = np.where(premises["premise"].to_numpy() == "outbuilding", "A", "")
    premises["housenumber"] = premises["housenumber"].astype(str) + letters
    serial = rng.permutation(len(premises)) + rng.integers(10_000, 300_000)
    premises["address_id"] = [f"1876010000{s:06d}" for s in serial]
    premises["row"] = np.arange(len(premises))
    return premises
