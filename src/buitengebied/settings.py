"""Typed settings of the library, read at call time.

WORKING_CRS
    The one CRS every computation runs in: RD New (EPSG:28992), metres.
LOCAL_TIMEZONE
    Time zone of dates and date-times given without an offset (contract: Europe/Amsterdam).
NETHERLANDS_BOUNDS_RD
    (xmin, ymin, xmax, ymax) in EPSG:28992 of the projected bounds of RD New; a point
    outside is "outside the Netherlands" and rejected (contract, "Bad input").
MAX_VERTICES_PER_GEOMETRY
    Geometries with more coordinates are rejected as absurd (protects memory and time).
MAX_COLLECTION_DEPTH
    GeometryCollections nested deeper than this are rejected.
AREA_MARGIN_M
    Without an ``area`` layer the map covers the addresses' bounding box plus this margin.
EVALUATION_HORIZON_DAYS, EVALUATION_MONTHS, EVALUATION_STEP_MONTHS, EVALUATION_CELL_SIZE_M
    Defaults of ``buitengebied evaluate``: outcome window, how far back the cut-offs go,
    months between cut-offs, grid cell of the PAI's area measure.
"""

from __future__ import annotations

from typing import Final

WORKING_CRS: Final[str] = "EPSG:28992"
LOCAL_TIMEZONE: Final[str] = "Europe/Amsterdam"
# EPSG:28992's area of use (3.2-7.22 E, 50.75-53.7 N) projected into RD New by pyproj.
NETHERLANDS_BOUNDS_RD: Final[tuple[float, float, float, float]] = (
    646.36,
    306_671.01,
    284_347.25,
    637_111.02,
)
MAX_VERTICES_PER_GEOMETRY: Final[int] = 1_000_000
MAX_COLLECTION_DEPTH: Final[int] = 3
AREA_MARGIN_M: Final[float] = 1_000.0
EVALUATION_HORIZON_DAYS: Final[int] = 180
EVALUATION_MONTHS: Final[int] = 24
EVALUATION_STEP_MONTHS: Final[int] = 1
EVALUATION_CELL_SIZE_M: Final[float] = 250.0
