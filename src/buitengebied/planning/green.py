"""Place stops for the green themes: where reports of poaching, illegal fishing or litter gather.

A team whose ``focus`` holds a green theme may be sent to a spot that is no address. Every
report of the theme within :data:`PLACE_LOOKBACK_DAYS` before ``--as-of`` weighs by its
confidence (:data:`CONFIDENCE_WEIGHTS`), halved every :data:`PLACE_HALF_LIFE_DAYS` of age.
The heaviest report (its own weight and that of the theme's reports within
:data:`PLACE_RADIUS_M`) with at least :data:`PLACE_MIN_REPORTS` reports around it becomes a
spot, at the mean of those reports; they are then taken out and the next spot is sought,
up to :data:`MAX_PLACES_PER_THEME`. The ``place`` text says what and where (the nearest
address's street and place).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from buitengebied.dataset import Dataset
from buitengebied.settings import LOCAL_TIMEZONE

#: Reports within this distance (m) of each other gather at one spot.
PLACE_RADIUS_M: Final = 1000.0
#: Reports this many days before ``--as-of`` count.
PLACE_LOOKBACK_DAYS: Final = 365.0
#: A spot needs this many reports of the theme around it.
PLACE_MIN_REPORTS: Final = 2
#: A report's weight halves every this many days.
PLACE_HALF_LIFE_DAYS: Final = 60.0
#: At most this many place stops per theme (the heaviest).
MAX_PLACES_PER_THEME: Final = 25
CONFIDENCE_WEIGHTS: Final = {"high": 1.0, "medium": 0.7, "low": 0.4}
#: How the plan names each green theme (Dutch).
THEME_LABELS: Final = {
    "drugs": "drugs",
    "poaching": "stroperij",
    "illegal_fishing": "illegale visserij",
    "litter": "afval en dumpingen",
}


@dataclass(frozen=True)
class PlaceStop:
    """A spot where reports of one green theme gather.

    Attributes
    ----------
    theme : str
        ``poaching``, ``illegal_fishing`` or ``litter``.
    x, y : float
        Where, in EPSG:28992.
    reports : int
        Reports of the theme in the cell within the look-back.
    weight : float
        Their confidence- and age-weighted sum.
    place : str
        What and where, for the plan.
    """

    theme: str
    x: float
    y: float
    reports: int
    weight: float
    place: str


def green_places(
    dataset: Dataset, themes: Sequence[str], *, as_of: pd.Timestamp
) -> list[PlaceStop]:
    """Return the place stops of ``themes``, heaviest first per theme.

    Parameters
    ----------
    dataset : Dataset
        Records known at ``as_of``.
    themes : sequence of str
        Green themes (report categories) wanted by some team.
    as_of : pandas.Timestamp
        The look-back counts back from here.

    Returns
    -------
    list of PlaceStop
    """
    reports = dataset.layer("reports")
    if reports is None or len(reports) == 0 or not themes:
        return []
    age = (as_of - reports["observed_at"]).dt.total_seconds() / 86400.0
    recent = reports[((age >= 0) & (age <= PLACE_LOOKBACK_DAYS)).to_numpy(dtype=bool)]
    age = age[recent.index]
    category = recent["category"].astype("string").str.lower()
    places: list[PlaceStop] = []
    for theme in themes:
        chosen = (category == theme).fillna(False).to_numpy(dtype=bool)
        places += _theme_places(dataset, recent[chosen], age[chosen], theme)
    return places


def _theme_places(
    dataset: Dataset, reports: pd.DataFrame, age_days: pd.Series, theme: str
) -> list[PlaceStop]:
    if len(reports) == 0:
        return []
    xy = shapely.get_coordinates(reports.geometry.to_numpy())
    confidence = reports.get("confidence", pd.Series(index=reports.index, dtype=object))
    weight = confidence.astype("string").str.lower().map(CONFIDENCE_WEIGHTS).fillna(0.6)
    weight = weight.to_numpy(dtype=float) * 0.5 ** (age_days.to_numpy() / PLACE_HALF_LIFE_DAYS)
    moments = reports["observed_at"].to_numpy()
    spots = _spots(xy, weight)
    near = _nearest_address_text(dataset, np.array([xy[m].mean(axis=0) for m in spots]))
    label = THEME_LABELS[theme].capitalize()
    places = []
    for members, where in zip(spots, near, strict=True):
        centre = xy[members].mean(axis=0)
        since = pd.Timestamp(moments[members].min()).tz_convert(LOCAL_TIMEZONE).date()
        text = f"{label}: {len(members)} meldingen sinds {since.isoformat()}, rond {where}"
        places.append(
            PlaceStop(
                theme,
                float(centre[0]),
                float(centre[1]),
                len(members),
                float(weight[members].sum()),
                text,
            )
        )
    return places


def _spots(xy: np.ndarray, weight: np.ndarray) -> list[np.ndarray]:
    """Return the members of each spot, heaviest spot first (see the module)."""
    neighbours = cKDTree(xy).query_ball_point(xy, r=PLACE_RADIUS_M)
    free = np.ones(len(xy), dtype=bool)
    spots: list[np.ndarray] = []
    while len(spots) < MAX_PLACES_PER_THEME:
        members = [np.array([j for j in near if free[j]], dtype=int) for near in neighbours]
        mass = np.array([weight[m].sum() if free[i] else -1.0 for i, m in enumerate(members)])
        best = int(np.argmax(mass))
        if mass[best] < 0 or len(members[best]) < PLACE_MIN_REPORTS:
            break
        spots.append(members[best])
        free[members[best]] = False
    return spots


def _nearest_address_text(dataset: Dataset, points: np.ndarray) -> list[str]:
    if len(points) == 0:
        return []
    addresses = dataset.addresses
    xy = shapely.get_coordinates(addresses.geometry.to_numpy())
    _, index = cKDTree(xy).query(points)
    texts = []
    for i in index:
        row = addresses.iloc[int(i)]
        parts = [str(row.get(key) or "").strip() for key in ("street", "place")]
        texts.append(", ".join(p for p in parts if p and p != "<NA>") or "onbekende plek")
    return texts
