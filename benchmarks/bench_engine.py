"""Benchmark of the risk engine: ``rank`` and ``surface`` beside the obvious alternatives.

Run::

    python benchmarks/bench_engine.py [--scale municipality|province|all] [--quick]

For each scale it generates a reproducible, clustered, contract-conformant data
directory in EPSG:28992 (centred on x=200000, y=450000), writes it to files and measures:

- ``rank`` end to end as a real subprocess (``buitengebied rank DIR --as-of .. --out ..``,
  Python start-up and file reading included), peak RSS from ``os.wait4``;
- the scoring itself on an already loaded dataset (``compute_evidence`` + ``fuse``);
- ``risk_surface`` at 100 m with the data in memory (and ``surface`` end to end);
- baseline A: scikit-learn ``KernelDensity`` (gaussian, same bandwidths, weights via
  ``sample_weight``) per address / per cell, timed on a random subset of targets and
  extrapolated linearly to the full count (tree building counted once);
- baseline B: geopandas ``sjoin(predicate="dwithin")`` counts within the bandwidth and
  ``sjoin_nearest`` distances, the GIS user's way, timed and extrapolated the same way;
- accuracy of the binned FFT densities against an exact Gaussian kernel sum.

Ratios are baseline seconds / our seconds.  Nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree
from sklearn.neighbors import KernelDensity

from buitengebied.contract import (
    BUILDING_TYPES,
    CONFIDENCE_LEVELS,
    INSPECTION_OUTCOMES,
    REPORT_CATEGORIES,
    REPORTER_ROLES,
    WASTE_TYPES,
)
from buitengebied.dataset import Dataset
from buitengebied.evidence.density import kernel_density_at
from buitengebied.evidence.features import (
    address_xy,
    compute_evidence,
    record_points,
    record_weights,
    select_records,
)
from buitengebied.evidence.layerspec import LayerSpec, load_layer_specs
from buitengebied.load.directory import load_data_dir
from buitengebied.load.timefilter import known_at
from buitengebied.scoring.fusion import fuse
from buitengebied.scoring.surface import risk_surface, surface_grid
from buitengebied.timeutil import parse_as_of

CENTRE_X, CENTRE_Y = 200_000.0, 450_000.0
AS_OF = "2025-07-01"
SEED = 20250701
CELL_SIZE_M = 100.0
RD_NEW = "EPSG:28992"

#: What a partner would actually send: BAG and municipal GIS as GeoPackage, field apps
#: and the grid operator as CSV (field apps with GPS lon/lat), CBS boundaries as GeoJSON.
PARTNER_FORMATS = {
    "addresses": ".gpkg",
    "vacant_buildings": ".gpkg",
    "dumpings": ".csv",
    "reports": ".csv",
    "energy": ".csv",
    "inspections": ".csv",
    "area": ".geojson",
}
#: The same data as a platform would store it after intake: (Geo)Parquet throughout.
PARQUET_FORMATS = dict.fromkeys(PARTNER_FORMATS, ".parquet")


@dataclass(frozen=True)
class Scale:
    """Sizes of one benchmark scale."""

    name: str
    n_addresses: int
    n_events: int  # per point layer: dumpings, reports, vacant_buildings
    n_inspections: int
    side_m: float  # the area is a square of this side
    baseline_targets: int  # targets timed per baseline, extrapolated to the full count
    baseline_budget_s: float  # at most about this long per timed baseline part
    accuracy_sample: int
    rank_repeats: int
    all_cli_runs: bool = True  # False: only rank on partner files end to end (--quick)
    target_rank_s: float | None = None
    target_rank_gb: float | None = None
    target_scoring_s: float | None = None
    target_surface_s: float | None = None


SCALES = {
    "municipality": Scale(
        "municipality", 20_000, 2_000, 200, 17_000.0, 2_000, 5.0, 500, 3, target_rank_s=3.0
    ),
    "province": Scale(
        "province",
        1_000_000,
        100_000,
        5_000,
        math.sqrt(5_000e6),
        2_000,
        5.0,
        500,
        2,
        target_rank_s=20.0,
        target_rank_gb=4.0,
        target_scoring_s=1.0,
        target_surface_s=1.0,
    ),
}
QUICK_SCALES = {
    "municipality": Scale(
        "municipality", 2_000, 200, 20, 6_000.0, 100, 0.1, 200, 1, False, target_rank_s=3.0
    ),
    "province": Scale(
        "province",
        20_000,
        2_000,
        100,
        12_000.0,
        100,
        0.1,
        200,
        1,
        False,
        target_rank_s=20.0,
        target_rank_gb=4.0,
        target_scoring_s=1.0,
        target_surface_s=1.0,
    ),
}


# --- data generation ----------------------------------------------------------------------


@dataclass
class Synthetic:
    """A generated data directory, in memory, coordinates in EPSG:28992."""

    addresses: pd.DataFrame  # with x, y
    vacant_buildings: gpd.GeoDataFrame
    dumpings: pd.DataFrame  # with x, y
    reports: pd.DataFrame  # with x, y
    energy: pd.DataFrame
    inspections: pd.DataFrame
    area: shapely.Geometry
    counts: dict[str, int] = field(default_factory=dict)


def _bounds(scale: Scale) -> tuple[float, float, float, float]:
    half = scale.side_m / 2
    return CENTRE_X - half, CENTRE_Y - half, CENTRE_X + half, CENTRE_Y + half


def clustered_points(
    rng: np.random.Generator,
    n: int,
    centres: np.ndarray,
    sigmas_m: np.ndarray,
    cluster_weights: np.ndarray,
    background_share: float,
    bounds: tuple[float, float, float, float],
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters plus a uniform background; returns ``xy`` and an in-cluster mask."""
    xmin, ymin, xmax, ymax = bounds
    n_background = round(n * background_share)
    n_clustered = n - n_background
    which = rng.choice(len(centres), size=n_clustered, p=cluster_weights / cluster_weights.sum())
    clustered = centres[which] + rng.standard_normal((n_clustered, 2)) * sigmas_m[which, None]
    background = rng.uniform((xmin, ymin), (xmax, ymax), size=(n_background, 2))
    xy = np.vstack([clustered, background])
    outside = (xy[:, 0] < xmin) | (xy[:, 0] > xmax) | (xy[:, 1] < ymin) | (xy[:, 1] > ymax)
    xy[outside] = rng.uniform((xmin, ymin), (xmax, ymax), size=(int(outside.sum()), 2))
    in_cluster = np.r_[np.ones(n_clustered, bool), np.zeros(n_background, bool)] & ~outside
    order = rng.permutation(n)
    return xy[order], in_cluster[order]


