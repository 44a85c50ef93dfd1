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

Plausibility of input values (a value outside is a bad row, with row, column, value and
what was expected; see :mod:`buitengebied.load.validate`):

EARLIEST_DATE, LATEST_DATE
    Every date column holds local dates from ``EARLIEST_DATE`` to ``LATEST_DATE``
    (inclusive): 1900-01-01 to 2100-12-31.  Also bounds what pandas can hold (1677-2262),
    so that a valid ISO date such as ``9999-12-31`` is refused for what it is.
MAX_ENERGY_PERIOD_DAYS
    An energy period (``period_start`` to ``period_end``, both inclusive) lasts at most
    this many days: two years, leap days included.  Energy evidence spreads each
    period over its days, so one row from 1678 to 2261 would cost gigabytes.
MAX_KWH_PER_DAY
    ``|kwh|`` of a period is at most this times its days: 1,000,000 kWh a day is a
    constant 42 MW, beyond the largest greenhouse or farm; 1e308 would overflow sums.
NUMBER_BOUNDS
    Inclusive (lowest, highest) of number columns, by column name: ``floor_area_m2``
    from 0 to 10 km² (the largest buildings in the country are about 1 km²),
    ``volume_l`` from 0 to 1,000,000 l (some thirty tanker trucks).
MAX_SURFACE_BYTES
    The risk surface (``buitengebied surface``) refuses a grid whose computation would
    take more memory than this (2 GiB, some 13 million cells with six factors); see
    :func:`buitengebied.scoring.surface.surface_memory_bytes`.

AREA_MARGIN_M
    Without an ``area`` layer the map covers the addresses' bounding box plus this margin.
EVALUATION_HORIZON_DAYS, EVALUATION_MONTHS, EVALUATION_STEP_MONTHS, EVALUATION_CELL_SIZE_M
    Defaults of ``buitengebied evaluate``: outcome window, how far back the cut-offs go,
    months between cut-offs, grid cell of the PAI's area measure.

PASSWORD_MIN_LENGTH
    A password has at least this many characters (and is not the user name); see
    :func:`buitengebied.access.passwords.password_problems`.
LOGIN_MAX_FAILURES, LOGIN_LOCKOUT_MINUTES
    After this many failed log-ins in a row an account is locked for this many minutes
    (:func:`buitengebied.access.passwords.locked_until`).
SESSION_IDLE_TIMEOUT_MINUTES
    A log-in ends after this many minutes without an interaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
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
EARLIEST_DATE: Final[str] = "1900-01-01"
LATEST_DATE: Final[str] = "2100-12-31"
MAX_ENERGY_PERIOD_DAYS: Final[int] = 2 * 366
MAX_KWH_PER_DAY: Final[float] = 1_000_000.0
NUMBER_BOUNDS: Final[Mapping[str, tuple[float, float]]] = MappingProxyType(
    {"floor_area_m2": (0.0, 10_000_000.0), "volume_l": (0.0, 1_000_000.0)}
)
MAX_SURFACE_BYTES: Final[int] = 2 << 30
AREA_MARGIN_M: Final[float] = 1_000.0
EVALUATION_HORIZON_DAYS: Final[int] = 180
EVALUATION_MONTHS: Final[int] = 24
EVALUATION_STEP_MONTHS: Final[int] = 1
EVALUATION_CELL_SIZE_M: Final[float] = 250.0
PASSWORD_MIN_LENGTH: Final[int] = 12
LOGIN_MAX_FAILURES: Final[int] = 5
LOGIN_LOCKOUT_MINUTES: Final[float] = 15.0
SESSION_IDLE_TIMEOUT_MINUTES: Final[float] = 30.0
