import numpy as np
import pytest
from numpy.testing import assert_allclose

from buitengebied.evidence.density import (
    Grid,
    GridReaders,
    bilinear_sample,
    gaussian_kernel,
    kernel_density_at,
    linear_binning,
)


def exact_density(points, weights, targets, bandwidth_m):
    squared = ((targets[:, None, :] - points[None, :, :]) ** 2).sum(-1)
    kernel = np.exp(-squared / (2 * bandwidth_m**2)) / (2 * np.pi * bandwidth_m**2)
    return (weights * kernel).sum(axis=1) * 1e6


def test_linear_binning_keeps_mass_and_centre():
    grid = Grid(0.0, 0.0, 10.0, 5, 5)
    binned = linear_binning(np.array([[12.5, 27.5]]), np.array([2.0]), grid)
    assert binned.sum() == pytest.approx(2.0)
    jj, ii = np.indices(binned.shape)
    assert (binned * ii * 10).sum() / 2.0 == pytest.approx(12.5)
    assert (binned * jj * 10).sum() / 2.0 == pytest.approx(27.5)


def test_points_off_grid_are_dropped():
    grid = Grid(0.0, 0.0, 10.0, 3, 3)
    assert linear_binning(np.array([[500.0, 5.0]]), np.ones(1), grid).sum() == 0


def test_kernel_integrates_to_one_per_square_km():
    kernel = gaussian_kernel(100.0, 20.0)
    assert kernel.sum() * (20.0**2) / 1e6 == pytest.approx(1.0, rel=1e-3)


def test_bilinear_sample_reproduces_a_plane():
    grid = Grid(0.0, 0.0, 1.0, 4, 4)
    jj, ii = np.indices((4, 4))
    plane = 2.0 * ii + 3.0 * jj
    xy = np.array([[0.5, 0.25], [2.9, 1.1]])
    assert_allclose(bilinear_sample(plane, grid, xy), 2 * xy[:, 0] + 3 * xy[:, 1])


@pytest.mark.parametrize("bandwidth_m", [300.0, 1000.0, 3000.0])
def test_fast_density_matches_exact_kernel_sum(bandwidth_m):
    rng = np.random.default_rng(3)
    points = rng.uniform(0, 15_000, (200, 2)) + [200_000, 450_000]
    weights = rng.uniform(0.2, 1.0, 200)
    targets = rng.uniform(0, 15_000, (500, 2)) + [200_000, 450_000]
    fast = kernel_density_at(points, weights, targets, bandwidth_m=bandwidth_m)
    exact = exact_density(points, weights, targets, bandwidth_m)
    assert np.abs(fast - exact).max() / exact.max() < 0.01


def test_single_point_density_peak_value():
    target = np.array([[210_000.0, 460_000.0]])
    value = kernel_density_at(target.copy(), np.ones(1), target, bandwidth_m=500.0)
    assert value[0] == pytest.approx(1e6 / (2 * np.pi * 500.0**2), rel=0.01)


def test_no_records_gives_zero():
    targets = np.array([[210_000.0, 460_000.0]])
    assert kernel_density_at(np.empty((0, 2)), np.empty(0), targets, bandwidth_m=100.0)[0] == 0.0


def test_kept_grid_readers_read_the_same_densities():
    rng = np.random.default_rng(5)
    targets = rng.uniform(0, 5_000, (2_000, 2)) + [150_000, 450_000]
    readers = GridReaders(targets)
    for n_records in (10, 300):
        records = rng.uniform(-500, 5_500, (n_records, 2)) + [150_000, 450_000]
        weights = rng.uniform(0.1, 1.0, n_records)
        fresh = kernel_density_at(records, weights, targets, bandwidth_m=400.0)
        kept = kernel_density_at(records, weights, targets, bandwidth_m=400.0, readers=readers)
        np.testing.assert_array_equal(kept, fresh)
    grid = Grid(150_000.0, 450_000.0, 100.0, 60, 60)
    assert readers.on(grid) is readers.on(grid)