def _iso(moments: np.ndarray, *, with_time: np.ndarray | None = None) -> np.ndarray:
    dates = np.datetime_as_string(moments.astype("datetime64[D]"), unit="D")
    if with_time is None:
        return dates.astype(object)
    stamps = np.datetime_as_string(moments.astype("datetime64[s]"), unit="s")
    return np.where(with_time, stamps, dates).astype(object)


def _random_moments(rng: np.random.Generator, n: int, start: str, stop: str) -> np.ndarray:
    lo = np.datetime64(start, "s").astype(np.int64)
    hi = np.datetime64(stop, "s").astype(np.int64)
    return rng.integers(lo, hi, size=n).astype("datetime64[s]")


def _choice(
    rng: np.random.Generator, labels: tuple[str, ...], n: int, p: list[float]
) -> np.ndarray:
    probabilities = np.asarray(p, dtype=float)
    return np.asarray(labels, dtype=object)[
        rng.choice(len(labels), size=n, p=probabilities / probabilities.sum())
    ]


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object)


def generate(scale: Scale, seed: int = SEED) -> Synthetic:
    """Generate one scale's layers: vectorised, seeded, clustered, contract-conformant."""
    rng = np.random.default_rng(seed)
    bounds = _bounds(scale)
    xmin, ymin, xmax, ymax = bounds
    area_km2 = scale.side_m**2 / 1e6
    inner = (xmin + 0.05 * scale.side_m, ymin + 0.05 * scale.side_m)
    outer = (xmax - 0.05 * scale.side_m, ymax - 0.05 * scale.side_m)

    # Addresses: villages and towns of heavy-tailed size, 25 % scattered farms and houses.
    n_villages = max(3, int(area_km2 / 25))
    village_centres = rng.uniform(inner, outer, size=(n_villages, 2))
    village_sizes = rng.pareto(1.2, n_villages) + 1.0
    village_sigmas = np.clip(300.0 * np.sqrt(village_sizes), 250.0, 2_500.0)
    xy, in_village = clustered_points(
        rng, scale.n_addresses, village_centres, village_sigmas, village_sizes, 0.25, bounds
    )
    n = scale.n_addresses
    rural = ~in_village
    use = np.where(
        rural,
        _choice(
            rng, ("woonfunctie", "overige gebruiksfunctie", "industriefunctie"), n, [0.6, 0.3, 0.1]
        ),
        _choice(
            rng,
            (
                "woonfunctie",
                "winkelfunctie",
                "kantoorfunctie",
                "industriefunctie",
                "bijeenkomstfunctie",
            ),
            n,
            [0.9, 0.03, 0.03, 0.03, 0.01],
        ),
    )
    median_area = np.select(
        [use == "woonfunctie", use == "industriefunctie", use == "overige gebruiksfunctie"],
        [120.0, 800.0, 400.0],
        200.0,
    )
    floor_area = np.round(median_area * rng.lognormal(0.0, 0.5, n), 0)
    streets = np.array(
        [
            "Dorpsstraat",
            "Kerkstraat",
            "Molenweg",
            "Schoolstraat",
            "Beukenlaan",
            "Eikenlaan",
            "Veldweg",
            "Broekweg",
            "Hoofdstraat",
            "Stationsweg",
            "Zuiderenk",
            "Kapelweg",
        ],
        dtype=object,
    )
    places = np.char.add("Dorp ", np.arange(n_villages).astype(str)).astype(object)
    letters = np.array([a + b for a in "ABCDEFGHJKLMNPRSTVWXZ" for b in "ABCDEFGHJKLMNPRSTVWXZ"])
    addresses = pd.DataFrame(
        {
            # BAG verblijfsobject ids: 16 digits with leading zeros, read as text.
            "address_id": _ids("0200010", n, 9),
            "street": streets[rng.integers(0, len(streets), n)],
            "housenumber": rng.integers(1, 400, n).astype(str).astype(object),
            "postcode": np.char.add(
                rng.integers(7000, 7999, n).astype(str), letters[rng.integers(0, len(letters), n)]
            ).astype(object),
            "place": places[rng.integers(0, n_villages, n)],
            "use": use,
            "floor_area_m2": floor_area,
            "x": np.round(xy[:, 0], 2),
            "y": np.round(xy[:, 1], 2),
        }
    )

    # Vacant buildings: mostly on farms, some empty shops and sheds in villages.
    n_vacant = scale.n_events
    rural_rows, village_rows = np.flatnonzero(rural), np.flatnonzero(~rural)
    anchor = np.where(
        rng.random(n_vacant) < 0.85,
        rural_rows[rng.integers(0, len(rural_rows), n_vacant)],
        village_rows[rng.integers(0, len(village_rows), n_vacant)],
    )
    vacant_xy = xy[anchor] + rng.normal(0.0, 40.0, (n_vacant, 2))
    footprint = rng.random(n_vacant) < 0.3
    half_side = rng.uniform(5.0, 20.0, n_vacant)
    geometry = shapely.points(vacant_xy)
    geometry[footprint] = shapely.box(
        vacant_xy[footprint, 0] - half_side[footprint],
        vacant_xy[footprint, 1] - half_side[footprint],
        vacant_xy[footprint, 0] + half_side[footprint],
        vacant_xy[footprint, 1] + half_side[footprint],
    )
    vacant_since = _iso(_random_moments(rng, n_vacant, "2010-01-01", "2025-10-01"))
    vacant_since[rng.random(n_vacant) < 0.15] = None
    vacant = gpd.GeoDataFrame(
        {
            "building_id": _ids("LG", n_vacant, 8),
            "address_id": np.where(
                rng.random(n_vacant) < 0.6, addresses["address_id"].to_numpy()[anchor], None
            ),
            "building_type": _choice(
                rng, BUILDING_TYPES, n_vacant, [0.3, 0.25, 0.15, 0.05, 0.05, 0.1, 0.1]
            ),
            "vacant_since": vacant_since,
            "floor_area_m2": np.round(rng.lognormal(np.log(600.0), 0.7, n_vacant), 0),
            "source": _choice(
                rng, ("leegstandsregister", "LTO", "BAG-analyse"), n_vacant, [0.5, 0.3, 0.2]
            ),
        },
        geometry=geometry,
        crs=RD_NEW,
    )

    # Dumpings: a few hotspot regions a lab drives to, plus background.
    n_hotspots = max(2, int(area_km2 / 100))
    hotspots = rng.uniform(inner, outer, size=(n_hotspots, 2))
    hotspot_sigmas = rng.uniform(1_500.0, 4_000.0, n_hotspots)
    dump_xy, _ = clustered_points(
        rng,
        scale.n_events,
        hotspots,
        hotspot_sigmas,
        rng.uniform(0.5, 2.0, n_hotspots),
        0.3,
        bounds,
    )
    n_dump = scale.n_events
    dump_moments = _random_moments(rng, n_dump, "2022-07-01", "2025-10-01")
    dumpings = pd.DataFrame(
        {
            "dumping_id": _ids("DMP-", n_dump, 7),
            "observed_at": _iso(dump_moments, with_time=rng.random(n_dump) < 0.3),
            "waste_type": _choice(rng, WASTE_TYPES, n_dump, [0.3, 0.25, 0.25, 0.1, 0.1]),
            "volume_l": np.round(rng.lognormal(np.log(200.0), 1.0, n_dump), 0),
            "reported_by": _choice(
                rng, ("waterschap", "politie", "boswachter", "gemeente"), n_dump, [1, 1, 1, 1]
            ),
            "confirmed": np.where(rng.random(n_dump) < 0.7, "true", "false").astype(object),
            "x": dump_xy[:, 0],
            "y": dump_xy[:, 1],
        }
    )

    # Reports: where people walk (around villages), near hotspots, and scattered.
    report_centres = np.vstack([village_centres, hotspots])
    report_sigmas = np.r_[village_sigmas * 1.5, hotspot_sigmas]
    report_weights = np.r_[
        village_sizes / village_sizes.sum() * 0.7, np.full(n_hotspots, 0.3 / n_hotspots)
    ]
    report_xy, _ = clustered_points(
        rng, scale.n_events, report_centres, report_sigmas, report_weights, 0.15, bounds
    )
    n_rep = scale.n_events
    reports = pd.DataFrame(
        {
            "report_id": _ids("MLD-", n_rep, 7),
            "observed_at": _iso(
                _random_moments(rng, n_rep, "2022-07-01", "2025-10-01"),
                with_time=np.ones(n_rep, dtype=bool),
            ),
            "category": _choice(rng, REPORT_CATEGORIES, n_rep, [12, 10, 6, 8, 4, 6, 12, 8, 24, 10]),
            "description": _choice(
                rng,
                ("busjes 's nachts", "sterke anijslucht", "afgeplakte ramen", "vaten in sloot", ""),
                n_rep,
                [1, 1, 1, 1, 2],
            ),
            "reporter_role": _choice(rng, REPORTER_ROLES, n_rep, [3, 2, 1, 1, 4, 2, 1, 1]),
            "reporter_org": _choice(
                rng, ("Staatsbosbeheer", "WBE", "Waterschap", ""), n_rep, [1, 1, 1, 2]
            ),
            "confidence": _choice(rng, CONFIDENCE_LEVELS, n_rep, [3, 4, 3]),
            "x": report_xy[:, 0],
            "y": report_xy[:, 1],
        }
    )

    energy = _energy(rng, addresses, rural)

    n_insp = scale.n_inspections
    inspected_rows = np.where(
        rng.random(n_insp) < 0.7,
        rural_rows[rng.integers(0, len(rural_rows), n_insp)],
        rng.integers(0, n, n_insp),
    )
    inspections = pd.DataFrame(
        {
            "address_id": addresses["address_id"].to_numpy()[inspected_rows],
            "inspected_at": _iso(_random_moments(rng, n_insp, "2020-01-01", "2025-10-01")),
            "outcome": _choice(rng, INSPECTION_OUTCOMES, n_insp, [55, 20, 12, 3, 4, 6]),
        }
    )
    area = shapely.segmentize(shapely.box(*bounds), 1_000.0)
    counts = {
        "addresses": n,
        "vacant_buildings": n_vacant,
        "dumpings": n_dump,
        "reports": n_rep,
        "energy": len(energy),
        "inspections": n_insp,
    }
    return Synthetic(addresses, vacant, dumpings, reports, energy, inspections, area, counts)


