"""The risk surface: the fused score per grid cell, written as a GeoTIFF.

Per cell, every ``kernel_density`` factor is evaluated at the cell centre (binning and
FFT convolution, :mod:`buitengebied.evidence.density`), while factors that live at addresses
(vacancy, energy, inspections, remoteness) take the strongest address in the cell.  Both
go through the same scales and weights as the address scores, so an address's score and
its cell's value agree on the factors they share.  Band 1 is the risk; band ``k+1`` the
contribution of factor ``k``.  Cells outside the area are nodata.

A grid is estimated before it is allocated (:func:`surface_memory_bytes`) and refused
above ``settings.MAX_SURFACE_BYTES``, naming a cell size that fits; the GeoTIFF is
written atomically (:func:`buitengebied.io.atomic.atomic_path`).
"""

from __future__ import annotations

import errno
import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import rasterio
import shapely
from affine import Affine
from rasterio.errors import RasterioIOError
from rasterio.features import geometry_mask

from buitengebied import settings
from buitengebied.dataset import Dataset, ProgressCallback
from buitengebied.errors import ContractError
from buitengebied.evidence.features import address_xy, kernel_density_evidence
from buitengebied.evidence.layerspec import LayerSpec
from buitengebied.io.atomic import atomic_path
from buitengebied.scoring.fusion import RiskScores, normalise, strength_caps
from buitengebied.settings import WORKING_CRS

NODATA = -9999.0

#: Peak memory of :func:`risk_surface` per cell: the cell centres and one factor's
#: evidence while it is computed, then 8 bytes per band (kept, and stacked for the sum).
#: Measured with tracemalloc on the demo: 147 bytes a cell with six factors (estimate 168).
_BYTES_PER_CELL = 112
_BYTES_PER_CELL_AND_BAND = 8


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


def surface_memory_bytes(n_cells: int, n_factors: int) -> int:
    """Estimate the peak memory :func:`risk_surface` needs for a grid, in bytes.

    Parameters
    ----------
    n_cells : int
        Rows times columns of the grid.
    n_factors : int
        Factors, each a band beside the risk.

    Returns
    -------
    int
    """
    return n_cells * (_BYTES_PER_CELL + _BYTES_PER_CELL_AND_BAND * (n_factors + 1))


def check_surface_size(area: shapely.Geometry, cell_size_m: float, *, n_factors: int) -> None:
    """Refuse a grid over ``area`` that would need more than ``settings.MAX_SURFACE_BYTES``.

    Raises
    ------
    ContractError
        Naming the grid's cells, its estimated memory and a cell size that fits.
    """
    limit = settings.MAX_SURFACE_BYTES
    _, rows, cols = surface_grid(area, cell_size_m)
    needed = surface_memory_bytes(rows * cols, n_factors)
    if needed <= limit:
        return
    fitting = float(math.ceil(cell_size_m * math.sqrt(needed / limit)))
    while surface_memory_bytes(math.prod(surface_grid(area, fitting)[1:]), n_factors) > limit:
        fitting += 1.0
    raise ContractError(
        f"a risk surface of {rows * cols:,} cells ({cols:,} x {rows:,} of {cell_size_m:g} m, "
        f"{n_factors + 1} bands) would need about {_gib(needed)} of memory, more than the "
        f"{_gib(limit)} allowed (settings.MAX_SURFACE_BYTES); "
        f"a cell size of {fitting:g} m or more fits"
    )


def _gib(n_bytes: int) -> str:
    return f"{n_bytes / (1 << 30):,.1f} GiB"


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

    Raises
    ------
    ContractError
        The grid would need more memory than ``settings.MAX_SURFACE_BYTES``.
    """
    if not (math.isfinite(cell_size_m) and cell_size_m > 0):
        raise ValueError("cell_size_m must be a positive number")
    check_surface_size(dataset.area, cell_size_m, n_factors=len(specs))
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
            strength = normalise(
                raw, pd.Series({spec.name: scores.scales[spec.name]}), caps=strength_caps([spec])
            )
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
        Target ``.tif``; its folder is created when missing.  Replaced whole or not at
        all (:func:`buitengebied.io.atomic.atomic_path`).
    as_of : pandas.Timestamp
        Stored as a tag.
    """
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
    with atomic_path(Path(path)) as temporary:
        with rasterio.open(temporary, "w", **profile) as target:
            target.write(surface.risk, 1)
            for band, name in enumerate(surface.contributions, start=2):
                target.write(surface.contributions[name], band)
            for band, name in enumerate(names, start=1):
                target.set_band_description(band, name)
            target.update_tags(as_of=as_of.isoformat(), cell_size_m=str(surface.cell_size_m))
        # Inside the atomic block: a file that does not read back is never renamed.
        _check_reads_back(temporary, raw_bytes=surface.risk.nbytes * len(names))


def _check_reads_back(path: Path, *, raw_bytes: int) -> None:
    """Read a written GeoTIFF back whole, band by band.

    GDAL does not raise when a tile cannot be written (a full disk): it logs and leaves a
    truncated file.  A file that does not read back is never renamed over the target.

    Raises
    ------
    OSError
        ``ENOSPC`` when less than ``raw_bytes`` (the uncompressed bands) are free on the
        device, ``EIO`` otherwise.
    """
    try:
        with rasterio.open(path) as written:
            for band in range(1, written.count + 1):
                written.read(band)
    except RasterioIOError as exc:
        if shutil.disk_usage(path.parent).free < raw_bytes:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)) from exc
        raise OSError(errno.EIO, "the GeoTIFF written does not read back whole") from exc
