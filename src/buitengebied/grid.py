"""Square grid cells aligned to the origin of EPSG:28992."""

from __future__ import annotations

import numpy as np


def grid_cells(xy: np.ndarray, cell_size_m: float) -> np.ndarray:
    """Grid cell of each point as integer ``(column, row)`` pairs, aligned to the CRS origin.

    Parameters
    ----------
    xy : numpy.ndarray, shape (n, 2)
        Coordinates in EPSG:28992.
    cell_size_m : float
        Cell size in metres.

    Returns
    -------
    numpy.ndarray of int, shape (n, 2)
    """
    return np.floor(np.asarray(xy, dtype=float) / cell_size_m).astype(np.int64)


def cell_codes(xy: np.ndarray, cell_size_m: float) -> np.ndarray:
    """One integer per point, equal for points in the same grid cell."""
    _, codes = np.unique(grid_cells(xy, cell_size_m), axis=0, return_inverse=True)
    return codes.ravel()