#: Four quarterly periods per address: two quarters a year before (history) and the same
#: two quarters this year (recent), the year-on-year comparison a grid operator makes.
QUARTERS = (
    ("2024-01-01", "2024-03-31", 1.25),
    ("2024-04-01", "2024-06-30", 0.85),
    ("2025-01-01", "2025-03-31", 1.25),
    ("2025-04-01", "2025-06-30", 0.85),
)


def _energy(rng: np.random.Generator, addresses: pd.DataFrame, rural: np.ndarray) -> pd.DataFrame:
    n = len(addresses)
    use = addresses["use"].to_numpy()
    typical = np.select(
        [use == "woonfunctie", use == "industriefunctie", use == "overige gebruiksfunctie"],
        [8.0, 60.0, 15.0],
        30.0,
    )
    base = typical * rng.lognormal(0.0, 0.45, n)
    grow = rng.random(n) < np.where(rural, 0.01, 0.002)
    solar = rng.random(n) < 0.1
    rows = []
    for k, (start, end, season) in enumerate(QUARTERS):
        days = (np.datetime64(end) - np.datetime64(start)).astype(int) + 1
        rate = base * season * rng.normal(1.0, 0.08, n)
        if k >= 2:
            rate = rate + grow * rng.uniform(40.0, 120.0, n)
        rate = rate - solar * (6.0 if season < 1 else 1.5)
        rows.append(np.round(rate * days, 1))
    kwh = np.column_stack(rows).ravel()
    starts = np.array([q[0] for q in QUARTERS], dtype=object)
    ends = np.array([q[1] for q in QUARTERS], dtype=object)
    return pd.DataFrame(
        {
            # Grouped by address, as a grid operator exports it.
            "address_id": np.repeat(addresses["address_id"].to_numpy(), len(QUARTERS)),
            "period_start": np.tile(starts, n),
            "period_end": np.tile(ends, n),
            "kwh": kwh,
        }
    )


