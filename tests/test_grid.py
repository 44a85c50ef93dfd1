"""Grid cells aligned to the origin of EPSG:28992 (buitengebied.grid)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from buitengebied.grid import cell_codes, grid_cells


def test_cells_count_from_the_crs_origin() -> None:
    xy = np.array([[215_050.0, 450_120.0], [155_000.5, 463_099.9], [99.9, 0.1]])
    assert_array_equal(grid_cells(xy, 100.0), [[2150, 4501], [1550, 4630], [0, 0]])


def test_a_point_on_a_boundary_belongs_to_the_upper_cell() -> None:
    xy = np.array([[100.0, 200.0], [0.0, 0.0], [215_000.0, 450_000.0]])
    assert_array_equal(grid_cells(xy, 100.0), [[1, 2], [0, 0], [2150, 4500]])


def test_negative_coordinates_fall_below_zero_not_towards_it() -> None:
    xy = np.array([[-0.5, -99.9], [-100.0, -100.0], [-100.001, -250.0]])
    # Cell -1 is [-100, 0): -100 itself belongs to it, -100.001 to cell -2.
    assert_array_equal(grid_cells(xy, 100.0), [[-1, -1], [-1, -1], [-2, -3]])


def test_cells_of_a_fractional_size() -> None:
    xy = np.array([[7.5, 2.49], [-2.5, 12.5]])
    assert_array_equal(grid_cells(xy, 2.5), [[3, 0], [-1, 5]])


def test_cells_are_integers_of_shape_n_by_2() -> None:
    cells = grid_cells(np.array([[1.0, 2.0]] * 3), 250.0)
    assert cells.shape == (3, 2)
    assert np.issubdtype(cells.dtype, np.integer)


def test_an_empty_set_of_points_has_no_cells() -> None:
    assert grid_cells(np.empty((0, 2)), 100.0).shape == (0, 2)
    assert cell_codes(np.empty((0, 2)), 100.0).shape == (0,)


def test_points_in_the_same_cell_share_a_code_and_only_they() -> None:
    xy = np.array(
        [
            [10.0, 10.0],  # cell (0, 0)
            [99.9, 0.0],  # cell (0, 0)
            [100.0, 0.0],  # cell (1, 0): on the boundary, upper cell
            [-0.1, 10.0],  # cell (-1, 0)
            [-100.0, 10.0],  # cell (-1, 0)
            [10.0, -0.1],  # cell (0, -1)
            [0.0, 199.9],  # cell (0, 1)
        ]
    )
    codes = cell_codes(xy, 100.0)
    assert codes.shape == (7,)
    cells = [tuple(cell) for cell in grid_cells(xy, 100.0)]
    for i in range(len(xy)):
        for j in range(len(xy)):
            assert (codes[i] == codes[j]) == (cells[i] == cells[j]), (i, j)
    assert len(set(codes.tolist())) == 5


@pytest.mark.parametrize("cell_size_m", [1.0, 250.0, 1000.0])
def test_codes_number_the_distinct_cells_from_zero(cell_size_m: float) -> None:
    rng = np.random.default_rng(7)
    xy = rng.uniform([-3_000.0, 440_000.0], [3_000.0, 446_000.0], size=(200, 2))
    codes = cell_codes(xy, cell_size_m)
    n_cells = len(np.unique(grid_cells(xy, cell_size_m), axis=0))
    assert sorted(set(codes.tolist())) == list(range(n_cells))
