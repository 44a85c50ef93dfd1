"""Spatio-temporal cross-validation for (address, cut-off) examples.

:class:`SpatioTemporalSplit` holds out spatial blocks and later cut-offs, with a gap of
one label horizon, the way :mod:`sklearn.model_selection` splitters do.

Settings
--------
DEFAULT_HORIZON_DAYS
    Label window after each cut-off; the gap between training and validation.
DEFAULT_BLOCK_SIZE_M
    Side of the square spatial blocks of the validation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

import numpy as np
import pandas as pd
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils import check_random_state

from buitengebied.grid import grid_cells
from buitengebied.timeutil import local_days_later

DEFAULT_HORIZON_DAYS: Final[int] = 180
DEFAULT_BLOCK_SIZE_M: Final[float] = 5_000.0


#: Columns of the ``groups`` frame that :class:`SpatioTemporalSplit` reads.
GROUP_COLUMNS: Final = ("cutoff", "block_x", "block_y")


def spatial_blocks(xy: np.ndarray, *, block_size_m: float = DEFAULT_BLOCK_SIZE_M) -> np.ndarray:
    """Return the square block (tile) of every point as integer ``(n, 2)`` indices.

    Parameters
    ----------
    xy : numpy.ndarray, shape (n, 2)
        Coordinates in EPSG:28992.
    block_size_m : float
        Side of a block.

    Returns
    -------
    numpy.ndarray of int64, shape (n, 2)
        ``floor(x / block_size_m), floor(y / block_size_m)``.
    """
    return grid_cells(xy, block_size_m)


def example_groups(cutoffs: pd.Series | pd.DatetimeIndex, blocks: np.ndarray) -> pd.DataFrame:
    """Build the ``groups`` frame of :class:`SpatioTemporalSplit`.

    Parameters
    ----------
    cutoffs : pandas.Series or DatetimeIndex
        Cut-off moment of every example.
    blocks : numpy.ndarray, shape (n, 2)
        Spatial block of every example (:func:`spatial_blocks`).

    Returns
    -------
    pandas.DataFrame
        Columns ``cutoff``, ``block_x``, ``block_y``.
    """
    return pd.DataFrame(
        {
            "cutoff": pd.DatetimeIndex(pd.to_datetime(cutoffs, utc=True)),
            "block_x": blocks[:, 0],
            "block_y": blocks[:, 1],
        }
    )


class SpatioTemporalSplit(BaseCrossValidator):
    """Cross-validation that keeps neighbours and the future out of training.

    Space: the blocks of the examples are shuffled (``random_state``) and dealt to
    ``n_spatial_folds`` spatial folds.  Time: the distinct cut-offs, in order, are cut
    into ``n_time_folds + 1`` consecutive parts; each part after the first is a
    validation period.  A split validates on one spatial fold in one validation period
    and trains on the other blocks (minus ``buffer_blocks`` rings of blocks around the
    validation blocks) at cut-offs ``T`` with ``T + horizon_days <= `` the first
    validation cut-off: a training label window ends before the validation period starts,
    and every training feature was known by then.

    Parameters
    ----------
    n_spatial_folds : int, default 3
        Number of spatial folds.
    n_time_folds : int, default 2
        Number of validation periods.
    horizon_days : float, default 180
        Length of a label window, the gap between training and validation.
    buffer_blocks : int, default 0
        Also leave out of training the blocks within this many blocks (Chebyshev
        distance) of a validation block.
    random_state : int, RandomState or None
        Shuffles the blocks over the spatial folds.

    Notes
    -----
    ``split`` takes ``groups`` as a DataFrame with the columns of :data:`GROUP_COLUMNS`
    (see :func:`example_groups`).  Splits with an empty training or validation part are
    skipped, so ``get_n_splits`` is an upper bound.
    """

    def __init__(
        self,
        n_spatial_folds: int = 3,
        n_time_folds: int = 2,
        *,
        horizon_days: float = DEFAULT_HORIZON_DAYS,
        buffer_blocks: int = 0,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.n_spatial_folds = n_spatial_folds
        self.n_time_folds = n_time_folds
        self.horizon_days = horizon_days
        self.buffer_blocks = buffer_blocks
        self.random_state = random_state

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Return the largest number of splits (``n_spatial_folds * n_time_folds``)."""
        return int(self.n_spatial_folds * self.n_time_folds)

    def split(
        self, X: Any, y: Any = None, groups: pd.DataFrame | None = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train, validation)`` positions.

        Parameters
        ----------
        X : array-like, shape (n, k)
            Examples (only their number is used).
        y : array-like, optional
            Ignored.
        groups : pandas.DataFrame
            ``cutoff``, ``block_x``, ``block_y`` of every example.

        Yields
        ------
        train, validation : numpy.ndarray of int
        """
        if groups is None or not set(GROUP_COLUMNS) <= set(pd.DataFrame(groups).columns):
            raise ValueError(
                f"SpatioTemporalSplit needs groups with the columns {', '.join(GROUP_COLUMNS)}"
            )
        if self.n_spatial_folds < 2 or self.n_time_folds < 1:
            raise ValueError("need n_spatial_folds >= 2 and n_time_folds >= 1")
        groups = pd.DataFrame(groups)
        if len(groups) != _num_samples(X):
            raise ValueError("groups must hold one row per example")
        cutoff_ns = as_utc_ns(groups["cutoff"])
        periods = np.array_split(np.unique(cutoff_ns), self.n_time_folds + 1)
        if any(len(p) == 0 for p in periods):
            raise ValueError(
                f"need at least {self.n_time_folds + 1} distinct cut-offs for "
                f"{self.n_time_folds} validation period(s)"
            )
        block_x = groups["block_x"].to_numpy(dtype=np.int64)
        block_y = groups["block_y"].to_numpy(dtype=np.int64)
        tiles, tile_of_example = np.unique(
            np.column_stack([block_x, block_y]), axis=0, return_inverse=True
        )
        tile_of_example = tile_of_example.ravel()
        order = check_random_state(self.random_state).permutation(len(tiles))
        fold_of_tile = np.empty(len(tiles), dtype=np.int64)
        fold_of_tile[order] = np.arange(len(tiles)) % self.n_spatial_folds
        distinct = np.unique(cutoff_ns)
        label_end_ns = _label_end_ns(distinct, self.horizon_days)[
            np.searchsorted(distinct, cutoff_ns)
        ]
        for period in periods[1:]:
            in_period = np.isin(cutoff_ns, period)
            early_enough = label_end_ns <= period.min()
            for fold in range(self.n_spatial_folds):
                validation_tiles = tiles[fold_of_tile == fold]
                near = _near_tiles(tiles, validation_tiles, self.buffer_blocks)[tile_of_example]
                train = np.flatnonzero(early_enough & ~near)
                validation = np.flatnonzero(in_period & (fold_of_tile[tile_of_example] == fold))
                if len(train) and len(validation):
                    yield train, validation

    def _iter_test_indices(self, X: Any = None, y: Any = None, groups: Any = None) -> Iterator:
        raise NotImplementedError("SpatioTemporalSplit overrides split")


def _near_tiles(tiles: np.ndarray, centre: np.ndarray, buffer_blocks: int) -> np.ndarray:
    """True for every tile within ``buffer_blocks`` (Chebyshev) of a ``centre`` tile."""
    if len(centre) == 0:
        return np.zeros(len(tiles), dtype=bool)
    distance = np.abs(tiles[:, None, :] - centre[None, :, :]).max(axis=2).min(axis=1)
    return distance <= buffer_blocks


def _label_end_ns(cutoff_ns: np.ndarray, horizon_days: float) -> np.ndarray:
    """End of the label window of each cut-off: ``horizon_days`` local calendar days later."""
    moments = pd.to_datetime(cutoff_ns, utc=True)
    return np.array(
        [local_days_later(moment, int(horizon_days)).value for moment in moments],
        dtype=np.int64,
    )


def _num_samples(X: Any) -> int:
    return int(X.shape[0]) if hasattr(X, "shape") else len(X)


def as_utc_ns(moments: pd.Series) -> np.ndarray:
    """Return tz-aware moments as int64 nanoseconds since the epoch (UTC)."""
    values = pd.to_datetime(moments, utc=True)
    return values.to_numpy(dtype="datetime64[ns]").astype(np.int64)