# --- writing ------------------------------------------------------------------------------


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pa_csv.write_csv(table, path, write_options=pa_csv.WriteOptions(quoting_style="needed"))


def _with_lon_lat(frame: pd.DataFrame) -> pd.DataFrame:
    to_wgs84 = Transformer.from_crs(RD_NEW, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform(frame["x"].to_numpy(), frame["y"].to_numpy())
    return frame.drop(columns=["x", "y"]).assign(lon=np.round(lon, 7), lat=np.round(lat, 7))


def _as_points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        frame.drop(columns=["x", "y"]),
        geometry=gpd.points_from_xy(frame["x"], frame["y"]),
        crs=RD_NEW,
    )


def _typed_dates(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Dates as timestamps, booleans as booleans: what a Parquet writer would store."""
    typed = frame.copy()
    for column in columns:
        typed[column] = pd.to_datetime(typed[column], format="ISO8601")
    if "confirmed" in typed:
        typed["confirmed"] = typed["confirmed"] == "true"
    return typed


def write_data_dir(data: Synthetic, directory: Path, formats: dict[str, str]) -> dict[str, str]:
    """Write every layer in the chosen formats; return layer -> file name."""
    directory.mkdir(parents=True, exist_ok=True)
    parquet = formats["addresses"] == ".parquet"
    for name in ("addresses", "dumpings", "reports"):
        frame: pd.DataFrame = getattr(data, name)
        suffix, path = formats[name], directory / f"{name}{formats[name]}"
        if parquet:
            frame = _typed_dates(frame, ("observed_at",) if "observed_at" in frame else ())
        if suffix == ".csv":
            _write_csv(_with_lon_lat(frame), path)
        elif suffix == ".gpkg":
            _as_points(frame).to_file(path, layer=name, driver="GPKG", engine="pyogrio")
        else:
            _as_points(frame).to_parquet(path)
    vacant = (
        _typed_dates(data.vacant_buildings, ("vacant_since",)) if parquet else data.vacant_buildings
    )
    if formats["vacant_buildings"] == ".gpkg":
        vacant.to_file(
            directory / "vacant_buildings.gpkg",
            layer="vacant_buildings",
            driver="GPKG",
            engine="pyogrio",
            geometry_type="Unknown",
        )
    else:
        vacant.to_parquet(directory / "vacant_buildings.parquet")
    for name, dates in (
        ("energy", ("period_start", "period_end")),
        ("inspections", ("inspected_at",)),
    ):
        frame = getattr(data, name)
        if formats[name] == ".csv":
            _write_csv(frame, directory / f"{name}.csv")
        else:
            _typed_dates(frame, dates).to_parquet(directory / f"{name}.parquet", index=False)
    area = gpd.GeoDataFrame({"name": ["benchmark area"]}, geometry=[data.area], crs=RD_NEW)
    if formats["area"] == ".geojson":
        area.to_crs("EPSG:4326").to_file(
            directory / "area.geojson", driver="GeoJSON", engine="pyogrio"
        )
    else:
        area.to_parquet(directory / "area.parquet")
    return {name: f"{name}{suffix}" for name, suffix in formats.items()}


# --- measuring ----------------------------------------------------------------------------


def best_of(repeats: int, function: Callable[[], object]) -> tuple[float, object]:
    """Smallest wall time of ``repeats`` calls, and the last result."""
    best, result = math.inf, None
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def traced_peak_gb(function: Callable[[], object]) -> float:
    """Peak of memory allocated while ``function`` runs (tracemalloc; numpy reports to it)."""
    gc.collect()
    tracemalloc.start()
    try:
        function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e9


@dataclass
class ProcessRun:
    seconds: float
    peak_rss_gb: float
    cpu_seconds: float = float("nan")  # user + system time of the child


def run_process(command: list[str]) -> ProcessRun:
    """Run ``command``; wall time and that child's own peak RSS (``os.wait4``)."""
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            output.seek(0)
            raise RuntimeError(f"{' '.join(command)} failed:\n{output.read().decode()[-3000:]}")
    # ru_maxrss is in KiB on Linux
    return ProcessRun(seconds, usage.ru_maxrss / 1024**2, usage.ru_utime + usage.ru_stime)


def cli_run(arguments: list[str], repeats: int) -> ProcessRun:
    """Best wall time over ``repeats`` runs of the ``buitengebied`` CLI; worst peak RSS."""
    executable = Path(sys.executable).with_name("buitengebied")
    command = [str(executable)] if executable.exists() else [sys.executable, "-m", "buitengebied"]
    runs = [run_process([*command, *arguments]) for _ in range(repeats)]
    return ProcessRun(
        min(r.seconds for r in runs),
        max(r.peak_rss_gb for r in runs),
        min(r.cpu_seconds for r in runs),
    )


# --- baselines ----------------------------------------------------------------------------


@dataclass
class BaselinePart:
    label: str
    seconds: float  # extrapolated to the full target count
    timed_targets: int
    total_targets: int


def _sample(rng: np.random.Generator, targets: np.ndarray, size: int) -> np.ndarray:
    size = min(size, len(targets))
    return targets[rng.choice(len(targets), size=size, replace=False)]


def _per_target_seconds(
    query: Callable[[np.ndarray], object], sample: np.ndarray, budget_s: float
) -> tuple[float, int]:
    """Time ``query`` on as many sample targets as fit in about ``budget_s``."""
    pilot = sample[: min(10, len(sample))]
    start = time.perf_counter()
    query(pilot)
    per_target = (time.perf_counter() - start) / len(pilot)
    n_timed = int(np.clip(budget_s / max(per_target, 1e-9), len(pilot), len(sample)))
    start = time.perf_counter()
    query(sample[:n_timed])
    return (time.perf_counter() - start) / n_timed, n_timed


def baseline_kde(
    label: str,
    xy: np.ndarray,
    weights: np.ndarray,
    targets: np.ndarray,
    bandwidth_m: float,
    scale: Scale,
    rng: np.random.Generator,
) -> BaselinePart:
    """scikit-learn KernelDensity with defaults (exact: rtol=0, atol=0), weighted."""
    start = time.perf_counter()
    kde = KernelDensity(kernel="gaussian", bandwidth=bandwidth_m).fit(xy, sample_weight=weights)
    fit_s = time.perf_counter() - start
    sample = _sample(rng, targets, scale.baseline_targets)
    per_target, n_timed = _per_target_seconds(kde.score_samples, sample, scale.baseline_budget_s)
    return BaselinePart(label, fit_s + per_target * len(targets), n_timed, len(targets))


def _points_frame(xy: np.ndarray) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=RD_NEW)


