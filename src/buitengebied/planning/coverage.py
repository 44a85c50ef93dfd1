"""Not the same farms every night: recent visits discounted, long-neglected areas weighted.

The prize of a stop is its risk score times a coverage factor::

    factor = (1 - strength * recency) * (1 + strength * debt)

- ``recency`` is 1 for an address inspected today, falling linearly to 0 at
  :data:`RECENT_VISIT_DAYS` (place stops have none);
- ``debt`` ("coverage debt") of the stop's :data:`COVERAGE_CELL_M` grid cell is the time
  since the last inspection anywhere in it, as a share of :data:`DEBT_HORIZON_DAYS`
  (1 for a cell nobody inspected within that horizon).

``strength`` 0 plans on risk alone; 1 zeroes the prize of an address inspected today and
doubles that of a stop in a neglected area. A cell counts as a **new area** when nobody
inspected in it within the horizon. The plan reports what the factor cost (score given up
against a plan with strength 0) and how many new areas it reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
import shapely

from buitengebied.dataset import Dataset

#: Side (m) of the grid cells whose coverage debt is counted.
COVERAGE_CELL_M: Final = 1000.0
#: An address inspected this many days ago no longer counts as recently visited.
RECENT_VISIT_DAYS: Final = 90.0
#: A cell without an inspection for this long carries the full debt; it is a new area.
DEBT_HORIZON_DAYS: Final = 365.0
#: Default strength of the coverage factor (0 to 1).
DEFAULT_COVERAGE_STRENGTH: Final = 0.5


@dataclass(frozen=True)
class Coverage:
    """Coverage factors of the candidate stops.

    Attributes
    ----------
    factor : numpy.ndarray
        Multiplier of each stop's prize.
    cell : numpy.ndarray of str
        Grid cell of each stop (``"x_y"`` of the cell's lower-left corner, km).
    new_area : numpy.ndarray of bool
        The stop lies in a cell nobody inspected within :data:`DEBT_HORIZON_DAYS`.
    recently_visited : numpy.ndarray of bool
        The address was inspected within :data:`RECENT_VISIT_DAYS`.
    """

    factor: np.ndarray
    cell: np.ndarray
    new_area: np.ndarray
    recently_visited: np.ndarray


def coverage(
    dataset: Dataset,
    points: np.ndarray,
    address_ids: list[str | None],
    *,
    as_of: pd.Timestamp,
    strength: float = DEFAULT_COVERAGE_STRENGTH,
) -> Coverage:
    """Return the coverage factors of stops at ``points`` (see the module).

    Parameters
    ----------
    dataset : Dataset
        Records known at ``as_of``.
    points : numpy.ndarray
        ``(n, 2)`` stop coordinates in EPSG:28992.
    address_ids : list of str or None
        Each stop's address (``None`` for a place stop).
    as_of : pandas.Timestamp
        Ages count back from here.
    strength : float, default 0.5
        0 (risk alone) to 1.

    Returns
    -------
    Coverage

    Raises
    ------
    ValueError
        ``strength`` outside 0..1.
    """
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"coverage strength must lie in 0..1, not {strength}")
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    cells = _cells(points)
    inspections = dataset.layer("inspections")
    if inspections is None or len(inspections) == 0:
        recency = np.zeros(len(points))
        debt = np.ones(len(points))
    else:
        known = inspections[inspections["inspected_at"] < as_of]
        recency = _recency(known, address_ids, as_of)
        debt = _debt(dataset, known, cells, as_of)
    factor = (1.0 - strength * recency) * (1.0 + strength * debt)
    return Coverage(factor=factor, cell=cells, new_area=debt >= 1.0, recently_visited=recency > 0)


def _cells(points: np.ndarray) -> np.ndarray:
    corner = np.floor(points / COVERAGE_CELL_M).astype(np.int64)
    return np.array([f"{x}_{y}" for x, y in corner], dtype=object)


def _age_days(moments: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    return (as_of - moments).dt.total_seconds() / 86400.0


def _recency(known: pd.DataFrame, address_ids: list[str | None], as_of: pd.Timestamp) -> np.ndarray:
    last = known.groupby(known["address_id"].astype(str))["inspected_at"].max()
    age = _age_days(last, as_of).reindex([a if a is not None else "" for a in address_ids])
    recency = np.clip(1.0 - age.to_numpy(dtype=float) / RECENT_VISIT_DAYS, 0.0, 1.0)
    return np.nan_to_num(recency, nan=0.0)


def _debt(
    dataset: Dataset, known: pd.DataFrame, cells: np.ndarray, as_of: pd.Timestamp
) -> np.ndarray:
    located = dataset.addresses.set_index("address_id").geometry
    where = located.reindex(known["address_id"].astype(str))
    inspected = known[where.notna().to_numpy()]
    coords = shapely.get_coordinates(where.dropna().to_numpy())
    by_cell = pd.Series(inspected["inspected_at"].to_numpy(), index=_cells(coords))
    last = by_cell.groupby(level=0).max()
    age = _age_days(last, as_of).reindex(cells).to_numpy(dtype=float)
    return np.nan_to_num(np.minimum(age / DEBT_HORIZON_DAYS, 1.0), nan=1.0)
