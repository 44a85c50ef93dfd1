"""The baseline "vacant and large first": what a municipality would visit without the engine.

In Bronckhorst the approach began by visiting the municipality's list of empty stables one
by one, the largest first.  This baseline ranks the addresses that way:

1. every address on the vacancy register known at the cut-off, largest floor area first;
2. then every other address, largest floor area first.

An address is *registered vacant* when a ``vacant_buildings`` row names it by
``address_id``, or when a row without ``address_id`` lies within
:data:`VACANT_MATCH_DISTANCE_M` of it (a point within that distance, a polygon within
that distance of its edge).  Its floor area is ``addresses.floor_area_m2`` where given,
else the largest ``floor_area_m2`` of the register rows matched to it, else 0.  Equal
scores are broken by ``address_id``, as every ranking is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from buitengebied.dataset import Dataset
from buitengebied.evidence.premises import VACANT_MATCH_DISTANCE_M, vacancy_matches
from buitengebied.scoring.analysis import Analysis

_FLOOR_AREA = "floor_area_m2"


def registered_vacancy(
    dataset: Dataset, *, max_distance_m: float = VACANT_MATCH_DISTANCE_M
) -> pd.DataFrame:
    """Which addresses the vacancy register names, and the floor area it gives them.

    Parameters
    ----------
    dataset : Dataset
        Records as known at the cut-off.
    max_distance_m : float
        Reach of a register row without ``address_id``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``address_id`` in the dataset's order: ``vacant`` (bool) and
        ``register_floor_area_m2`` (largest floor area of the rows matched, NaN when none
        gives one).
    """
    address_ids = pd.Index(dataset.addresses["address_id"], name="address_id")
    vacant = np.zeros(len(address_ids), dtype=bool)
    area = np.full(len(address_ids), np.nan)
    register = dataset.layer("vacant_buildings")
    if register is not None and len(register):
        record, address = vacancy_matches(dataset, max_distance_m=max_distance_m)
        vacant[address] = True
        if _FLOOR_AREA in register:
            record_area = register[_FLOOR_AREA].to_numpy(dtype=float, na_value=np.nan)[record]
            given = ~np.isnan(record_area)
            area[np.unique(address[given])] = -np.inf
            np.maximum.at(area, address[given], record_area[given])
    return pd.DataFrame({"vacant": vacant, "register_floor_area_m2": area}, index=address_ids)


def vacant_and_large_scores(known: Dataset, analysis: Analysis, as_of: pd.Timestamp) -> pd.Series:
    """Registered vacant first, each group by floor area (see the module docstring).

    Parameters
    ----------
    known : Dataset
        Records known at ``as_of``.
    analysis : Analysis
        The engine's analysis at ``as_of`` (only its address order is used).
    as_of : pandas.Timestamp
        The cut-off.

    Returns
    -------
    pandas.Series
        Score per ``address_id``: the floor area in m², plus one more than the largest
        floor area for a registered vacant address, so that every one of them ranks
        above every other address.
    """
    register = registered_vacancy(known)
    own_area = (
        known.addresses[_FLOOR_AREA].to_numpy(dtype=float, na_value=np.nan)
        if _FLOOR_AREA in known.addresses
        else np.full(len(register), np.nan)
    )
    area = np.where(np.isnan(own_area), register["register_floor_area_m2"], own_area)
    area = np.nan_to_num(np.maximum(area, 0.0), nan=0.0)
    lift = area.max(initial=0.0) + 1.0
    scores = pd.Series(area + lift * register["vacant"].to_numpy(), index=register.index)
    return scores.reindex(analysis.evidence.address_ids)