def baseline_sjoin_count(
    label: str,
    source: gpd.GeoDataFrame,
    targets: np.ndarray,
    radius_m: float,
    scale: Scale,
    rng: np.random.Generator,
) -> BaselinePart:
    """Records within ``radius_m`` of each target: ``sjoin(predicate='dwithin')`` + count."""
    source = source[["geometry"]].copy()
    start = time.perf_counter()
    source.sindex  # noqa: B018 - building the tree is part of the work, counted once
    build_s = time.perf_counter() - start

    def count(points: np.ndarray) -> pd.Series:
        left = _points_frame(points)
        joined = gpd.sjoin(left, source, predicate="dwithin", distance=radius_m)
        return joined.groupby(level=0).size().reindex(left.index, fill_value=0)

    sample = _sample(rng, targets, scale.baseline_targets)
    per_target, n_timed = _per_target_seconds(count, sample, scale.baseline_budget_s)
    return BaselinePart(label, build_s + per_target * len(targets), n_timed, len(targets))


def baseline_sjoin_nearest(
    label: str,
    source: gpd.GeoDataFrame,
    targets: np.ndarray,
    max_distance_m: float,
    scale: Scale,
    rng: np.random.Generator,
) -> BaselinePart:
    """Distance to the nearest record within reach: ``sjoin_nearest(max_distance=..)``."""
    source = source[["geometry"]].copy()
    start = time.perf_counter()
    source.sindex  # noqa: B018
    build_s = time.perf_counter() - start

    def nearest(points: np.ndarray) -> pd.DataFrame:
        return gpd.sjoin_nearest(
            _points_frame(points), source, max_distance=max_distance_m, distance_col="distance_m"
        )

    sample = _sample(rng, targets, scale.baseline_targets)
    per_target, n_timed = _per_target_seconds(nearest, sample, scale.baseline_budget_s)
    return BaselinePart(label, build_s + per_target * len(targets), n_timed, len(targets))


def baseline_address_cells(
    label: str,
    addresses: np.ndarray,
    cells: gpd.GeoDataFrame,
    scale: Scale,
    rng: np.random.Generator,
) -> BaselinePart:
    """Addresses into grid-cell polygons (``sjoin(predicate='within')``), max per cell."""
    cells = cells.copy()
    start = time.perf_counter()
    cells.sindex  # noqa: B018
    build_s = time.perf_counter() - start

    def join(points: np.ndarray) -> pd.Series:
        left = _points_frame(points).assign(value=1.0)
        return gpd.sjoin(left, cells, predicate="within").groupby("index_right")["value"].max()

    sample = _sample(rng, addresses, scale.baseline_targets)
    per_target, n_timed = _per_target_seconds(join, sample, scale.baseline_budget_s)
    return BaselinePart(label, build_s + per_target * len(addresses), n_timed, len(addresses))


