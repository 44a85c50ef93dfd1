"""The risk surface: grid, size guard and the GeoTIFF it is written to."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
import shapely

from buitengebied.errors import ContractError
from buitengebied.load.directory import load_data_dir
from buitengebied.scoring.analysis import Analysis, analyse
from buitengebied.scoring.surface import (
    NODATA,
    RiskSurface,
    check_surface_size,
    risk_surface,
    surface_grid,
    surface_memory_bytes,
    write_surface,
)
from buitengebied.timeutil import parse_as_of


@pytest.fixture
def analysis(contract_dir: Path) -> Analysis:
    return analyse(load_data_dir(contract_dir), as_of=parse_as_of("2025-10-01"))


def surface_of(analysis: Analysis, cell_size_m: float) -> RiskSurface:
    return risk_surface(
        analysis.dataset,
        analysis.specs,
        analysis.scores,
        as_of=analysis.as_of,
        cell_size_m=cell_size_m,
    )


def test_grid_is_snapped_to_the_cell_size_and_covers_the_area() -> None:
    transform, rows, cols = surface_grid(shapely.box(1_050, 2_020, 1_720, 2_399), 100.0)
    assert (rows, cols) == (4, 8)
    assert (transform.c, transform.f, transform.a, transform.e) == (1_000, 2_400, 100, -100)


def test_surface_has_one_band_per_factor_and_nodata_outside(analysis: Analysis) -> None:
    surface = surface_of(analysis, 250.0)
    assert set(surface.contributions) == {spec.name for spec in analysis.specs}
    inside = surface.risk != NODATA
    assert inside.any()
    total = np.sum(list(surface.contributions.values()), axis=0)
    np.testing.assert_allclose(surface.risk[inside], total[inside], rtol=1e-6)


def test_a_grid_beyond_the_memory_limit_is_refused_before_it_is_allocated(
    analysis: Analysis, monkeypatch: pytest.MonkeyPatch
) -> None:
    n_factors = len(analysis.specs)
    _, rows, cols = surface_grid(analysis.dataset.area, 100.0)
    needed = surface_memory_bytes(rows * cols, n_factors)
    monkeypatch.setattr("buitengebied.settings.MAX_SURFACE_BYTES", needed // 10)

    def no_allocation(*args: object, **kwargs: object) -> None:
        raise AssertionError("the grid was allocated")

    monkeypatch.setattr("buitengebied.scoring.surface._cell_centres", no_allocation)
    with pytest.raises(ContractError) as caught:
        surface_of(analysis, 100.0)
    message = str(caught.value)
    assert f"{rows * cols:,} cells" in message
    assert "GiB" in message and "MAX_SURFACE_BYTES" in message
    suggested = float(message.rsplit("a cell size of ", 1)[1].split(" m")[0])
    assert suggested >= 100.0 * math.sqrt(10) - 1
    check_surface_size(analysis.dataset.area, suggested, n_factors=n_factors)  # fits
    with pytest.raises(ContractError):
        check_surface_size(analysis.dataset.area, suggested - 1, n_factors=n_factors)


def test_a_country_wide_grid_of_ten_metres_is_refused_with_a_size_that_fits() -> None:
    country = shapely.box(13_000, 306_000, 278_000, 620_000)
    with pytest.raises(ContractError, match=r"832,100,000 cells .* a cell size of \d+ m"):
        check_surface_size(country, 10.0, n_factors=6)


def test_the_memory_estimate_holds_what_the_bands_alone_take() -> None:
    assert surface_memory_bytes(1_000, 6) >= 1_000 * 7 * np.dtype(np.float32).itemsize


def test_write_surface_writes_bands_crs_and_tags(analysis: Analysis, tmp_path: Path) -> None:
    surface = surface_of(analysis, 250.0)
    target = tmp_path / "out" / "risk.tif"
    write_surface(surface, target, as_of=analysis.as_of)
    with rasterio.open(target) as written:
        assert written.driver == "GTiff"
        assert written.crs.to_epsg() == 28992
        assert written.descriptions == ("risk", *surface.contributions)
        assert written.tags()["as_of"] == analysis.as_of.isoformat()
        np.testing.assert_array_equal(written.read(1), surface.risk)
    assert [p.name for p in target.parent.iterdir()] == ["risk.tif"]


def test_a_failing_write_leaves_the_old_geotiff(analysis: Analysis, tmp_path: Path) -> None:
    target = tmp_path / "out" / "risk.tif"
    write_surface(surface_of(analysis, 250.0), target, as_of=analysis.as_of)
    before = target.read_bytes()
    broken = surface_of(analysis, 500.0)
    first = next(iter(broken.contributions))
    # Two bands' worth in one band's place: rasterio refuses it after the risk is written.
    broken.contributions[first] = np.stack([broken.contributions[first]] * 2)
    with pytest.raises(ValueError):
        write_surface(broken, target, as_of=analysis.as_of)
    assert target.read_bytes() == before
    assert [p.name for p in target.parent.iterdir()] == ["risk.tif"]
