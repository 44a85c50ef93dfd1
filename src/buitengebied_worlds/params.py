"""The parameters of a world, one preset per kind, and random draws for the kind ``random``.

Every number that shapes a world lives in :class:`WorldParams`; the kinds differ only in
these numbers (and in which layers they write). The causal assumptions behind each group
of parameters are described in ``docs/worlds.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

KINDS: tuple[str, ...] = (
    "mixed",
    "mostly_labs",
    "mostly_grows",
    "no_energy",
    "sparse_reports",
    "noisy_reports",
    "random",
)

SITE_KINDS: tuple[str, ...] = ("grow", "lab", "storage")


@dataclass(frozen=True)
class WorldParams:
    """Everything that shapes one world (units in the names).

    Attributes are grouped by the stage that reads them: population and counts, where sites
    sit, the register, waste, reports, inspections, energy and output formats.
    """

    kind: str
    n_addresses: int
    n_active_sites: int
    n_recent_finds: int
    site_mix: tuple[float, float, float]
    # Where sites sit.
    grow_village_weight: float
    active_farm_weight: float
    register_multiplier: float
    remoteness_scale_m: float
    recent_stop_multiplier: float
    find_visibility_exponent: float
    displacement_prob: float
    displacement_distance_m: float
    ended_per_active: float
    cluster_share: float
    cluster_radius_m: float
    # The register of empty premises.
    register_coverage: float
    register_false_share: float
    # Waste.
    lab_dumps_per_month: float
    drain_on_premises_prob: float
    favourite_spot_prob: float
    n_favourite_spots: int
    dump_distance_median_m: float
    external_dumps_per_year: float
    dump_detect_prob: float
    cannabis_dump_prob: float
    false_dump_share: float
    # Reports.
    background_reports_per_year: float
    site_reports_per_month: float
    n_heavy_reporters: int
    heavy_reports_each: int
    ranger_share: float
    # Inspections.
    inspections_per_month: float
    repeat_visit_share: float
    # Energy.
    has_energy: bool
    bypass_prob: float
    solar_share: float
    robot_share: float
    energy_coverage: float
    smart_meter_share: float
    # Output.
    formats: tuple[tuple[str, str], ...]
    with_roads: bool
    register_polygons: bool


_GPKG_FORMATS = (
    ("addresses", "gpkg"),
    ("vacant_buildings", "gpkg"),
    ("dumpings", "gpkg"),
    ("reports", "gpkg"),
    ("energy", "csv"),
    ("inspections", "csv"),
    ("area", "gpkg"),
    ("roads", "gpkg"),
)

_MIXED = {
    "site_mix": (0.5, 0.3, 0.2),
    "grow_village_weight": 1.0,
    "active_farm_weight": 1.0,
    "register_multiplier": 0.6,
    "remoteness_scale_m": 1500.0,
    "recent_stop_multiplier": 3.0,
    "find_visibility_exponent": 1.0,
    "displacement_prob": 0.6,
    "displacement_distance_m": 9000.0,
    "ended_per_active": 0.7,
    "cluster_share": 0.25,
    "cluster_radius_m": 2500.0,
    "register_coverage": 0.3,
    "register_false_share": 0.25,
    "lab_dumps_per_month": 0.4,
    "drain_on_premises_prob": 0.3,
    "favourite_spot_prob": 0.55,
    "n_favourite_spots": 12,
    "dump_distance_median_m": 12000.0,
    # Police: 31-40 drug-waste dumpings a year in Gelderland (2017-2023); Bronckhorst is
    # about 5.7% of the province's land.
    "external_dumps_per_year": 2.0,
    "dump_detect_prob": 0.65,
    "cannabis_dump_prob": 0.25,
    "false_dump_share": 0.15,
    "background_reports_per_year": 450.0,
    "site_reports_per_month": 0.25,
    "n_heavy_reporters": 3,
    "heavy_reports_each": 40,
    "ranger_share": 0.3,
    "inspections_per_month": 2.5,
    "repeat_visit_share": 0.35,
    "has_energy": True,
    "bypass_prob": 0.5,
    "solar_share": 0.35,
    "robot_share": 0.5,
    "energy_coverage": 0.92,
    "smart_meter_share": 0.45,
    "formats": _GPKG_FORMATS,
    "with_roads": True,
    "register_polygons": False,
}

_PRESETS: dict[str, dict[str, object]] = {
    "mixed": {},
    "mostly_labs": {
        "site_mix": (0.15, 0.6, 0.25),
        "register_multiplier": 0.4,
        "remoteness_scale_m": 2500.0,
        "lab_dumps_per_month": 0.6,
        "external_dumps_per_year": 6.0,
        "favourite_spot_prob": 0.7,
        "n_favourite_spots": 8,
        "dump_distance_median_m": 16000.0,
        "register_polygons": True,
    },
    "mostly_grows": {
        "site_mix": (0.8, 0.12, 0.08),
        "grow_village_weight": 2.5,
        "cluster_share": 0.5,
        "cluster_radius_m": 2000.0,
        "bypass_prob": 0.65,
        "cannabis_dump_prob": 0.4,
        "register_multiplier": 1.2,
        "formats": tuple(
            (layer, "geojson" if layer in ("dumpings", "vacant_buildings") else suffix)
            for layer, suffix in _GPKG_FORMATS
        ),
    },
    "no_energy": {
        "has_energy": False,
        "register_multiplier": 1.5,
        "active_farm_weight": 2.0,
        "with_roads": False,
    },
    "sparse_reports": {
        "background_reports_per_year": 110.0,
        "site_reports_per_month": 0.07,
        "n_heavy_reporters": 1,
        "heavy_reports_each": 15,
        "dump_detect_prob": 0.4,
        "inspections_per_month": 1.5,
        "formats": (
            ("addresses", "csv"),
            ("vacant_buildings", "gpkg"),
            ("dumpings", "csv"),
            ("reports", "csv-lonlat"),
            ("energy", "csv"),
            ("inspections", "csv"),
            ("area", "gpkg"),
            ("roads", "gpkg"),
        ),
    },
    "noisy_reports": {
        "background_reports_per_year": 1400.0,
        "n_heavy_reporters": 7,
        "heavy_reports_each": 90,
        "false_dump_share": 0.35,
        "ranger_share": 0.45,
        "repeat_visit_share": 0.55,
        "formats": tuple(
            (layer, "parquet" if layer == "reports" else suffix) for layer, suffix in _GPKG_FORMATS
        ),
    },
}

_RANDOM_RANGES: dict[str, tuple[float, float]] = {
    "grow_village_weight": (0.3, 3.0),
    "active_farm_weight": (0.2, 2.5),
    "register_multiplier": (0.25, 2.0),
    "remoteness_scale_m": (600.0, 3000.0),
    "recent_stop_multiplier": (1.0, 5.0),
    "find_visibility_exponent": (0.0, 2.0),
    "displacement_prob": (0.2, 0.9),
    "displacement_distance_m": (3000.0, 20000.0),
    "ended_per_active": (0.3, 1.2),
    "cluster_share": (0.0, 0.6),
    "cluster_radius_m": (1000.0, 5000.0),
    "register_coverage": (0.15, 0.5),
    "register_false_share": (0.1, 0.4),
    "lab_dumps_per_month": (0.15, 0.8),
    "drain_on_premises_prob": (0.05, 0.6),
    "favourite_spot_prob": (0.2, 0.85),
    "dump_distance_median_m": (5000.0, 25000.0),
    "external_dumps_per_year": (0.0, 10.0),
    "dump_detect_prob": (0.35, 0.85),
    "cannabis_dump_prob": (0.05, 0.5),
    "false_dump_share": (0.05, 0.4),
    "background_reports_per_year": (100.0, 1500.0),
    "site_reports_per_month": (0.05, 0.4),
    "ranger_share": (0.1, 0.5),
    "inspections_per_month": (1.2, 4.0),
    "repeat_visit_share": (0.1, 0.6),
    "bypass_prob": (0.2, 0.85),
    "solar_share": (0.15, 0.55),
    "robot_share": (0.2, 0.8),
    "energy_coverage": (0.75, 0.98),
    "smart_meter_share": (0.0, 0.9),
}

_FORMAT_CHOICES: dict[str, tuple[str, ...]] = {
    "addresses": ("gpkg", "csv", "csv-lonlat", "parquet"),
    "vacant_buildings": ("gpkg", "geojson", "csv"),
    "dumpings": ("gpkg", "geojson", "csv", "csv-lonlat"),
    "reports": ("gpkg", "csv", "csv-lonlat", "parquet"),
    "energy": ("csv", "parquet"),
    "inspections": ("csv",),
    "area": ("gpkg", "geojson"),
    "roads": ("gpkg", "geojson"),
}


def params_for_kind(kind: str, rng: np.random.Generator, *, n_addresses: int | None) -> WorldParams:
    """The parameters of a world of ``kind``.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    rng : numpy.random.Generator
        Draws the counts (and, for ``random``, every parameter).
    n_addresses : int or None
        Number of addresses; None draws it between 14,000 and 20,000.

    Returns
    -------
    WorldParams
        The parameters.

    Raises
    ------
    ValueError
        If ``kind`` is not one of :data:`KINDS`.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown world kind {kind!r}; expected one of {', '.join(KINDS)}")
    values: dict[str, object] = dict(_MIXED)
    if kind == "random":
        values.update(_random_values(rng))
    else:
        values.update(_PRESETS[kind])
    counts = {
        "n_addresses": int(rng.integers(14_000, 20_001)) if n_addresses is None else n_addresses,
        "n_active_sites": int(rng.integers(13, 25)),
        "n_recent_finds": int(rng.integers(5, 11)),
    }
    return WorldParams(kind=kind, **counts, **values)  # type: ignore[arg-type]