@dataclass
class KernelInput:
    """One kernel density the engine computes: records, weights, bandwidth."""

    label: str
    xy: np.ndarray
    weights: np.ndarray
    bandwidth_m: float
    frame: gpd.GeoDataFrame | None  # for the sjoin baseline


def kernel_inputs(known: Dataset, specs: list[LayerSpec], as_of: pd.Timestamp) -> list[KernelInput]:
    """The kernel densities of ``compute_evidence``, with the engine's own weights."""
    inputs = []
    for spec in specs:
        if spec.method == "kernel_density":
            source = known.layer(spec.source_layer)
            if source is None or len(source) == 0:
                continue
            records = select_records(spec, source)
            weights = record_weights(spec, records, as_of=as_of)
            inputs.append(
                KernelInput(
                    spec.name,
                    record_points(records),
                    weights,
                    spec.params["bandwidth_m"],
                    gpd.GeoDataFrame(records[["geometry"]], crs=RD_NEW),
                )
            )
            if spec.effort is not None:
                effort = known.layer(spec.effort.source_layer)
                if effort is not None and len(effort):
                    inputs.append(
                        KernelInput(
                            f"{spec.name} (effort)",
                            record_points(effort),
                            np.ones(len(effort)),
                            spec.effort.bandwidth_m,
                            gpd.GeoDataFrame(effort[["geometry"]], crs=RD_NEW),
                        )
                    )
        elif spec.method == "remoteness":
            xy = address_xy(known)
            inputs.append(
                KernelInput(
                    spec.name,
                    xy,
                    np.ones(len(xy)),
                    spec.params["bandwidth_m"],
                    gpd.GeoDataFrame(known.addresses[["geometry"]], crs=RD_NEW),
                )
            )
    return inputs


# --- accuracy -----------------------------------------------------------------------------


def exact_density(
    xy: np.ndarray, weights: np.ndarray, targets: np.ndarray, bandwidth_m: float
) -> np.ndarray:
    """Exact weighted Gaussian kernel sum per km^2 (sources beyond 8 sigma add < 1e-13)."""
    tree = cKDTree(xy)
    result = np.empty(len(targets))
    for k, near in enumerate(tree.query_ball_point(targets, 8.0 * bandwidth_m)):
        squared = ((xy[near] - targets[k]) ** 2).sum(axis=1)
        result[k] = np.dot(weights[near], np.exp(-squared / (2.0 * bandwidth_m**2)))
    return result / (2.0 * math.pi * bandwidth_m**2) * 1e6


@dataclass
class AccuracyRow:
    label: str
    where: str
    bandwidth_m: float
    max_error_of_max: float
    p95_relative: float
    n_sample: int
    n_dense: int


def accuracy(
    kernel: KernelInput, targets: np.ndarray, where: str, sample_size: int, rng: np.random.Generator
) -> AccuracyRow:
    """Fast density over all ``targets`` (as the engine calls it) against the exact sum."""
    fast = kernel_density_at(kernel.xy, kernel.weights, targets, bandwidth_m=kernel.bandwidth_m)
    rows = rng.choice(len(targets), size=min(sample_size, len(targets)), replace=False)
    exact = exact_density(kernel.xy, kernel.weights, targets[rows], kernel.bandwidth_m)
    peak = float(fast.max())
    error = np.abs(fast[rows] - exact)
    dense = exact >= 0.01 * peak
    relative = error[dense] / exact[dense]
    return AccuracyRow(
        kernel.label,
        where,
        kernel.bandwidth_m,
        float(error.max() / peak),
        float(np.percentile(relative, 95)) if dense.any() else float("nan"),
        len(rows),
        int(dense.sum()),
    )


# --- one scale ----------------------------------------------------------------------------


@dataclass
class Result:
    scale: Scale
    counts: dict[str, int]
    files: dict[str, dict[str, str]]
    cells: int
    seconds: dict[str, float] = field(default_factory=dict)
    memory_gb: dict[str, float] = field(default_factory=dict)
    baselines: dict[str, list[BaselinePart]] = field(default_factory=dict)
    accuracy: list[AccuracyRow] = field(default_factory=list)


