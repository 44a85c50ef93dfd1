"""The values of the risk surface (buitengebied.scoring.surface) on a small synthetic area.

Two factors of known form: a Gaussian kernel density of the dumpings (sigma 1 km, every
record weight 1, no decay) and the linked outcome of earlier inspections.  Their bands are
computed here from first principles (an exact kernel sum, the fusion's standardisation)
and compared with what the surface holds.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine
from conftest import HOT_ADDRESS, ORIGIN_X, ORIGIN_Y
from numpy.testing import assert_allclose, assert_array_equal
from rasterio.transform import rowcol, xy

from buitengebied.evidence.layerspec import LayerSpec, load_layer_specs
from buitengebied.load.directory import load_data_dir
from buitengebied.scoring.analysis import Analysis, analyse
from buitengebied.scoring.surface import (
    NODATA,
    RiskSurface,
    risk_surface,
    surface_grid,
    write_surface,
)

AS_OF = pd.Timestamp("2025-10-01T00:00", tz="Europe/Amsterdam").tz_convert("UTC")
DUMPINGS_WEIGHT, DUMPINGS_SIGMA_M = 0.8, 1000.0
INSPECTIONS_WEIGHT = 1.5
#: An L: the contract area (213.5-220.5 km x 448.5-455.5 km) without its north-east corner.
AREA = shapely.difference(
    shapely.box(ORIGIN_X - 1500, ORIGIN_Y - 1500, ORIGIN_X + 5500, ORIGIN_Y + 5500),
    shapely.box(ORIGIN_X + 3000, ORIGIN_Y + 3000, ORIGIN_X + 5500, ORIGIN_Y + 5500),
)

LAYER_FILES = {
    "dumpings.toml": f"""
[layer]
source_layer = "dumpings"
title = "Dumpingen"
description = "Kernel density of dumpings, every record weight 1."
weight = {DUMPINGS_WEIGHT}
visible_to = ["analyst"]

[evidence]
method = "kernel_density"
bandwidth_m = {DUMPINGS_SIGMA_M}
""",
    "inspections.toml": f"""
[layer]
source_layer = "inspections"
title = "Controles"
description = "Linked outcomes of earlier inspections."
weight = {INSPECTIONS_WEIGHT}
visible_to = ["analyst"]

[evidence]
method = "linked"