def _random_values(rng: np.random.Generator) -> dict[str, object]:
    """Every parameter drawn from its range, the site mix from a Dirichlet."""
    values: dict[str, object] = {
        name: float(rng.uniform(low, high)) for name, (low, high) in _RANDOM_RANGES.items()
    }
    values["site_mix"] = tuple(float(v) for v in rng.dirichlet([2.0, 1.5, 1.0]))
    values["n_favourite_spots"] = int(rng.integers(4, 21))
    values["n_heavy_reporters"] = int(rng.integers(0, 8))
    values["heavy_reports_each"] = int(rng.integers(10, 100))
    values["has_energy"] = bool(rng.random() < 0.75)
    values["with_roads"] = bool(rng.random() < 0.7)
    formats = tuple((layer, str(rng.choice(choices))) for layer, choices in _FORMAT_CHOICES.items())
    values["formats"] = formats
    # A CSV carries points only: the register is drawn as footprints only in other formats.
    values["register_polygons"] = (
        bool(rng.random() < 0.5) and dict(formats)["vacant_buildings"] != "csv"
    )
    return values


@dataclass(frozen=True)
class Window:
    """The period the data cover: from ``start`` up to (not including) ``as_of``."""

    start: pd.Timestamp
    as_of: pd.Timestamp