def _say(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def run_scale(scale: Scale, work_dir: Path) -> Result:
    """Generate, write and measure one scale."""
    rng = np.random.default_rng(SEED + 1)
    start = time.perf_counter()
    data = generate(scale)
    _say(f"{scale.name}: generated in {time.perf_counter() - start:.1f} s")
    files = {}
    dirs = {}
    for variant, formats in (("partner", PARTNER_FORMATS), ("parquet", PARQUET_FORMATS)):
        start = time.perf_counter()
        dirs[variant] = work_dir / f"{scale.name}-{variant}"
        files[variant] = write_data_dir(data, dirs[variant], formats)
        _say(f"{scale.name}: {variant} files written in {time.perf_counter() - start:.1f} s")
    transform, rows, cols = surface_grid(data.area, CELL_SIZE_M)
    result = Result(scale, data.counts, files, rows * cols)
    del data
    gc.collect()

    # End to end, as a user runs it.
    for variant in ("partner", "parquet") if scale.all_cli_runs else ("partner",):
        run = cli_run(
            [
                "rank",
                str(dirs[variant]),
                "--as-of",
                AS_OF,
                # The targets are the engine's; `--model auto` adds a learned-model fit
                # (one analysis per training cut-off) on top, see benchmarks/README.md.
                "--model",
                "expert",
                "--out",
                str(work_dir / f"ranked-{variant}.csv"),
            ],
            scale.rank_repeats,
        )
        result.seconds[f"rank e2e {variant}"] = run.seconds
        result.memory_gb[f"rank e2e {variant}"] = run.peak_rss_gb
        _say(f"{scale.name}: rank end to end ({variant} files) {run.seconds:.2f} s")
    with (work_dir / "ranked-partner.csv").open() as ranked:
        lines = sum(1 for _ in ranked) - 1
    if lines != scale.n_addresses:
        raise RuntimeError(f"ranked.csv holds {lines} rows, expected {scale.n_addresses}")
    if scale.all_cli_runs:
        run = cli_run(
            [
                "surface",
                str(dirs["partner"]),
                "--as-of",
                AS_OF,
                "--out",
                str(work_dir / "risk.tif"),
            ],
            1,
        )
        result.seconds["surface e2e partner"] = run.seconds
        result.memory_gb["surface e2e partner"] = run.peak_rss_gb
    startup = cli_run(["--help"], scale.rank_repeats)
    result.seconds["cli start-up"] = startup.seconds

    # In memory.
    as_of = parse_as_of(AS_OF)
    specs = load_layer_specs()
    result.seconds["load partner"], dataset = best_of(1, lambda: load_data_dir(dirs["partner"]))
    result.seconds["known_at"], known = best_of(3, lambda: known_at(dataset, as_of))

    def scoring():
        return fuse(compute_evidence(known, specs, as_of=as_of))

    result.seconds["scoring"], scores = best_of(scale.rank_repeats + 1, scoring)
    result.seconds["evidence"], evidence = best_of(
        1, lambda: compute_evidence(known, specs, as_of=as_of)
    )
    result.seconds["fuse"], _ = best_of(scale.rank_repeats + 1, lambda: fuse(evidence))
    result.memory_gb["scoring"] = traced_peak_gb(scoring)

    def surface():
        return risk_surface(known, specs, scores, as_of=as_of, cell_size_m=CELL_SIZE_M)

    result.seconds["surface"], _ = best_of(3, surface)
    result.memory_gb["surface"] = traced_peak_gb(surface)
    _say(
        f"{scale.name}: in-memory scoring {result.seconds['scoring']:.2f} s, surface {result.seconds['surface']:.2f} s"
    )

    # Baselines, on the same loaded records and weights.
    inputs = kernel_inputs(known, specs, as_of)
    targets = address_xy(known)
    xs = transform.c + (np.arange(cols) + 0.5) * transform.a
    ys = transform.f + (np.arange(rows) + 0.5) * transform.e
    grid_x, grid_y = np.meshgrid(xs, ys)
    centres = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    surface_inputs = [k for k in inputs if k.label != "remoteness"]
    result.baselines["A rank"] = [
        baseline_kde(k.label, k.xy, k.weights, targets, k.bandwidth_m, scale, rng) for k in inputs
    ]
    result.baselines["A surface"] = [
        baseline_kde(k.label, k.xy, k.weights, centres, k.bandwidth_m, scale, rng)
        for k in surface_inputs
    ]
    _say(f"{scale.name}: baseline A done")
    vacant = known.layer("vacant_buildings")
    result.baselines["B rank"] = [
        baseline_sjoin_count(k.label, k.frame, targets, k.bandwidth_m, scale, rng) for k in inputs
    ]
    if vacant is not None:
        result.baselines["B rank"].append(
            baseline_sjoin_nearest(
                "vacant_buildings", gpd.GeoDataFrame(vacant, crs=RD_NEW), targets, 300.0, scale, rng
            )
        )
    cell_polygons = gpd.GeoDataFrame(
        geometry=shapely.box(
            centres[:, 0] - 50, centres[:, 1] - 50, centres[:, 0] + 50, centres[:, 1] + 50
        ),
        crs=RD_NEW,
    )
    result.baselines["B surface"] = [
        baseline_sjoin_count(k.label, k.frame, centres, k.bandwidth_m, scale, rng)
        for k in surface_inputs
    ] + [baseline_address_cells("address factors per cell", targets, cell_polygons, scale, rng)]
    _say(f"{scale.name}: baseline B done")

    for kernel in inputs:
        if kernel.label != "remoteness":
            result.accuracy.append(accuracy(kernel, centres, "cells", scale.accuracy_sample, rng))
        result.accuracy.append(accuracy(kernel, targets, "addresses", scale.accuracy_sample, rng))
    return result


# --- report -------------------------------------------------------------------------------


def _verdict(value: float, target: float | None, unit: str) -> str:
    if target is None:
        return ""
    return f"target < {target:g} {unit}  {'PASS' if value < target else 'MISS'}"


def report(result: Result) -> str:
    """The printed table of one scale."""
    s, sec, mem = result.scale, result.seconds, result.memory_gb
    lines = [
        "",
        f"=== {s.name}: {s.n_addresses:,} addresses, {s.side_m / 1000:.1f} x {s.side_m / 1000:.1f} km "
        f"({s.side_m**2 / 1e6:,.0f} km2), {result.cells:,} surface cells of {CELL_SIZE_M:g} m ===",
        "records: " + ", ".join(f"{k} {v:,}" for k, v in result.counts.items() if k != "addresses"),
        f"as of {AS_OF}; partner files: " + ", ".join(result.files["partner"].values()),
        "  (BAG/municipal GIS as GeoPackage EPSG:28992; field apps as CSV lon,lat EPSG:4326; "
        "grid operator and police as CSV; CBS area as GeoJSON)",
        "parquet files: the same data as (Geo)Parquet, dates as timestamps.",
        "",
    ]
    a_rank = sum(p.seconds for p in result.baselines["A rank"])
    b_rank = sum(p.seconds for p in result.baselines["B rank"])
    a_surf = sum(p.seconds for p in result.baselines["A surface"])
    b_surf = sum(p.seconds for p in result.baselines["B surface"])
    header = f"{'':44}{'ours s':>9}{'peak GB':>9}{'A s':>11}{'A/ours':>10}{'B s':>10}{'B/ours':>9}"
    lines += [header, "-" * len(header)]

    def ratio(baseline: float, ours: float) -> str:
        value = baseline / ours
        return f"{value:.1f}x" if value < 10 else f"{value:,.0f}x"

    def row(label: str, ours: float, peak: float | None, a: float | None, b: float | None) -> str:
        peak_text = f"{peak:9.2f}" if peak is not None else " " * 9
        a_text = f"{a:11.1f}{ratio(a, ours):>10}" if a is not None else " " * 21
        b_text = f"{b:10.1f}{ratio(b, ours):>9}" if b is not None else ""
        return f"{label:44}{ours:9.3f}{peak_text}{a_text}{b_text}"

    variants = [v for v in ("partner", "parquet") if f"rank e2e {v}" in sec]
    lines.append(
        row(
            "rank: scoring in memory (evidence + fuse)",
            sec["scoring"],
            mem["scoring"],
            a_rank,
            b_rank,
        )
    )
    for variant in variants:
        key = f"rank e2e {variant}"
        lines.append(row(f"rank: end to end, {variant} files", sec[key], mem[key], a_rank, b_rank))
    lines.append(
        row(f"surface {CELL_SIZE_M:g} m: in memory", sec["surface"], mem["surface"], a_surf, b_surf)
    )
    if "surface e2e partner" in sec:
        lines.append(
            row(
                "surface: end to end, partner files (+GeoTIFF)",
                sec["surface e2e partner"],
                mem["surface e2e partner"],
                None,
                None,
            )
        )
    else:
        lines.append("(--quick: parquet-file rank and surface end to end skipped)")
    lines += [
        "",
        "  peak GB: end to end = peak RSS of the CLI process (getrusage); in memory = tracemalloc peak.",
        "  A = scikit-learn KernelDensity (gaussian, same sigma, sample_weight), B = geopandas sjoin",
        "  (dwithin counts / sjoin_nearest); both timed on a random subset of targets and extrapolated",
        "  to the full count (tree built once).  A/B s exclude file reading; the scores they yield are",
        "  single factors only, B's are counts, not kernel densities.",
        "",
        f"breakdown (s): cli start-up {sec['cli start-up']:.2f} | load partner files in-process "
        f"{sec['load partner']:.2f} | known_at {sec['known_at']:.3f} | compute_evidence "
        f"{sec['evidence']:.3f} | fuse {sec['fuse']:.3f}",
        "",
        f"{'baseline part':44}{'extrap. s':>11}{'timed':>8}{'of':>11}",
    ]
    for kind, parts in result.baselines.items():
        for part in parts:
            lines.append(
                f"{kind + ': ' + part.label:44}{part.seconds:11.2f}{part.timed_targets:8,}{part.total_targets:11,}"
            )
    lines += [
        "",
        f"accuracy vs exact Gaussian sum{'':14}{'sigma m':>8}{'max err/max':>13}{'p95 rel (>=1%)':>16}"
        f"{'n':>6}{'dense':>7}  target 1%",
    ]
    for acc in result.accuracy:
        ok = acc.max_error_of_max <= 0.01 and (
            np.isnan(acc.p95_relative) or acc.p95_relative <= 0.01
        )
        lines.append(
            f"  {acc.label + ' @ ' + acc.where:42}{acc.bandwidth_m:8.0f}{acc.max_error_of_max:13.2e}"
            f"{acc.p95_relative:16.2e}{acc.n_sample:6}{acc.n_dense:7}  {'PASS' if ok else 'MISS'}"
        )
    lines += ["", "targets (2 cores):"]
    if s.target_rank_s is not None:
        for variant in variants:
            lines.append(
                f"  rank end to end ({variant} files) {sec[f'rank e2e {variant}']:7.2f} s   "
                f"{_verdict(sec[f'rank e2e {variant}'], s.target_rank_s, 's')}"
            )
    if s.target_rank_gb is not None:
        for variant in variants:
            lines.append(
                f"  rank peak memory ({variant} files) {mem[f'rank e2e {variant}']:7.2f} GB  "
                f"{_verdict(mem[f'rank e2e {variant}'], s.target_rank_gb, 'GB')}"
            )
    if s.target_scoring_s is not None:
        lines.append(
            f"  scoring in memory               {sec['scoring']:7.3f} s   {_verdict(sec['scoring'], s.target_scoring_s, 's')}"
        )
    if s.target_surface_s is not None:
        lines.append(
            f"  surface in memory               {sec['surface']:7.3f} s   {_verdict(sec['surface'], s.target_surface_s, 's')}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("municipality", "province", "all"), default="all")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a smoke check (< 30 s)")
    parser.add_argument(
        "--keep", type=Path, help="write the data here and keep it (default: a temp dir)"
    )
    args = parser.parse_args(argv)
    scales = QUICK_SCALES if args.quick else SCALES
    names = ["municipality", "province"] if args.scale == "all" else [args.scale]
    print(
        f"buitengebied engine benchmark{' (QUICK sizes)' if args.quick else ''}: {os.cpu_count()} cores, "
        f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"geopandas {gpd.__version__}, seed {SEED}",
        flush=True,
    )
    cli_run(["--help"], 1)  # warm the file cache, so the first scale is not charged for it
    for name in names:
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            result = run_scale(scales[name], args.keep)
        else:
            with tempfile.TemporaryDirectory(prefix="bench-buitengebied-") as work:
                result = run_scale(scales[name], Path(work))
        print(report(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