[[evidence.record_weights]]
column = "outcome"
values = {{ cannabis_grow = 1.0, signals = 0.5, nothing = 0.0 }}
default = 0.0
""",
}


def address_xy(k: int) -> tuple[float, float]:
    """Where conftest's address ``k`` lies (a 6 x 6 grid, 800 m apart)."""
    return ORIGIN_X + (k % 6) * 800.0, ORIGIN_Y + (k // 6) * 800.0


#: conftest's dumpings, in EPSG:28992 (written there in WGS84).
HOT_X, HOT_Y = address_xy(int(HOT_ADDRESS))
DUMPINGS_XY = np.array(
    [[HOT_X + 2500, HOT_Y + 300], [HOT_X + 2600, HOT_Y - 400], [HOT_X - 2000, HOT_Y + 1500]]
)


def write_layer_files(folder: Path) -> list[LayerSpec]:
    folder.mkdir()
    for name, text in LAYER_FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return load_layer_specs(folder)


def write_area(data_dir: Path) -> None:
    (data_dir / "area.gpkg").unlink()
    gpd.GeoDataFrame({"name": ["L"]}, geometry=[AREA], crs="EPSG:28992").to_file(
        data_dir / "area.gpkg", driver="GPKG"
    )


@pytest.fixture
def analysis(contract_dir: Path, tmp_path: Path) -> Analysis:
    write_area(contract_dir)
    specs = write_layer_files(tmp_path / "layers")
    return analyse(load_data_dir(contract_dir), as_of=AS_OF, specs=specs)


def surface_of(analysis: Analysis, cell_size_m: float) -> RiskSurface:
    return risk_surface(
        analysis.dataset, analysis.specs, analysis.scores, as_of=AS_OF, cell_size_m=cell_size_m
    )


def cell_centres(surface: RiskSurface) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = surface.risk.shape
    col, row = np.meshgrid(np.arange(cols), np.arange(rows))
    x, y = xy(surface.transform, row.ravel(), col.ravel(), offset="center")
    return np.reshape(x, (rows, cols)), np.reshape(y, (rows, cols))


def exact_density_per_km2(points: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Sum of 2-D Gaussians (sigma 1 km), in records per km^2."""
    squared = (x[..., None] - points[:, 0]) ** 2 + (y[..., None] - points[:, 1]) ** 2
    kernel = np.exp(-squared / (2 * DUMPINGS_SIGMA_M**2)) / (2 * math.pi * DUMPINGS_SIGMA_M**2)
    return kernel.sum(axis=-1) * 1e6


def strength(z: np.ndarray) -> np.ndarray:
    """The fusion's strength: z above the mean up to 8 sd, logarithmic beyond."""
    z = np.maximum(z, 0.0)
    return np.where(z <= 8.0, z, 8.0 * (1.0 + np.log(np.maximum(z, 8.0) / 8.0)))


def standardise(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    return (values - reference.mean()) / reference.std()


@pytest.mark.parametrize(
    ("cell_size_m", "shape", "transform"),
    [
        (250.0, (28, 28), Affine(250.0, 0.0, 213_500.0, 0.0, -250.0, 455_500.0)),
        # 213.5 km and 455.5 km are no multiples of 300 m: the grid snaps outwards.
        (300.0, (24, 24), Affine(300.0, 0.0, 213_300.0, 0.0, -300.0, 455_700.0)),
    ],
)
def test_the_grid_is_rd_new_snapped_to_the_cell_size(
    analysis: Analysis, cell_size_m: float, shape: tuple[int, int], transform: Affine
) -> None:
    surface = surface_of(analysis, cell_size_m)
    assert surface.crs == "EPSG:28992"
    assert surface.cell_size_m == cell_size_m
    assert surface.transform == transform
    assert surface.risk.shape == shape
    assert all(band.shape == shape for band in surface.contributions.values())
    assert surface.risk.dtype == np.float32


def test_surface_grid_of_a_box() -> None:
    transform, rows, cols = surface_grid(shapely.box(100.0, 220.0, 1090.0, 880.0), 250.0)
    assert (rows, cols) == (4, 5)
    assert transform == Affine(250.0, 0.0, 0.0, 0.0, -250.0, 1000.0)


@pytest.mark.parametrize("cell_size_m", [250.0, 300.0])
def test_cells_whose_centre_lies_outside_the_area_are_nodata(
    analysis: Analysis, cell_size_m: float
) -> None:
    surface = surface_of(analysis, cell_size_m)
    outside = ~shapely.contains_xy(AREA, *cell_centres(surface))
    assert 0 < outside.sum() < outside.size
    assert_array_equal(surface.risk == NODATA, outside)
    for band in surface.contributions.values():
        assert_array_equal(band == NODATA, outside)


def test_the_risk_is_the_sum_of_the_factor_bands(analysis: Analysis) -> None:
    surface = surface_of(analysis, 250.0)
    inside = surface.risk != NODATA
    assert list(surface.contributions) == ["dumpings", "inspections"]
    total = np.sum([band.astype(float) for band in surface.contributions.values()], axis=0)
    assert_allclose(surface.risk[inside], total[inside], rtol=1e-6)
    assert surface.risk[inside].max() > 0


def test_the_density_band_is_the_weighted_standardised_kernel_sum(analysis: Analysis) -> None:
    surface = surface_of(analysis, 250.0)
    x, y = cell_centres(surface)
    addresses = np.array([address_xy(k) for k in range(36)])
    # The scale (mean and sd) is that of the evidence at the addresses, as in the ranking.
    at_addresses = exact_density_per_km2(DUMPINGS_XY, addresses[:, 0], addresses[:, 1])
    at_cells = exact_density_per_km2(DUMPINGS_XY, x, y)
    expected = DUMPINGS_WEIGHT * strength(standardise(at_cells, at_addresses))
    band = surface.contributions["dumpings"]
    inside = band != NODATA
    assert expected[inside].max() > 1.0
    # The surface bins and convolves (under 1 % off the exact sum).
    assert_allclose(band[inside], expected[inside], rtol=0.01, atol=0.01 * expected.max())


def test_the_linked_band_holds_the_address_contribution_in_its_cell_only(
    analysis: Analysis,
) -> None:
    surface = surface_of(analysis, 250.0)
    # conftest: address 7 had "signals" (0.5), address 2 a cannabis grow (1), 1 "nothing".
    raw = np.zeros(36)
    raw[int(HOT_ADDRESS)], raw[2] = 0.5, 1.0
    expected = INSPECTIONS_WEIGHT * strength(standardise(raw, raw))
    band = surface.contributions["inspections"]
    # Address 2 (216 600, 450 000) lies on a row boundary: its cell is the one a reader of
    # the GeoTIFF finds with rasterio's index (the cell south of the line).
    cells = {k: rowcol(surface.transform, *address_xy(k)) for k in (int(HOT_ADDRESS), 2)}
    assert cells[2] == rowcol(surface.transform, 216_600.0, 449_999.0)
    for k, cell in cells.items():
        assert_allclose(band[cell], expected[k], rtol=1e-6)
    others = np.ones(band.shape, dtype=bool)
    for cell in cells.values():
        others[cell] = False
    assert_array_equal(band[others & (band != NODATA)], 0.0)


def test_a_hot_spot_of_dumpings_gives_the_highest_cell_where_it_lies(
    contract_dir: Path, tmp_path: Path
) -> None:
    hot_spot = (217_130.0, 452_370.0)
    xy = [hot_spot] * 4 + [(214_000.0, 449_000.0), (219_900.0, 449_100.0)]
    pd.DataFrame(
        {
            "dumping_id": [f"D{k}" for k in range(len(xy))],
            "observed_at": "2025-05-01",
            "x": [p[0] for p in xy],
            "y": [p[1] for p in xy],
        }
    ).to_csv(contract_dir / "dumpings.csv", index=False)
    specs = [s for s in write_layer_files(tmp_path / "layers") if s.name == "dumpings"]
    analysis = analyse(load_data_dir(contract_dir), as_of=AS_OF, specs=specs)
    surface = surface_of(analysis, 250.0)
    highest = np.unravel_index(np.argmax(surface.risk), surface.risk.shape)
    assert highest == rowcol(surface.transform, *hot_spot)
    x, y = cell_centres(surface)
    assert (x[highest], y[highest]) == (217_125.0, 452_375.0)


def test_progress_is_reported_per_factor(analysis: Analysis) -> None:
    steps: list[tuple[str, float]] = []
    risk_surface(
        analysis.dataset,
        analysis.specs,
        analysis.scores,
        as_of=AS_OF,
        cell_size_m=500.0,
        on_progress=lambda step, fraction: steps.append((step, fraction)),
    )
    assert steps == [
        ("surface dumpings", 0.0),
        ("surface inspections", 0.5),
        ("surface computed", 1.0),
    ]


def test_the_geotiff_reads_back_with_its_bands_named(analysis: Analysis, tmp_path: Path) -> None:
    surface = surface_of(analysis, 250.0)
    path = tmp_path / "new folder" / "risk.tif"
    write_surface(surface, path, as_of=AS_OF)
    with rasterio.open(path) as raster:
        assert raster.crs.to_epsg() == 28992
        assert raster.res == (250.0, 250.0)
        assert raster.transform == surface.transform
        assert raster.count == 3
        assert raster.descriptions == ("risk", "dumpings", "inspections")
        assert raster.nodata == NODATA
        assert raster.dtypes == ("float32",) * 3
        assert_array_equal(raster.read(1), surface.risk)
        assert_array_equal(raster.read(2), surface.contributions["dumpings"])
        assert_array_equal(raster.read(3), surface.contributions["inspections"])
        tags = raster.tags()
    assert pd.Timestamp(tags["as_of"]) == AS_OF
    assert float(tags["cell_size_m"]) == 250.0
