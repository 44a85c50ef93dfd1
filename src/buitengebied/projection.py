"""The one place where geometries enter the working CRS (EPSG:28992, RD New)."""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS, Transformer

from buitengebied.errors import BuitengebiedError
from buitengebied.settings import WORKING_CRS


class MissingCRSError(BuitengebiedError, ValueError):
    """Geometries without a declared CRS cannot be placed on the map."""


def to_working_crs(geometry: np.ndarray, crs: str | None) -> np.ndarray:
    """Return ``geometry`` transformed from ``crs`` into EPSG:28992.

    Parameters
    ----------
    geometry : numpy.ndarray of shapely geometries (or None)
        Geometries in ``crs``.
    crs : str or None
        Their CRS (anything pyproj understands).  Never guessed.

    Returns
    -------
    numpy.ndarray
        New geometries in EPSG:28992; missing geometries stay ``None``.

    Raises
    ------
    MissingCRSError
        ``crs`` is ``None``.
    """
    if crs is None:
        raise MissingCRSError("geometries have no CRS; declare one (EPSG:28992 or EPSG:4326)")
    source = CRS.from_user_input(crs)
    target = CRS.from_user_input(WORKING_CRS)
    if source.equals(target, ignore_axis_order=True):
        return geometry
    transformer = Transformer.from_crs(source, target, always_xy=True)
    # shapely.transform hands all coordinates of all geometries to pyproj in one call.
    return shapely.transform(
        geometry, lambda coords: np.column_stack(transformer.transform(coords[:, 0], coords[:, 1]))
    )


def to_lon_lat(x_m: np.ndarray, y_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return longitude and latitude (EPSG:4326) of points in EPSG:28992, for a web map.

    The one conversion out of the working CRS; it is for showing, never for computing.
    """
    transformer = Transformer.from_crs(WORKING_CRS, "EPSG:4326", always_xy=True)
    lon, lat = transformer.transform(np.asarray(x_m, dtype=float), np.asarray(y_m, dtype=float))
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
