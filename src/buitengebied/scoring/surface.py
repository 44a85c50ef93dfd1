"""The risk surface: the fused score per grid cell, written as a GeoTIFF.

Per cell, every ``kernel_density`` factor is evaluated at the cell centre (binning and
FFT convolution, :mod:`buitengebied.evidence.density`), while factors that live at addresses
(vacancy, energy, inspections, remoteness) take the strongest address in the cell.  Both
go through the same scales and weights as the address scores, so an address's score and
its cell's value agree on the factors they share.  Band 1 is the risk; band ``k+1`` the
contribution of factor ``k``.  Cells outside the area are nodata.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import rasterio
import shapely
from affine import Affine
from rasterio.features import geometry_mask

from buitengebied.dataset import Dataset, ProgressCallback
from buitengebied.evidence.features import address_xy, kernel_density_evidence
from buitengebied.evidence.layerspec import LayerSpec
from buitengebied.scoring.fusion import RiskScores, normalise
from buitengebied.settings import WORKING_CRS

NODATA = -9999.0


@dataclass
class RiskSurface:
    """A north-up raster of risk in EPSG:28992.

    Attributes
    ----------
    risk : numpy.ndarray, shape (rows, cols), float32
        Fused risk per cell, :data:`NODATA` outside the area.
    contributions : dict of str to numpy.ndarray
        Per factor, its contribution per cell.
    transform : affine.Affine
        Pixel to EPSG:28992 transform.
    cell_size_m : float
        Cell edge in metres.
    """

    risk: np.ndarray
    contributions: dict[str, np.ndarray]
    transform: Affine
    cell_size_m: float

    @property
    def crs(self) -> str:
        """The raster's CRS (always the working CRS)."""
        return WORKING_CRS


def surface_grid(area: shapely.Geometry, cell_size_m: float) -> tuple[Affine, int, int]:
    """Return the transform and shape of a grid snapped to ``cell_size_m`` over ``area``."""
    xmin, ymin, xmax, ymax = area.bounds
    left = math.floor(xmin / cell_size_m) * cell_size_m
    bottom = math.floor(ymin / cell_size_m) * cell_size_m
    right = math.ceil(xmax / cell_size_m) * cell_size_m
    top = math.ceil(ymax / cell_size_m) * cell_size_m
    cols, rows = round((right - left) / cell_size_m), round((top - bottom) / cell_size_m)
    return Affine(cell_size_m, 0.0, left, 0.0, -cell_size_m, top), rows, cols


def risk_surface(
    dataset: Dataset,
    specs: list[LayerSpec],
    scores: RiskScores,
    *,
    as_of: pd.Timestamp,
    cell_size_m: float = 100.0,
    on_progress: ProgressCallback | None = None,
) -> RiskSurface:
    """Compute the risk surface over the dataset's area.

    Parameters
    ----------
    dataset : Dataset
        Records known at ``as_of``.
    specs : list of LayerSpec
        The factors (as used for ``scores``).
    scores : RiskScores
        The address ranking, whose scales and weights the surface shares.
    as_of : pandas.Timestamp
        Moment of the ranking.
    cell_size_m : float, default 100
        Cell edge in metres.
    on_progress : callable, optional
        Receives ``(step, fraction)`` after each factor.

    Returns
    -------
    RiskSurface
    """
    if cell_size_m <= 0:
        raise ValueError("cell_size_m must be positive")
    transform, rows, cols = surface_grid(dataset.area, cell_size_m)
    centres = _cell_centres(transform, rows, cols)
    outside = geometry_mask([dataset.area], out_shape=(rows, cols), transform=transform)
    address_cells = _address_cells(address_xy(dataset), transform, rows, cols)
    # Each address's row in the ranking; per factor only one column is then taken.
    ranked_rows = pd.Index(scores.table["address_id"]).get_indexer(dataset.addresses["address_id"])
    contributions: dict[str, np.ndarray] = {}
    for step, spec in enumerate(specs):
        if on_progress is not None:
            on_progress(f"surface {spec.name}", step / max(len(specs), 1))
        if spec.method == "kernel_density":
            raw = pd.DataFrame(
                {spec.name: kernel_density_evidence(spec, dataset, centres, as_of=as_of)}
            )
            strength = normalise(raw, pd.Series({spec.name: scores.scales[spec.name]}))
            layer = (strength[spec.name].to_numpy() * scores.weights[spec.name]).reshape(rows, cols)
        else:
            ranked = scores.table[f"contribution_{spec.name}"].to_numpy(dtype=float)
            by_address = np.where(ranked_rows >= 0, ranked[ranked_rows], np.nan)
            layer = _strongest_address(by_address, address_cells, rows, cols)
        contributions[spec.name] = np.where(outside, NODATA, layer).astype(np.float32)
    if on_progress is not None:
        on_progress("surface computed", 1.0)
    total = (
        np.sum([c for c in contributions.values()], axis=0)
        if contributions
        else np.zeros((rows, cols))
    )
    risk = np.where(outside, NODATA, total).astype(np.float32)
    return RiskSurface(risk, contributions, transform, float(cell_size_m))


def _cell_centres(transform: Affine, rows: int, cols: int) -> np.ndarray:
    xs = transform.c + (np.arange(cols) + 0.5) * transform.a
    ys = transform.f + (np.arange(rows) + 0.5) * transform.e
    grid_x, grid_y = np.meshgrid(xs, ys)
    return np.column_stack([grid_x.ravel(), grid_y.ravel()])


def _address_cells(xy: np.ndarray, transform: Affine, rows: int, cols: int) -> np.ndarray:
    col = np.floor((xy[:, 0] - transform.c) / transform.a).astype(np.int64)
    row = np.floor((xy[:, 1] - transform.f) / transform.e).astype(np.int64)
    inside = (col >= 0) & (col < cols) & (row >= 0) & (row < rows)
    return np.where(inside, row * cols + col, -1)


def _strongest_address(values: np.ndarray, cells: np.ndarray, rows: int, cols: int) -> np.ndarray:
    layer = np.zeros(rows * cols)
    inside = cells >= 0
    np.maximum.at(layer, cells[inside], np.nan_to_num(values[inside]))
    return layer.reshape(rows, cols)


def write_surface(surface: RiskSurface, path: Path, *, as_of: pd.Timestamp) -> None:
    """Write ``surface`` as a deflate-compressed, tiled GeoTIFF in EPSG:28992.

    Parameters
    ----------
    surface : RiskSurface
        What to write.
    path : Path
        Target ``.tif``; its folder is created when missing.
    as_of : pandas.Timestamp
        Stored as a tag.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows, cols = surface.risk.shape
    names = ["risk", *surface.contributions]
    profile = {
        "driver": "GTiff",
        "height": rows,
        "width": cols,
        "count": len(names),
        "dtype": "float32",
        "crs": WORKING_CRS,
        "transform": surface.transform,
        "nodata": NODATA,
        "compress": "deflate",
        "tiled": rows >= 256 and cols >= 256,
    }
    with rasterio.open(path, "w", **profile) as target:
        target.write(surface.risk, 1)
        for band, name in enumerate(surface.contributions, start=2):
            target.write(surface.contributions[name], band)
        for band, name in enumerate(names, start=1):
            target.set_band_description(band, name)
        target.update_tags(as_of=as_of.isoformat(), cell_size_m=str(surface.cell_size_m))
