"""Reproducible synthetic demo scenarios for gemeente Bronckhorst (Achterhoek).

A scenario is a complete contract data directory (see ``docs/data-contract.md``) built on
the real outline of Bronckhorst, its real buurten and village positions (CBS / Kadaster)
and electricity use calibrated on real Liander small-consumer figures, with *synthetic*
addresses, roads and incidents.  Hidden illegal sites (cannabis grows, synthetic drug labs,
storage sites) drive the observable layers through the causal model written down in
``docs/demo-scenario.md``; the hidden truth is returned (and optionally written) separately
so that it never sits in the data directory.

Every knob is a field of :class:`ScenarioParams`; the same parameters give byte-identical
CSV output.  Each component draws from its own random stream derived from
``ScenarioParams.seed`` and the component's name, so changing, say, the number of hidden
sites leaves the addresses and the baseline electricity use unchanged.

No generated address is real: ``address_id`` values read ``1876SYN`` + 9 digits and street
names are built from syllables, with every name of a real Bronckhorst street (from the
Liander file) excluded.

Module constants
----------------
DEFAULT_REFERENCE_DIR
    ``data/reference`` of the repository: the real files the generator reads.
DEFAULT_FORMATS
    Output format per layer (``gpkg``, ``geojson``, ``parquet``, ``csv`` with ``x``/``y``,
    ``csv-lonlat`` with ``lon``/``lat``); mixed on purpose to exercise every reader.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree, shortest_path
from scipy.spatial import Delaunay, cKDTree

from buitengebied.contract import (
    LAYER_SCHEMAS,
)
from buitengebied.settings import WORKING_CRS

logger = logging.getLogger(__name__)

DEFAULT_REFERENCE_DIR: Final[Path] = Path(
    str(resources.files("buitengebied_scenarios") / "reference")
)
DEFAULT_FORMATS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "area": "gpkg",
        "roads": "gpkg",
        "addresses": "gpkg",
        "vacant_buildings": "geojson",
        "dumpings": "csv-lonlat",
        "reports": "csv",
        "energy": "parquet",
        "inspections": "csv",
    }
)
SITE_TYPES: Final = ("cannabis_grow", "drug_lab", "storage")

_GEMEENTE_FILE: Final = "cbs-gemeenten-2022/gemeente_gm1876_bronckhorst_2022_wgs84.geojson"
_BUURTEN_FILE: Final = "cbs-buurten-wijken-2014/bronckhorst_buurten_wijken_2014_rd.gpkg"
_LIANDER_FILE: Final = (
    "liander-kleinverbruik-2009-2010/liander_kleinverbruik_bronckhorst_2009_2010.csv"
)
_WGS84: Final = "EPSG:4326"
_FIXED_GPKG_DATE: Final = "2026-01-01T00:00:00Z"

# Village cores: CBS buurt label name -> (woonplaats, PC4, hamlet share).  The main core
# of a PC4 (hamlet share 0) holds what the rural share and the hamlets leave; a hamlet
# without its own PC4 takes the given share of its parent PC4's addresses.
_VILLAGES: Final = (
    ("Hengelo", "Hengelo Gld", "7255", 0.0),
    ("Veldhoek", "Hengelo Gld", "7255", 0.03),
    ("Keijenborg", "Keijenborg", "7256", 0.0),
    ("Zelhem", "Zelhem", "7021", 0.0),
    ("Velswijk", "Zelhem", "7021", 0.03),
    ("Halle", "Halle", "7025", 0.0),
    ("Vorden", "Vorden", "7251", 0.0),
    ("Kranenburg", "Vorden", "7251", 0.03),
    ("Wichmond", "Wichmond", "7234", 0.0),
    ("Verspreide huizen Vierakker", "Vierakker", "7233", 0.0),
    ("Steenderen", "Steenderen", "7221", 0.0),
    ("Rha", "Steenderen", "7221", 0.03),
    ("Bronkhorst", "Bronkhorst", "7226", 0.0),
    ("Baak", "Baak", "7223", 0.0),
    ("Olburgen", "Olburgen", "7225", 0.0),
    ("Toldijk", "Toldijk", "7227", 0.0),
    ("Hummelo", "Hummelo", "6999", 0.0),
    ("Hoog-Keppel", "Hoog-Keppel", "6997", 0.0),
    ("Laag-Keppel", "Laag-Keppel", "6998", 0.0),
    ("Drempt", "Drempt", "6996", 0.0),
    ("Achterdrempt", "Drempt", "6996", 0.08),
)
_MAIN_VILLAGES: Final = ("Zelhem", "Vorden", "Hengelo")
# Buurten with much woodland (estates, "bosgebied"): their rural roads are forest edges.
_WOODED_BUURT_WORDS: Final = (
    "bosgebied",
    "Wildenborch",
    "Grote Veld",
    "Velswijk",
    "Halle",
    "Varssel",
)

# Address profiles: (BAG use, floor area range m2).  Profiles are hidden truth.
_PROFILE_USE: Final[Mapping[str, tuple[str, float, float]]] = MappingProxyType(
    {
        "home": ("woonfunctie", 55, 220),
        "shop": ("winkelfunctie", 60, 600),
        "office": ("kantoorfunctie", 50, 800),
        "care": ("gezondheidszorgfunctie", 80, 1500),
        "school": ("onderwijsfunctie", 400, 2500),
        "meeting": ("bijeenkomstfunctie", 100, 900),
        "lodging": ("logiesfunctie", 60, 600),
        "workshop": ("industriefunctie", 150, 2500),
        "rural_home": ("woonfunctie", 90, 320),
        "farm": ("overige gebruiksfunctie", 400, 4000),
        "stopped_farm": ("overige gebruiksfunctie", 300, 2500),
        "greenhouse": ("overige gebruiksfunctie", 1000, 8000),
        "rural_workshop": ("industriefunctie", 200, 3000),
    }
)
_VILLAGE_PROFILES: Final = (
    ("home", 0.875),
    ("shop", 0.03),
    ("office", 0.02),
    ("care", 0.01),
    ("school", 0.005),
    ("meeting", 0.01),
    ("lodging", 0.01),
    ("workshop", 0.04),
)
# Rural non-farm profiles; the farm share comes from ScenarioParams.
_RURAL_PROFILES: Final = (
    ("rural_home", 0.80),
    ("lodging", 0.06),
    ("greenhouse", 0.04),
    ("rural_workshop", 0.10),
)
# How attractive each profile is for each site type (before the remoteness factor).
_SITE_PROFILE_WEIGHTS: Final[Mapping[str, Mapping[str, float]]] = MappingProxyType(
    {
        "cannabis_grow": MappingProxyType(
            {
                "stopped_farm": 10,
                "rural_home": 3,
                "farm": 2,
                "rural_workshop": 3,
                "home": 0.4,
                "workshop": 2,
            }
        ),
        "drug_lab": MappingProxyType(
            {"stopped_farm": 15, "rural_workshop": 4, "farm": 2, "rural_home": 1}
        ),
        "storage": MappingProxyType(
            {
                "workshop": 6,
                "rural_workshop": 6,
                "stopped_farm": 5,
                "farm": 1,
                "shop": 0.5,
                "home": 0.1,
            }
        ),
    }
)
# Suspicion an address shows without any site (drives targeted inspections of innocents).
_BASE_SUSPICION: Final[Mapping[str, float]] = MappingProxyType(
    {
        "home": 0.05,
        "shop": 0.1,
        "office": 0.05,
        "care": 0.02,
        "school": 0.01,
        "meeting": 0.05,
        "lodging": 0.4,
        "workshop": 0.8,
        "rural_home": 0.6,
        "farm": 1.0,
        "stopped_farm": 2.0,
        "greenhouse": 1.5,
        "rural_workshop": 1.5,
    }
)
# Weight of each profile in routine (non-targeted) inspections: farms and businesses.
_ROUTINE_WEIGHT: Final[Mapping[str, float]] = MappingProxyType(
    {
        "home": 0.05,
        "shop": 1.0,
        "office": 0.3,
        "care": 0.3,
        "school": 0.3,
        "meeting": 0.5,
        "lodging": 1.0,
        "workshop": 1.0,
        "rural_home": 0.4,
        "farm": 1.0,
        "stopped_farm": 0.8,
        "greenhouse": 1.0,
        "rural_workshop": 1.0,
    }
)
# Share of yearly solar yield per calendar month (NL).
_SOLAR_MONTH_SHARE: Final = np.array(
    [0.025, 0.045, 0.08, 0.115, 0.135, 0.135, 0.135, 0.12, 0.09, 0.065, 0.035, 0.02]
)
_GENUINE_CATEGORIES: Final[Mapping[str, tuple[tuple[str, float], ...]]] = MappingProxyType(
    {
        "cannabis_grow": (
            ("covered_windows", 0.3),
            ("night_noise", 0.25),
            ("comings_and_goings", 0.3),
            ("other", 0.15),
        ),
        "drug_lab": (
            ("chemical_smell", 0.35),
            ("comings_and_goings", 0.25),
            ("strange_vehicles", 0.25),
            ("night_noise", 0.15),
        ),
        "storage": (
            ("comings_and_goings", 0.45),
            ("strange_vehicles", 0.45),
            ("covered_windows", 0.1),
        ),
    }
)
_SUSPICIOUS_CATEGORIES: Final = (
    "comings_and_goings",
    "strange_vehicles",
    "chemical_smell",
    "night_noise",
    "covered_windows",
)
# Weighted choices: (label, weight) pairs.
_Weights = tuple[tuple[str, float], ...]
_LAB_WASTE: Final[_Weights] = (("barrels", 0.45), ("jerrycans", 0.4), ("chemicals", 0.15))
_GROW_WASTE: Final[_Weights] = (("cannabis_waste", 1.0),)
_OUTSIDE_LAB_WASTE: Final[_Weights] = (("barrels", 0.45), ("jerrycans", 0.45), ("chemicals", 0.1))
_LITTER_WASTE: Final[_Weights] = (("other", 0.85), ("jerrycans", 0.15))
_FALSE_REPORTERS: Final[_Weights] = (
    ("resident", 0.55),
    ("farmer", 0.15),
    ("hunter", 0.1),
    ("ranger", 0.1),
    ("boa", 0.1),
)
_FALSE_CONFIDENCE: Final[_Weights] = (("high", 0.1), ("medium", 0.4), ("low", 0.5))
_UNRELATED_REPORTERS: Final[_Weights] = (
    ("ranger", 0.3),
    ("hunter", 0.2),
    ("water_board", 0.15),
    ("boa", 0.15),
    ("resident", 0.15),
    ("municipality", 0.05),
)
_UNRELATED_CONFIDENCE: Final[_Weights] = (("high", 0.3), ("medium", 0.4), ("low", 0.3))
_UNRELATED_CATEGORIES: Final = (
    ("poaching", 0.25),
    ("illegal_fishing", 0.15),
    ("litter", 0.45),
    ("other", 0.15),
)
_DESCRIPTIONS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "comings_and_goings": (
            "veel auto's af en aan, ook 's nachts",
            "busjes laden en lossen bij schuur",
        ),
        "strange_vehicles": (
            "onbekende bestelbus met buitenlands kenteken",
            "vrachtwagen zonder logo op erf",
        ),
        "chemical_smell": ("sterke anijslucht", "chemische lucht bij sloot", "prikkende lucht"),
        "night_noise": ("brommend geluid van afzuiging", "aggregaat hoorbaar 's nachts"),
        "covered_windows": ("ramen schuur dichtgeplakt", "ramen afgeplakt met folie"),
        "drug_waste": ("vaten in berm", "jerrycans in sloot", "hennepafval langs bosrand"),
        "poaching": ("strik gevonden", "schoten in schemer, geen jacht gemeld"),
        "illegal_fishing": ("vissen zonder vergunning", "fuiken in beek"),
        "litter": ("zwerfvuil", "huisvuil gedumpt", "bouwafval langs weg"),
        "other": ("vreemde situatie", "hennepgeur", "verdacht"),
    }
)
_ROLE_ORG: Final[Mapping[str, str]] = MappingProxyType(
    {
        "ranger": "Boswachters Achterhoek (synthetisch)",
        "hunter": "WBE Bronckhorst (synthetisch)",
        "water_board": "Waterschap (synthetisch)",
        "boa": "Boa's gemeente Bronckhorst (synthetisch)",
        "resident": "",
        "farmer": "",
        "police": "Politie (synthetisch)",
        "municipality": "Gemeente Bronckhorst (synthetisch)",
    }
)
_DUMPING_REPORTERS: Final = (
    "waterschap",
    "boswachter",
    "politie",
    "gemeente",
    "wildbeheereenheid",
    "bewoner",
)
_SYLLABLES_A: Final = (
    "Ber",
    "Gar",
    "Hei",
    "Kol",
    "Lam",
    "Mos",
    "Nij",
    "Rou",
    "Sla",
    "Tee",
    "Vel",
    "Wol",
    "Bul",
    "Dor",
    "Eek",
    "Ha",
    "Kep",
    "Mar",
    "Plas",
    "Roe",
    "Smee",
    "Ter",
    "Vos",
    "Wie",
    "Zan",
    "Ol",
)
_SYLLABLES_B: Final = ("vel", "ber", "kam", "hor", "ger", "ten", "le", "man", "wer", "der", "")
_RURAL_SUFFIXES: Final = ("inkweg", "inkdijk", "erweg", "ersteeg", "inklaan", "eltweg", "oltdijk")
_VILLAGE_SUFFIXES: Final = ("straat", "laan", "hof", "kamp", "pad", "erf", "plein", "akker")


@dataclass(frozen=True)
class ScenarioParams:
    """Every knob of a scenario; the defaults give the committed demo.

    Rates are per year unless the name says otherwise; distances in km or m as named.

    Attributes
    ----------
    seed : int
        Root of all random streams.
    n_addresses : int
        Number of addresses (real Bronckhorst: ~18,000 electricity connections).
    start, end : str
        ISO dates spanning the records (``end`` exclusive).
    rural_share_main, rural_share_small : float
        Share of a postcode area's addresses outside the village core, for the three main
        villages (Zelhem, Vorden, Hengelo) and for the others.
    rural_farm_share : float
        Share of rural addresses that are (or were) farms.
    share_farms_stopped : float
        Share of farms that have stopped ("stoppers"); their buildings stand empty.
    vacancy_register_coverage : float
        Share of stopped farms that appear in ``vacant_buildings``.
    n_hidden_sites : int
        Primary illegal sites active at some time in the span (repeats come on top).
    site_mix : tuple of (str, float)
        Shares of ``cannabis_grow``, ``drug_lab`` and ``storage`` among the primary sites.
    site_remoteness_exponent : float
        Site choice weight is multiplied by ``(1 + km to nearest village) ** exponent``.
    site_lead_days : int
        Sites may have started up to this many days before ``start``.
    site_duration_days : tuple of (str, float)
        Median planned duration per site type (log-normal, sigma 0.6).
    repeat_location_share : float
        Probability that a dismantled site's address is used again later.
    energy_coverage : float
        Share of addresses with an energy record; 0 writes no energy layer at all.
    energy_period_mix : tuple of (int, float)
        Shares of period length in months (1, 3 or 12) among covered addresses.
    energy_noise_sigma : float
        Log-normal spread of an address's yearly use around its Liander postcode range mean.
    solar_share, heat_pump_share : float
        Share of homes with solar panels / a heat pump (farms: 1.5 x the solar share).
    milking_robot_share : float
        Share of active farms with milking robots (heavy, constant use).
    meter_swap_share, energy_gap_share, late_connection_share : float
        Share of covered addresses with a meter swap (odd split period), of periods missing
        at random, and of addresses whose record starts late.
    meter_bypass_share : float
        Share of cannabis grows that tap power illegally before the meter.
    bypass_metered_fraction : float
        Fraction of a bypassing grow's extra use that still shows on the meter.
    grow_extra_kwh_per_year : tuple of float
        Log-uniform range of a (metered) cannabis grow's extra use.
    lab_extra_kwh_per_year, storage_extra_kwh_per_year : tuple of float
        Uniform ranges of extra use of labs and storage sites (small).
    dumping_rate_per_lab : float
        Expected dumpings per lab per 30 active days.
    dumping_distance_km : tuple of float
        Distance band from the lab in which its dumpings lie.
    cannabis_waste_rate_per_grow : float
        Expected ``cannabis_waste`` dumpings per grow per year.
    cannabis_waste_distance_km : tuple of float
        Distance band of a grow's waste.
    background_drug_dumping_rate : float
        Drug-waste dumpings per year from labs outside the municipality.
    background_litter_dumping_rate : float
        Unrelated dumpings (``other``) per year.
    dumping_confirm_prob : float
        Probability a drug-waste dumping is confirmed.
    report_rate : float
        Genuine reports per active site per year at full visibility.
    false_report_rate : float
        Suspicious-category reports per year about innocent rural addresses.
    background_report_rate : float
        Unrelated reports (poaching, fishing, litter, other) per year.
    report_effort_bias : float
        Share of noise reports placed near villages and walking routes (where people look);
        the rest are spread over the rural roads.  Also lowers the visibility of remote sites.
    dumping_report_share : float
        Share of dumpings that also arrive as a ``drug_waste``/``litter`` report.
    inspection_rate : float
        Inspections per address per year.
    inspection_targeting : float
        Share of inspections chosen by suspicion (the rest are routine).
    suspicion_gain : float
        How much an active site raises its address's suspicion weight (targeting).
    detection_prob : float
        Probability that an inspection at an active site finds it.
    dismantle_prob : float
        Probability that a found site is dismantled (else it carries on).
    datetime_share : float
        Share of ``observed_at`` values written as date-times instead of dates.
    """

    seed: int = 20261129
    n_addresses: int = 20000
    start: str = "2023-01-01"
    end: str = "2026-11-01"
    rural_share_main: float = 0.25
    rural_share_small: float = 0.45
    rural_farm_share: float = 0.40
    share_farms_stopped: float = 0.30
    vacancy_register_coverage: float = 0.70
    n_hidden_sites: int = 48
    site_mix: tuple[tuple[str, float], ...] = (
        ("cannabis_grow", 0.6),
        ("drug_lab", 0.15),
        ("storage", 0.25),
    )
    site_remoteness_exponent: float = 1.0
    site_lead_days: int = 180
    site_duration_days: tuple[tuple[str, float], ...] = (
        ("cannabis_grow", 300.0),
        ("drug_lab", 120.0),
        ("storage", 200.0),
    )
    repeat_location_share: float = 0.15
    energy_coverage: float = 1.0
    energy_period_mix: tuple[tuple[int, float], ...] = ((1, 0.30), (3, 0.25), (12, 0.45))
    energy_noise_sigma: float = 0.35
    solar_share: float = 0.30
    heat_pump_share: float = 0.12
    milking_robot_share: float = 0.35
    meter_swap_share: float = 0.03
    energy_gap_share: float = 0.02
    late_connection_share: float = 0.03
    meter_bypass_share: float = 0.30
    bypass_metered_fraction: float = 0.05
    grow_extra_kwh_per_year: tuple[float, float] = (20_000.0, 100_000.0)
    lab_extra_kwh_per_year: tuple[float, float] = (500.0, 3_000.0)
    storage_extra_kwh_per_year: tuple[float, float] = (0.0, 500.0)
    dumping_rate_per_lab: float = 1.0
    dumping_distance_km: tuple[float, float] = (2.0, 15.0)
    cannabis_waste_rate_per_grow: float = 0.6
    cannabis_waste_distance_km: tuple[float, float] = (0.2, 3.0)
    background_drug_dumping_rate: float = 3.0
    background_litter_dumping_rate: float = 10.0
    dumping_confirm_prob: float = 0.85
    report_rate: float = 4.0
    false_report_rate: float = 40.0
    background_report_rate: float = 250.0
    report_effort_bias: float = 0.8
    dumping_report_share: float = 0.5
    inspection_rate: float = 0.01
    inspection_targeting: float = 0.6
    suspicion_gain: float = 80.0
    detection_prob: float = 0.7
    dismantle_prob: float = 0.95
    datetime_share: float = 0.3

    def __post_init__(self) -> None:
        problems = []
        if self.n_addresses < 100:
            problems.append(f"n_addresses must be >= 100, got {self.n_addresses}")
        if pd.Timestamp(self.end) <= pd.Timestamp(self.start) + pd.Timedelta(days=60):
            problems.append("end must lie at least 60 days after start")
        if {name for name, _ in self.site_mix} - set(SITE_TYPES):
            problems.append(f"site_mix names must be among {SITE_TYPES}")
        if {months for months, _ in self.energy_period_mix} - {1, 3, 12}:
            problems.append("energy_period_mix period lengths must be 1, 3 or 12 months")
        shares = (
            "energy_coverage",
            "meter_bypass_share",
            "inspection_targeting",
            "detection_prob",
            "report_effort_bias",
            "share_farms_stopped",
        )
        problems += [f"{s} must lie in [0, 1]" for s in shares if not 0 <= getattr(self, s) <= 1]
        if problems:
            raise ValueError("invalid ScenarioParams: " + "; ".join(problems))


@dataclass(frozen=True)
class ScenarioTruth:
    """The hidden truth of a generated scenario.

    Attributes
    ----------
    hidden_sites : pandas.DataFrame
        One row per site: ``site_id``, ``address_id``, ``site_type``, ``active_from``,
        ``active_until`` (NaT when still active at ``end``), ``uses_meter_bypass``,
        ``found_at``, ``end_reason`` (``found``, ``abandoned``, ``ongoing``), ``repeat_of``,
        ``extra_kwh_per_year``, ``x``, ``y``, ``profile``.
    address_profiles : pandas.DataFrame
        Per address: ``address_id``, ``profile``, ``village``, ``km_to_village`` and the
        legitimate energy confounders (``solar``, ``heat_pump``, ``milking_robot``).
    dumping_origins : pandas.DataFrame
        Per dumping: ``dumping_id``, ``origin`` (``lab``, ``grow``, ``outside_lab``,
        ``litter``), ``site_id``.
    report_origins : pandas.DataFrame
        Per report: ``report_id``, ``origin`` (``genuine``, ``false``, ``unrelated``,
        ``dumping``), ``site_id``.
    inspection_reasons : pandas.DataFrame
        Per inspection row: ``address_id``, ``inspected_at``, ``reason`` (``routine``,
        ``targeted``), ``site_id``.
    params : ScenarioParams
        The parameters that produced the scenario.
    """

    hidden_sites: pd.DataFrame
    address_profiles: pd.DataFrame
    dumping_origins: pd.DataFrame
    report_origins: pd.DataFrame
    inspection_reasons: pd.DataFrame
    params: ScenarioParams


@dataclass(frozen=True)
class _Reference:
    """Real inputs read from the reference directory."""

    area: gpd.GeoDataFrame
    buurten: gpd.GeoDataFrame
    labels: gpd.GeoDataFrame
    liander: pd.DataFrame
    real_street_names: frozenset[str]


@dataclass(frozen=True)
class _World:
    """The static synthetic world: villages, roads, addresses and their hidden profiles."""

    area: gpd.GeoDataFrame
    villages: pd.DataFrame
    roads: gpd.GeoDataFrame
    roadside: pd.DataFrame
    addresses: gpd.GeoDataFrame
    profiles: pd.DataFrame
    electricity: pd.DataFrame


@dataclass(frozen=True)
class _Span:
    """The record span as numpy day and month arrays."""

    start: np.datetime64
    end: np.datetime64
    months: np.ndarray = field(repr=False)

    @classmethod
    def from_params(cls, params: ScenarioParams) -> _Span:
        start = np.datetime64(params.start, "D")
        end = np.datetime64(params.end, "D")
        months = np.arange(start.astype("datetime64[M]"), end.astype("datetime64[M]"))
        return cls(start, end, months)

    @property
    def month_start(self) -> np.ndarray:
        """First day of each month (datetime64[D])."""
        return self.months.astype("datetime64[D]")

    @property
    def month_end(self) -> np.ndarray:
        """Day after each month (datetime64[D], exclusive)."""
        return (self.months + 1).astype("datetime64[D]")


# --------------------------------------------------------------------------- helpers


def _rng(params: ScenarioParams, component: str) -> np.random.Generator:
    """Return the random stream of one component, independent of the others."""
    return np.random.default_rng([params.seed, zlib.crc32(component.encode())])


def _choose(rng: np.random.Generator, pairs: _Weights, size: int) -> np.ndarray:
    """Draw ``size`` labels from ``(label, weight)`` pairs."""
    labels = np.array([label for label, _ in pairs], dtype=object)
    weights = np.array([w for _, w in pairs], dtype=float)
    return rng.choice(labels, size=size, p=weights / weights.sum())


def _random_days(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Uniform random days in ``[lo, hi)`` (datetime64[D] arrays, broadcast)."""
    span = np.maximum((hi - lo).astype(int), 1)
    return lo + (rng.random(np.shape(span)) * span).astype(int).astype("timedelta64[D]")


def _offset_points(
    rng: np.random.Generator, x: np.ndarray, y: np.ndarray, lo_m: float, hi_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Move points a random distance in ``[lo_m, hi_m]`` in a random direction."""
    angle = rng.uniform(0, 2 * np.pi, len(x))
    dist = rng.uniform(lo_m, hi_m, len(x))
    return x + dist * np.cos(angle), y + dist * np.sin(angle)


def _format_times(rng: np.random.Generator, days: np.ndarray, datetime_share: float) -> np.ndarray:
    """ISO text of dates, a share of them with a time of day (mixing both in one column)."""
    text = np.datetime_as_string(days.astype("datetime64[D]"), unit="D").astype(object)
    with_time = rng.random(len(days)) < datetime_share
    seconds = rng.integers(0, 86_400 // 60, len(days)) * 60
    stamps = days.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    text[with_time] = np.datetime_as_string(stamps[with_time], unit="s")
    return text


# --------------------------------------------------------------------------- reference


def load_reference(reference_dir: Path = DEFAULT_REFERENCE_DIR) -> _Reference:
    """Read the real Bronckhorst files the generator builds on.

    Parameters
    ----------
    reference_dir : Path
        Directory laid out as ``data/reference`` (see ``data/README.md``).

    Returns
    -------
    _Reference
        Area (EPSG:28992), buurten, buurt label points, Liander electricity rows and the
        set of real street names (lower case) that synthetic names must avoid.
    """
    gemeente = gpd.read_file(reference_dir / _GEMEENTE_FILE)
    gemeente = gemeente[gemeente["statcode"] == "GM1876"]
    area = gemeente[["statcode", "statnaam", "geometry"]].to_crs(WORKING_CRS).reset_index(drop=True)
    buurten_path = reference_dir / _BUURTEN_FILE
    buurten = gpd.read_file(buurten_path, layer="buurten_2014").to_crs(WORKING_CRS)
    labels = gpd.read_file(buurten_path, layer="buurt_labels_2014").to_crs(WORKING_CRS)
    liander = pd.read_csv(
        reference_dir / _LIANDER_FILE,
        sep=";",
        decimal=",",
        dtype={"POSTCODE_VAN": str, "POSTCODE_TOT": str},
    )
    streets = frozenset(liander["STRAATNAAM"].dropna().str.strip().str.lower())
    return _Reference(area, buurten, labels, liander, streets)


def _electricity_by_pc4(liander: pd.DataFrame) -> pd.DataFrame:
    """Latest-year electricity rows per PC4: ``pc4``, ``connections``, ``sjv_kwh``."""
    elk = liander[(liander["PRODUCTSOORT"] == "ELK")]
    elk = elk[elk["PEILDATUM"] == elk["PEILDATUM"].max()]
    return pd.DataFrame(
        {
            "pc4": elk["POSTCODE_VAN"].str[:4].to_numpy(),
            "connections": elk["Aantal Aansluitingen"].to_numpy(),
            "sjv_kwh": elk["SJV"].astype(float).to_numpy(),
        }
    )


# --------------------------------------------------------------------------- world


def _build_villages(ref: _Reference, params: ScenarioParams) -> pd.DataFrame:
    """Village cores at the real CBS label points, sized by real Liander connections."""
    connections = _electricity_by_pc4(ref.liander).groupby("pc4")["connections"].sum()
    table = pd.DataFrame(_VILLAGES, columns=["label", "woonplaats", "pc4", "hamlet_share"])
    labels = ref.labels.set_index("statnaam")
    table["x"] = labels.loc[table["label"], "geometry"].x.to_numpy()
    table["y"] = labels.loc[table["label"], "geometry"].y.to_numpy()
    table["name"] = table["label"].str.replace("Verspreide huizen ", "", regex=False)
    table["pc4_connections"] = connections.loc[table["pc4"]].to_numpy()
    main_of_pc4 = table.groupby("pc4")["name"].transform("first").isin(_MAIN_VILLAGES)
    rural = np.where(main_of_pc4, params.rural_share_main, params.rural_share_small)
    hamlets = table.groupby("pc4")["hamlet_share"].transform("sum")
    table["core_share"] = np.where(
        table["hamlet_share"] > 0, table["hamlet_share"], 1.0 - rural - hamlets
    )
    # Spread follows the real size so that a small scenario still has village-sized villages.
    table["sigma_m"] = 9.0 * np.sqrt(table["pc4_connections"] * table["core_share"])
    table["radius_m"] = 2.0 * table["sigma_m"] + 100.0
    table["n_core"] = np.round(
        table["pc4_connections"] * table["core_share"] * params.n_addresses / connections.sum()
    ).astype(int)
    table["n_pc4"] = np.round(table["pc4_connections"] * params.n_addresses / connections.sum())
    return table.drop(columns="label")


def _grid_nodes(
    area: shapely.Geometry, villages: pd.DataFrame, rng: np.random.Generator, spacing_m: float
) -> np.ndarray:
    """Jittered grid of rural road junctions inside the area, away from village cores."""
    xmin, ymin, xmax, ymax = area.bounds
    gx, gy = np.meshgrid(np.arange(xmin, xmax, spacing_m), np.arange(ymin, ymax, spacing_m))
    xy = np.column_stack([gx.ravel(), gy.ravel()])
    xy += rng.uniform(-0.25, 0.25, xy.shape) * spacing_m
    inside = shapely.contains_xy(area, xy[:, 0], xy[:, 1])
    dist, idx = cKDTree(villages[["x", "y"]].to_numpy()).query(xy)
    away = dist > villages["radius_m"].to_numpy()[idx] * 0.8
    return xy[inside & away]


def _delaunay_network(
    xy: np.ndarray, rng: np.random.Generator, max_len_m: float, extra_share: float
) -> np.ndarray:
    """Connected edge list: a random spanning tree of the Delaunay graph plus extra edges."""
    tri = Delaunay(xy)
    simplices = tri.simplices
    edges = np.vstack([simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [0, 2]]])
    edges = np.unique(np.sort(edges, axis=1), axis=0)
    length = np.hypot(*(xy[edges[:, 0]] - xy[edges[:, 1]]).T)
    weight = length * rng.uniform(1.0, 1.6, len(edges))
    n = len(xy)
    graph = coo_matrix((weight, (edges[:, 0], edges[:, 1])), shape=(n, n))
    tree = minimum_spanning_tree(graph).tocoo()
    tree_edges = np.sort(np.column_stack([tree.row, tree.col]), axis=1)
    extra = edges[(length < max_len_m) & (rng.random(len(edges)) < extra_share)]
    return np.unique(np.vstack([tree_edges, extra]), axis=0)


def _street_names(
    rng: np.random.Generator, suffixes: tuple[str, ...], n: int, avoid: frozenset[str]
) -> np.ndarray:
    """``n`` synthetic street names built from syllables, none of them in ``avoid``."""
    a = np.array(_SYLLABLES_A)
    b = np.array(_SYLLABLES_B)
    s = np.array(suffixes)
    combos = np.char.add(np.char.add(a[:, None, None], b[None, :, None]), s[None, None, :]).ravel()
    combos = np.array([c for c in combos if c.lower() not in avoid])
    return rng.choice(combos, size=n, replace=n > len(combos))


def _edge_lines(
    xy: np.ndarray, edges: np.ndarray, rng: np.random.Generator, bend: float
) -> np.ndarray:
    """Lines between node pairs with one bent interior vertex; endpoints are shared exactly."""
    a, b = xy[edges[:, 0]], xy[edges[:, 1]]
    mid = (a + b) / 2
    normal = np.column_stack([-(b - a)[:, 1], (b - a)[:, 0]])
    mid = mid + normal * rng.uniform(-bend, bend, (len(edges), 1))
    coords = np.stack([a, mid, b], axis=1)
    return shapely.linestrings(coords)


def _build_roads(
    ref: _Reference, villages: pd.DataFrame, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    """A connected synthetic road network: regional roads between villages, rural lanes, streets."""
    area = ref.area.union_all()
    village_xy = villages[["x", "y"]].to_numpy()
    rural_xy = np.vstack([village_xy, _grid_nodes(area, villages, rng, 900.0)])
    rural_edges = _delaunay_network(rural_xy, rng, 1400.0, 0.35)
    n_rural = len(rural_xy)
    length = np.hypot(*(rural_xy[rural_edges[:, 0]] - rural_xy[rural_edges[:, 1]]).T)
    graph = coo_matrix((length, (rural_edges[:, 0], rural_edges[:, 1])), shape=(n_rural, n_rural))
    # Regional roads: shortest paths from each village to its three nearest villages.
    _, predecessors = shortest_path(
        graph, directed=False, indices=np.arange(len(villages)), return_predecessors=True
    )
    _, nearest = cKDTree(village_xy).query(village_xy, k=4)
    regional: set[tuple[int, int]] = set()
    for source, targets in enumerate(nearest[:, 1:]):
        for target in targets:
            node = int(target)
            while node != source and node >= 0:
                prev = int(predecessors[source, node])
                regional.add((min(prev, node), max(prev, node)))
                node = prev
    is_regional = np.array([(int(u), int(v)) in regional for u, v in rural_edges])
    names = _street_names(rng, _RURAL_SUFFIXES, len(rural_edges), ref.real_street_names)
    rural = gpd.GeoDataFrame(
        {
            "name": names,
            "maxspeed": np.where(is_regional, 80, 60),
            "road_class": np.where(is_regional, "regional", "rural"),
        },
        geometry=_edge_lines(rural_xy, rural_edges, rng, 0.08),
        crs=WORKING_CRS,
    )
    streets = [
        _village_streets(np.array([x, y]), radius, ref.real_street_names, rng)
        for x, y, radius in villages[["x", "y", "radius_m"]].to_numpy()
    ]
    roads = pd.concat([rural, *streets], ignore_index=True)
    return gpd.GeoDataFrame(roads, geometry="geometry", crs=WORKING_CRS)


def _village_streets(
    centre: np.ndarray, radius: float, avoid: frozenset[str], rng: np.random.Generator
) -> gpd.GeoDataFrame:
    """Residential streets of one village core, connected to its centre node."""
    spacing = 140.0
    steps = np.arange(-radius, radius + spacing, spacing)
    gx, gy = np.meshgrid(steps, steps)
    xy = np.column_stack([gx.ravel(), gy.ravel()])
    xy = xy[np.hypot(xy[:, 0], xy[:, 1]) <= radius]
    xy = xy + rng.uniform(-0.2, 0.2, xy.shape) * spacing + centre
    xy = np.vstack([centre, xy[np.hypot(*(xy - centre).T) > 10.0]])
    if len(xy) < 3:
        xy = np.vstack([xy, centre + np.array([[spacing, 0.0], [0.0, spacing]])])
    edges = _delaunay_network(xy, rng, spacing * 1.6, 0.3)
    names = _street_names(rng, _VILLAGE_SUFFIXES, len(edges), avoid)
    return gpd.GeoDataFrame(
        {"name": names, "maxspeed": 30, "road_class": "residential"},
        geometry=_edge_lines(xy, edges, rng, 0.05),
        crs=WORKING_CRS,
    )


def _roadside_points(
    roads: gpd.GeoDataFrame,
    ref: _Reference,
    villages: pd.DataFrame,
    rng: np.random.Generator,
    n: int,
) -> pd.DataFrame:
    """Random points along rural roads with their road name and surroundings."""
    rural = roads[roads["road_class"] != "residential"]
    lengths = rural.length.to_numpy()
    pick = rng.choice(len(rural), size=n, p=lengths / lengths.sum())
    points = shapely.line_interpolate_point(
        rural.geometry.to_numpy()[pick], rng.random(n), normalized=True
    )
    x, y = shapely.get_x(points), shapely.get_y(points)
    village_dist, village_idx = cKDTree(villages[["x", "y"]].to_numpy()).query(
        np.column_stack([x, y])
    )
    wooded = ref.buurten[ref.buurten["statnaam"].str.contains("|".join(_WOODED_BUURT_WORDS))]
    in_wood = shapely.contains_xy(wooded.union_all(), x, y)
    walking = rng.random(len(rural)) < np.where(rural["maxspeed"].to_numpy() == 60, 0.2, 0.02)
    return pd.DataFrame(
        {
            "x": x,
            "y": y,
            "street": rural["name"].to_numpy()[pick],
            "village": village_idx,
            "km_to_village": village_dist / 1000.0,
            "forest_edge": in_wood | (rng.random(n) < 0.1),
            "walking_route": walking[pick],
        }
    )


def _place_addresses(
    ref: _Reference,
    villages: pd.DataFrame,
    roadside: pd.DataFrame,
    params: ScenarioParams,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Address points: clustered village cores plus scattered rural addresses along roads."""
    area = ref.area.union_all()
    n_core = villages["n_core"].to_numpy()
    per_pc4 = villages.groupby("pc4", sort=True)
    n_rural = (per_pc4["n_pc4"].first() - per_pc4["n_core"].sum()).clip(lower=0).astype(int)
    core = _village_core_points(villages, n_core, area, rng)
    rural = _rural_points(villages, roadside, n_rural, area, rng)
    placed = pd.concat([core, rural], ignore_index=True)
    # Trim or top up to exactly n_addresses (rounding), keeping the draw order stable.
    if len(placed) > params.n_addresses:
        placed = placed.iloc[np.sort(rng.choice(len(placed), params.n_addresses, replace=False))]
    elif len(placed) < params.n_addresses:
        extra = _rural_points(
            villages,
            roadside,
            pd.Series({villages["pc4"].iloc[0]: params.n_addresses - len(placed)}),
            area,
            rng,
        )
        placed = pd.concat([placed, extra], ignore_index=True)
    return placed.reset_index(drop=True)


def _village_core_points(
    villages: pd.DataFrame, n_core: np.ndarray, area: shapely.Geometry, rng: np.random.Generator
) -> pd.DataFrame:
    """Gaussian clusters of addresses around the village centres, inside the area."""
    idx = np.repeat(np.arange(len(villages)), n_core * 2 + 10)
    sigma = villages["sigma_m"].to_numpy()[idx]
    x = villages["x"].to_numpy()[idx] + rng.normal(0, 1, len(idx)) * sigma
    y = villages["y"].to_numpy()[idx] + rng.normal(0, 1, len(idx)) * sigma
    ok = shapely.contains_xy(area, x, y) & (
        np.hypot(x - villages["x"].to_numpy()[idx], y - villages["y"].to_numpy()[idx])
        < villages["radius_m"].to_numpy()[idx]
    )
    frame = pd.DataFrame({"x": x, "y": y, "village": idx})[ok]
    frame = frame[frame.groupby("village").cumcount() < n_core[frame["village"].to_numpy()]]
    frame["rural"] = False
    frame["km_to_village"] = (
        np.hypot(
            frame["x"] - villages["x"].to_numpy()[frame["village"]],
            frame["y"] - villages["y"].to_numpy()[frame["village"]],
        )
        / 1e3
    )
    return frame.reset_index(drop=True)


def _rural_points(
    villages: pd.DataFrame,
    roadside: pd.DataFrame,
    n_rural: pd.Series,
    area: shapely.Geometry,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Rural addresses set back from rural roads, in the territory of their postcode."""
    pool = roadside.assign(pc4=villages["pc4"].to_numpy()[roadside["village"]])
    parts = []
    for pc4, n in n_rural.items():
        candidates = pool[pool["pc4"] == pc4]
        if n == 0 or candidates.empty:
            continue
        pick = candidates.iloc[rng.choice(len(candidates), size=int(n) * 2, replace=True)]
        x, y = _offset_points(rng, pick["x"].to_numpy(), pick["y"].to_numpy(), 25.0, 110.0)
        ok = shapely.contains_xy(area, x, y)
        part = pd.DataFrame(
            {
                "x": x,
                "y": y,
                "village": pick["village"].to_numpy(),
                "street": pick["street"].to_numpy(),
            }
        )[ok].iloc[: int(n)]
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    frame["rural"] = True
    frame["km_to_village"] = (
        np.hypot(
            frame["x"] - villages["x"].to_numpy()[frame["village"]],
            frame["y"] - villages["y"].to_numpy()[frame["village"]],
        )
        / 1e3
    )
    return frame


def _assign_attributes(
    placed: pd.DataFrame,
    villages: pd.DataFrame,
    roads: gpd.GeoDataFrame,
    params: ScenarioParams,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Street, number, postcode, place, profile, BAG use and floor area of each address."""
    n = len(placed)
    frame = placed.copy()
    residential = roads[roads["road_class"] == "residential"]
    core = ~frame["rural"].to_numpy()
    tree = shapely.STRtree(residential.geometry.to_numpy())
    nearest = tree.query_nearest(
        shapely.points(frame.loc[core, ["x", "y"]].to_numpy()),
        all_matches=False,
        return_distance=False,
    )[1]
    frame.loc[core, "street"] = residential["name"].to_numpy()[nearest]
    profile = np.empty(n, dtype=object)
    profile[core] = _choose(rng, _VILLAGE_PROFILES, int(core.sum()))
    rural_profile = _choose(rng, _RURAL_PROFILES, int((~core).sum()))
    farm = rng.random(int((~core).sum())) < params.rural_farm_share
    stopped = rng.random(int((~core).sum())) < params.share_farms_stopped
    rural_profile[farm] = np.where(stopped[farm], "stopped_farm", "farm")
    profile[~core] = rural_profile
    frame["profile"] = profile
    frame["place"] = villages["woonplaats"].to_numpy()[frame["village"]]
    frame["pc4"] = villages["pc4"].to_numpy()[frame["village"]]
    order = np.lexsort((frame["y"].to_numpy(), frame["x"].to_numpy()))
    frame = frame.iloc[order]
    frame["housenumber"] = (frame.groupby(["place", "street"]).cumcount() + 1).astype(str)
    street_no = frame.groupby("pc4")["street"].transform(lambda s: pd.factorize(s)[0])
    # Dutch postcodes never use the letters F, I, O, Q, U and Y.
    letters = np.array(list("ABCDEGHJKLMNPRSTVWXZ"), dtype=object)
    first, second = letters[(street_no // 20) % 20], letters[street_no % 20]
    frame["postcode"] = frame["pc4"] + first + second
    use = frame["profile"].map(lambda p: _PROFILE_USE[p][0])
    lo = frame["profile"].map(lambda p: _PROFILE_USE[p][1]).to_numpy(dtype=float)
    hi = frame["profile"].map(lambda p: _PROFILE_USE[p][2]).to_numpy(dtype=float)
    frame["use"] = use
    frame["floor_area_m2"] = np.round(np.exp(rng.uniform(np.log(lo), np.log(hi))))
    # Ids in random order, like registration numbers: they must not reveal village or farm.
    frame = frame.sort_index().iloc[rng.permutation(n)].reset_index(drop=True)
    frame["address_id"] = [f"1876SYN{i:09d}" for i in range(1, n + 1)]
    return frame.sort_values("address_id").reset_index(drop=True)


def _energy_confounders(
    profiles: pd.DataFrame, params: ScenarioParams, rng: np.random.Generator
) -> pd.DataFrame:
    """Flag legitimate heavy or odd electricity users (solar, heat pumps, milking robots)."""
    n = len(profiles)
    homes = profiles["profile"].isin(["home", "rural_home"]).to_numpy()
    farms = profiles["profile"].eq("farm").to_numpy()
    solar_p = np.where(farms, 1.5 * params.solar_share, np.where(homes, params.solar_share, 0.1))
    return profiles.assign(
        solar=rng.random(n) < np.clip(solar_p, 0, 1),
        heat_pump=homes & (rng.random(n) < params.heat_pump_share),
        milking_robot=farms & (rng.random(n) < params.milking_robot_share),
    )


def build_world(params: ScenarioParams, reference_dir: Path = DEFAULT_REFERENCE_DIR) -> _World:
    """Build the static part of a scenario: area, villages, roads, addresses.

    Parameters
    ----------
    params : ScenarioParams
        Scenario parameters (only the address and seed fields matter here).
    reference_dir : Path
        Directory with the real reference files.

    Returns
    -------
    _World
        Villages, roads, roadside points, the ``addresses`` layer and hidden profiles.
    """
    ref = load_reference(reference_dir)
    rng = _rng(params, "world")
    villages = _build_villages(ref, params)
    roads = _build_roads(ref, villages, rng)
    roadside = _roadside_points(roads, ref, villages, rng, 60_000)
    placed = _place_addresses(ref, villages, roadside, params, rng)
    frame = _assign_attributes(placed, villages, roads, params, rng)
    columns = list(LAYER_SCHEMAS["addresses"].column_names)
    addresses = gpd.GeoDataFrame(
        frame[columns], geometry=gpd.points_from_xy(frame["x"], frame["y"]), crs=WORKING_CRS
    )
    profiles = frame[["address_id", "profile", "x", "y", "rural", "km_to_village"]].assign(
        village=villages["name"].to_numpy()[frame["village"]]
    )
    profiles = _energy_confounders(
        profiles.reset_index(drop=True), params, _rng(params, "confounders")
    )
    logger.info("world: %d addresses, %d road segments", len(addresses), len(roads))
    return _World(
        ref.area,
        villages,
        roads,
        roadside,
        addresses.reset_index(drop=True),
        profiles,
        _electricity_by_pc4(ref.liander),
    )


# --------------------------------------------------------------------------- hidden sites


def _stop_dates(profiles: pd.DataFrame, span: _Span, rng: np.random.Generator) -> np.ndarray:
    """Day each stopped farm stopped (NaT for other addresses): years ago or during the span."""
    stopped = profiles["profile"].eq("stopped_farm").to_numpy()
    lo = np.datetime64("2006-01-01")
    days = _random_days(rng, np.full(len(profiles), lo), np.full(len(profiles), span.end - 60))
    return np.where(stopped, days, np.datetime64("NaT"))


def _plan_sites(
    world: _World,
    stop_dates: np.ndarray,
    span: _Span,
    params: ScenarioParams,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Choose the primary hidden sites: address, type, planned period, meter bypass."""
    profiles = world.profiles
    n_sites = params.n_hidden_sites
    types = _choose(rng, params.site_mix, n_sites) if n_sites else np.array([], dtype=str)
    remoteness = (1.0 + profiles["km_to_village"].to_numpy()) ** params.site_remoteness_exponent
    taken = np.zeros(len(profiles), dtype=bool)
    address_idx = np.empty(n_sites, dtype=int)
    for site_type in SITE_TYPES:
        rows = np.flatnonzero(types == site_type)
        weights = profiles["profile"].map(_SITE_PROFILE_WEIGHTS[site_type]).fillna(0.02).to_numpy()
        weights = weights * remoteness * ~taken
        chosen = rng.choice(len(profiles), size=len(rows), replace=False, p=weights / weights.sum())
        address_idx[rows] = chosen
        taken[chosen] = True
    lead = np.timedelta64(params.site_lead_days, "D")
    active_from = _random_days(
        rng, np.full(n_sites, span.start - lead), np.full(n_sites, span.end - 30)
    )
    return _site_frame(address_idx, types, active_from, params, rng, repeat_of=None)


def _site_frame(
    address_idx: np.ndarray,
    types: np.ndarray,
    active_from: np.ndarray,
    params: ScenarioParams,
    rng: np.random.Generator,
    repeat_of: np.ndarray | None,
) -> pd.DataFrame:
    """Sites with planned end, bypass and extra electricity use drawn from the parameters."""
    n = len(types)
    median = dict(params.site_duration_days)
    duration = np.exp(np.log([median[t] for t in types]) + rng.normal(0, 0.6, n)).astype(int) + 14
    grow = types == "cannabis_grow"
    bypass = grow & (rng.random(n) < params.meter_bypass_share)
    lo, hi = params.grow_extra_kwh_per_year
    extra = np.where(grow, np.exp(rng.uniform(np.log(lo), np.log(hi), n)), 0.0)
    extra = np.where(types == "drug_lab", rng.uniform(*params.lab_extra_kwh_per_year, n), extra)
    extra = np.where(types == "storage", rng.uniform(*params.storage_extra_kwh_per_year, n), extra)
    metered = np.where(bypass, params.bypass_metered_fraction, 1.0)
    return pd.DataFrame(
        {
            "address_idx": address_idx,
            "site_type": types,
            "active_from": active_from,
            "planned_until": active_from + duration.astype("timedelta64[D]"),
            "uses_meter_bypass": bypass,
            "extra_kwh_per_year": np.round(extra),
            "metered_fraction": metered,
            "repeat_of": repeat_of if repeat_of is not None else np.full(n, -1),
            "found_at": np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"),
        }
    )


def _site_strength(sites: pd.DataFrame) -> np.ndarray:
    """How conspicuous each site is: drives targeted inspections and genuine reports."""
    base = sites["site_type"].map({"cannabis_grow": 1.0, "drug_lab": 0.75, "storage": 0.25})
    return base.to_numpy() * np.where(sites["uses_meter_bypass"], 0.4, 1.0)


# --------------------------------------------------------------------------- inspections


def _simulate_inspections(
    world: _World,
    sites: pd.DataFrame,
    span: _Span,
    params: ScenarioParams,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Month by month: draw routine and targeted inspections, find and dismantle sites.

    Targeted inspections pick addresses in proportion to their suspicion: a base by profile
    plus ``suspicion_gain`` times the strength of an active site.  A found site is
    dismantled with ``dismantle_prob``; its address may be reused later.
    """
    profiles = world.profiles
    n = len(profiles)
    base = profiles["profile"].map(_BASE_SUSPICION).to_numpy()
    base = (
        base + 1.0 * (profiles["milking_robot"] | profiles["profile"].eq("greenhouse")).to_numpy()
    )
    routine_w = profiles["profile"].map(_ROUTINE_WEIGHT).to_numpy()
    routine_p = routine_w / routine_w.sum()
    sites = sites.copy()
    rows: list[pd.DataFrame] = []
    for m_start, m_end in zip(span.month_start, span.month_end, strict=True):
        days = int((m_end - m_start).astype(int))
        n_insp = rng.poisson(params.inspection_rate * n * days / 365.0)
        n_targeted = rng.binomial(n_insp, params.inspection_targeting)
        until = sites["planned_until"].where(sites["found_at"].isna(), sites["found_at"]).to_numpy()
        live = (sites["active_from"].to_numpy() < m_end) & (until > m_start)
        suspicion = base.copy()
        np.add.at(
            suspicion,
            sites["address_idx"].to_numpy()[live],
            params.suspicion_gain * _site_strength(sites[live]),
        )
        targeted = rng.choice(n, size=n_targeted, p=suspicion / suspicion.sum())
        routine = rng.choice(n, size=n_insp - n_targeted, p=routine_p)
        month = pd.DataFrame(
            {
                "address_idx": np.concatenate([targeted, routine]),
                "inspected_at": _random_days(rng, np.full(n_insp, m_start), np.full(n_insp, m_end)),
                "reason": np.repeat(["targeted", "routine"], [n_targeted, n_insp - n_targeted]),
            }
        ).sort_values(["inspected_at", "address_idx"], kind="stable")
        month, sites = _resolve_month(month, sites, span, params, rng)
        rows.append(month)
    inspections = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    return inspections, sites


def _resolve_month(
    month: pd.DataFrame,
    sites: pd.DataFrame,
    span: _Span,
    params: ScenarioParams,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Outcomes of one month's inspections; marks found sites and spawns repeat sites."""
    outcome = _choose(rng, (("nothing", 0.75), ("signals", 0.12), ("other", 0.13)), len(month))
    site_of = np.full(len(month), -1)
    hit_roll = rng.random(len(month))
    at_site = np.isin(month["address_idx"].to_numpy(), sites["address_idx"].to_numpy())
    for pos in np.flatnonzero(at_site):
        address_idx = month["address_idx"].iat[pos]
        day = month["inspected_at"].iat[pos]
        site = sites[sites["address_idx"] == address_idx]
        until = site["planned_until"].where(site["found_at"].isna(), site["found_at"])
        active = site[(site["active_from"] <= day) & (until > day)]
        if active.empty:
            # Traces of an earlier or later site: sometimes noted as signals.
            outcome[pos] = "signals" if hit_roll[pos] < 0.4 else outcome[pos]
            continue
        label = active.index[0]
        site_of[pos] = label
        if hit_roll[pos] < params.detection_prob:
            outcome[pos] = sites.at[label, "site_type"]
            if rng.random() < params.dismantle_prob:
                sites.at[label, "found_at"] = day
                sites = _maybe_repeat(sites, label, day, span, params, rng)
        else:
            outcome[pos] = "signals" if hit_roll[pos] < 0.85 else "nothing"
    return month.assign(outcome=outcome, site_idx=site_of), sites


def _maybe_repeat(
    sites: pd.DataFrame,
    label: int,
    found: pd.Timestamp,
    span: _Span,
    params: ScenarioParams,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """With ``repeat_location_share``, reuse a dismantled site's address some months later."""
    if rng.random() >= params.repeat_location_share:
        return sites
    start = np.datetime64(found, "D") + np.timedelta64(int(rng.integers(90, 540)), "D")
    if start >= span.end - 30:
        return sites
    old = sites.loc[label]
    new_type = old["site_type"] if rng.random() < 0.7 else str(_choose(rng, params.site_mix, 1)[0])
    repeat = _site_frame(
        np.array([old["address_idx"]]),
        np.array([new_type]),
        np.array([start]),
        params,
        rng,
        repeat_of=np.array([label]),
    )
    repeat.index = [sites.index.max() + 1]
    return pd.concat([sites, repeat])


def _finish_sites(sites: pd.DataFrame, world: _World, span: _Span) -> pd.DataFrame:
    """Final activity periods and truth columns of the sites."""
    until = sites["planned_until"].where(sites["found_at"].isna(), sites["found_at"])
    until = until.where(until <= np.datetime64(span.end), np.datetime64(span.end))
    reason = np.where(
        sites["found_at"].notna(),
        "found",
        np.where(until < np.datetime64(span.end), "abandoned", "ongoing"),
    )
    profiles = world.profiles.iloc[sites["address_idx"].to_numpy()]
    return sites.assign(
        active_until_eff=until.to_numpy(),
        end_reason=reason,
        site_id=[f"S{i + 1:04d}" for i in range(len(sites))],
        address_id=profiles["address_id"].to_numpy(),
        x=profiles["x"].to_numpy(),
        y=profiles["y"].to_numpy(),
        profile=profiles["profile"].to_numpy(),
    )


# --------------------------------------------------------------------------- energy


def _monthly_baseline_kwh(
    world: _World, span: _Span, params: ScenarioParams, rng: np.random.Generator
) -> np.ndarray:
    """Legitimate use per address and month (n_addresses x n_months), calibrated on Liander."""
    profiles = world.profiles
    n = len(profiles)
    pc4 = world.addresses["postcode"].str[:4].to_numpy()
    liander = world.electricity
    yearly = np.empty(n)
    for code in np.unique(pc4):
        rows = liander[liander["pc4"] == code]
        rows = liander if rows.empty else rows
        mask = pc4 == code
        p = rows["connections"].to_numpy() / rows["connections"].sum()
        yearly[mask] = rng.choice(rows["sjv_kwh"].to_numpy(), size=int(mask.sum()), p=p)
    yearly *= np.exp(rng.normal(0, params.energy_noise_sigma, n))
    profile = profiles["profile"].to_numpy()
    heavy = {
        "farm": (25_000, 60_000),
        "greenhouse": (40_000, 150_000),
        "workshop": (10_000, 60_000),
        "rural_workshop": (10_000, 80_000),
        "school": (30_000, 90_000),
        "care": (20_000, 80_000),
        "shop": (8_000, 40_000),
    }
    for name, (lo, hi) in heavy.items():
        mask = profile == name
        yearly[mask] = np.exp(rng.uniform(np.log(lo), np.log(hi), int(mask.sum())))
    yearly += np.where(profiles["milking_robot"], rng.uniform(10_000, 20_000, n), 0.0)
    yearly += np.where(profiles["heat_pump"], rng.uniform(2_500, 5_000, n), 0.0)
    month_of_year = span.months.astype(int) % 12
    winter = np.cos(2 * np.pi * month_of_year / 12.0)
    amplitude = np.where(profiles["heat_pump"], 0.45, 0.15)
    amplitude = np.where(profile == "greenhouse", 0.5, amplitude)
    amplitude = np.where(profiles["milking_robot"], 0.03, amplitude)
    days = (span.month_end - span.month_start).astype(int)
    use = (yearly / 365.0)[:, None] * days[None, :] * (1 + amplitude[:, None] * winter[None, :])
    # Month-to-month variation (holidays, weather, guests) and a slow drift per address.
    drift = rng.normal(0, 0.05, n)[:, None] * np.arange(len(span.months))[None, :] / 12.0
    use *= rng.lognormal(0.0, 0.08, use.shape) * np.exp(drift)
    solar_kwh = np.where(profiles["solar"], rng.uniform(2_500, 6_000, n), 0.0)
    solar_kwh *= np.where(profile == "farm", 4.0, 1.0)
    return use - solar_kwh[:, None] * _SOLAR_MONTH_SHARE[month_of_year][None, :]


def _site_monthly_kwh(
    sites: pd.DataFrame, n_addresses: int, span: _Span, rng: np.random.Generator
) -> np.ndarray:
    """Extra metered use of the sites per address and month."""
    extra = np.zeros((n_addresses, len(span.months)))
    if sites.empty:
        return extra
    start = sites["active_from"].to_numpy().astype("datetime64[D]")[:, None]
    stop = sites["active_until_eff"].to_numpy().astype("datetime64[D]")[:, None]
    overlap = np.minimum(stop, span.month_end[None, :]) - np.maximum(
        start, span.month_start[None, :]
    )
    overlap_days = np.clip(overlap.astype(int), 0, None)
    daily = (sites["extra_kwh_per_year"] * sites["metered_fraction"]).to_numpy() / 365.0
    wobble = rng.uniform(0.8, 1.2, overlap_days.shape)
    np.add.at(extra, sites["address_idx"].to_numpy(), daily[:, None] * overlap_days * wobble)
    return extra


def _energy_records(
    monthly: np.ndarray,
    world: _World,
    span: _Span,
    params: ScenarioParams,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Aggregate monthly use into each address's own periods; add gaps and meter swaps."""
    n, n_months = monthly.shape
    covered = np.flatnonzero(rng.random(n) < params.energy_coverage)
    length = _choose(rng, tuple((str(m), s) for m, s in params.energy_period_mix), n).astype(int)
    offset = (rng.random(n) * length).astype(int)
    first_month = np.where(
        rng.random(n) < params.late_connection_share, rng.integers(0, n_months, n), 0
    )
    addr = np.repeat(covered, n_months)
    month = np.tile(np.arange(n_months), len(covered))
    keep = month >= first_month[addr]
    addr, month = addr[keep], month[keep]
    period = (month + length[addr] - offset[addr]) // length[addr]
    frame = pd.DataFrame(
        {"addr": addr, "period": period, "month": month, "kwh": monthly[addr, month]}
    )
    grouped = (
        frame.groupby(["addr", "period"], sort=True)
        .agg(
            first=("month", "min"),
            last=("month", "max"),
            kwh=("kwh", "sum"),
            months=("month", "size"),
        )
        .reset_index()
    )
    # A period still running at the end of the span has not been read yet.
    running = (grouped["last"] == n_months - 1) & (
        grouped["months"] < length[grouped["addr"].to_numpy()]
    )
    grouped = grouped[~running]
    records = pd.DataFrame(
        {
            "addr": grouped["addr"].to_numpy(),
            "period_start": span.month_start[grouped["first"].to_numpy()],
            "period_end": span.month_end[grouped["last"].to_numpy()] - 1,
            "kwh": grouped["kwh"].to_numpy(),
        }
    )
    records = records[rng.random(len(records)) >= params.energy_gap_share]
    records = _meter_swaps(records, params, rng)
    records["address_id"] = world.profiles["address_id"].to_numpy()[records["addr"].to_numpy()]
    records["kwh"] = np.round(records["kwh"].to_numpy())
    records = records.sort_values(["address_id", "period_start", "period_end"], kind="stable")
    return records[list(LAYER_SCHEMAS["energy"].column_names)].reset_index(drop=True)


def _meter_swaps(
    records: pd.DataFrame, params: ScenarioParams, rng: np.random.Generator
) -> pd.DataFrame:
    """Split one period of some addresses at a swap day; the old meter's part reads oddly."""
    addrs = records["addr"].unique()
    swapped = addrs[rng.random(len(addrs)) < params.meter_swap_share]
    candidates = records[records["addr"].isin(swapped)]
    chosen = candidates.groupby("addr").sample(n=1, random_state=rng)
    chosen = chosen[(chosen["period_end"] - chosen["period_start"]).dt.days >= 2]
    span_days = (chosen["period_end"] - chosen["period_start"]).dt.days.to_numpy()
    cut = rng.integers(1, np.maximum(span_days, 2))
    share = cut / (span_days + 1)
    odd = np.where(rng.random(len(chosen)) < 0.5, 0.0, rng.uniform(2.0, 4.0, len(chosen)))
    swap_day = chosen["period_start"].to_numpy() + cut.astype("timedelta64[D]")
    old_part = chosen.assign(
        period_end=swap_day - np.timedelta64(1, "D"), kwh=chosen["kwh"].to_numpy() * share * odd
    )
    new_part = chosen.assign(period_start=swap_day, kwh=chosen["kwh"].to_numpy() * (1 - share))
    rest = records.drop(index=chosen.index)
    return pd.concat([rest, old_part, new_part])


# --------------------------------------------------------------------------- dumpings


def _roadside_in_band(
    roadside: pd.DataFrame,
    x: np.ndarray,
    y: np.ndarray,
    band_km: tuple[float, float],
    prefer_forest: bool,
    rng: np.random.Generator,
) -> np.ndarray:
    """For each origin, the index of a random roadside point at a distance within the band."""
    pool = roadside.iloc[:5000]
    dist = (
        np.hypot(
            pool["x"].to_numpy()[None, :] - x[:, None], pool["y"].to_numpy()[None, :] - y[:, None]
        )
        / 1000.0
    )
    ok = (dist >= band_km[0]) & (dist <= band_km[1])
    weight = ok * np.where(pool["forest_edge"].to_numpy() & prefer_forest, 3.0, 1.0)[None, :]
    weight = np.where(weight.sum(axis=1, keepdims=True) > 0, weight, 1.0)
    cumulative = np.cumsum(weight, axis=1)
    draw = rng.random(len(x))[:, None] * cumulative[:, -1:]
    return (cumulative < draw).sum(axis=1)


def _active_days(sites: pd.DataFrame, span: _Span) -> np.ndarray:
    """Days each site was active inside the record span."""
    start = np.maximum(sites["active_from"].to_numpy().astype("datetime64[D]"), span.start)
    stop = sites["active_until_eff"].to_numpy().astype("datetime64[D]")
    return np.clip((stop - start).astype(int), 0, None)


def _make_dumpings(
    world: _World,
    sites: pd.DataFrame,
    span: _Span,
    params: ScenarioParams,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drug-waste dumpings of labs and grows, outside labs' dumpings and litter."""
    parts = []
    active_days = _active_days(sites, span)
    for site_type, rate, band, types in (
        (
            "drug_lab",
            params.dumping_rate_per_lab / 30.0,
            params.dumping_distance_km,
            _LAB_WASTE,
        ),
        (
            "cannabis_grow",
            params.cannabis_waste_rate_per_grow / 365.0,
            params.cannabis_waste_distance_km,
            _GROW_WASTE,
        ),
    ):
        of_type = (sites["site_type"] == site_type).to_numpy()
        counts = rng.poisson(rate * active_days * of_type)
        idx = np.repeat(np.arange(len(sites)), counts)
        lo = np.maximum(sites["active_from"].to_numpy()[idx], span.start)
        day = _random_days(
            rng,
            lo.astype("datetime64[D]"),
            sites["active_until_eff"].to_numpy()[idx].astype("datetime64[D]") + 7,
        )
        spot = _roadside_in_band(
            world.roadside,
            sites["x"].to_numpy()[idx],
            sites["y"].to_numpy()[idx],
            band,
            site_type == "drug_lab",
            rng,
        )
        parts.append(
            pd.DataFrame(
                {
                    "day": day,
                    "spot": spot,
                    "waste_type": _choose(rng, types, len(idx)),
                    "origin": "lab" if site_type == "drug_lab" else "grow",
                    "site_id": sites["site_id"].to_numpy()[idx],
                }
            )
        )
    n_years = (span.end - span.start).astype(int) / 365.0
    for origin, rate, types in (
        (
            "outside_lab",
            params.background_drug_dumping_rate,
            _OUTSIDE_LAB_WASTE,
        ),
        ("litter", params.background_litter_dumping_rate, _LITTER_WASTE),
    ):
        count = rng.poisson(rate * n_years)
        parts.append(
            pd.DataFrame(
                {
                    "day": _random_days(rng, np.full(count, span.start), np.full(count, span.end)),
                    "spot": rng.integers(0, len(world.roadside), count),
                    "waste_type": _choose(rng, types, count),
                    "origin": origin,
                    "site_id": "",
                }
            )
        )
    dumps = pd.concat(parts, ignore_index=True)
    dumps = dumps[dumps["day"] < span.end].sort_values(["day", "spot"], kind="stable")
    return _dumping_layer(dumps.reset_index(drop=True), world, params, rng)


def _dumping_layer(
    dumps: pd.DataFrame, world: _World, params: ScenarioParams, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Attributes and positions (in a ditch or verge, a few metres from the road)."""
    n = len(dumps)
    spots = world.roadside.iloc[dumps["spot"].to_numpy()]
    x, y = _offset_points(rng, spots["x"].to_numpy(), spots["y"].to_numpy(), 2.0, 15.0)
    volume_range = {
        "barrels": (200, 6000),
        "jerrycans": (20, 800),
        "chemicals": (50, 1000),
        "cannabis_waste": (50, 2000),
        "other": (20, 500),
    }
    lo = dumps["waste_type"].map(lambda t: volume_range[t][0]).to_numpy(dtype=float)
    hi = dumps["waste_type"].map(lambda t: volume_range[t][1]).to_numpy(dtype=float)
    drug = dumps["origin"].ne("litter").to_numpy()
    confirmed = np.where(drug, rng.random(n) < params.dumping_confirm_prob, rng.random(n) < 0.1)
    layer = pd.DataFrame(
        {
            "dumping_id": [f"{i:06d}" for i in range(1, n + 1)],
            "observed_at": dumps["day"].to_numpy(),
            "waste_type": dumps["waste_type"].to_numpy(),
            "volume_l": np.round(np.exp(rng.uniform(np.log(lo), np.log(hi))), -1),
            "reported_by": rng.choice(np.array(_DUMPING_REPORTERS), n),
            "confirmed": confirmed,
            "x": x,
            "y": y,
        }
    )
    origins = pd.DataFrame(
        {
            "dumping_id": layer["dumping_id"],
            "origin": dumps["origin"].to_numpy(),
            "site_id": dumps["site_id"].to_numpy(),
        }
    )
    return layer, origins


# --------------------------------------------------------------------------- reports


def _make_reports(
    world: _World,
    sites: pd.DataFrame,
    dumpings: pd.DataFrame,
    span: _Span,
    params: ScenarioParams,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Genuine reports near active sites, false and unrelated noise where people look."""
    n_years = (span.end - span.start).astype(int) / 365.0
    roadside = world.roadside
    # Visibility: people see what happens near villages and walking routes.
    near_people = (roadside["km_to_village"] < 1.5) | roadside["walking_route"]
    site_km = world.profiles["km_to_village"].to_numpy()[sites["address_idx"].to_numpy()]
    visibility = (1 - params.report_effort_bias) + params.report_effort_bias * np.exp(
        -site_km / 2.0
    )
    counts = rng.poisson(
        params.report_rate
        / 365.0
        * _active_days(sites, span)
        * visibility
        * _site_strength(sites)
        / 0.75
    )
    idx = np.repeat(np.arange(len(sites)), counts)
    genuine_cat = np.array(
        [_choose(rng, _GENUINE_CATEGORIES[t], 1)[0] for t in sites["site_type"].to_numpy()[idx]],
        dtype=object,
    )
    gx, gy = _offset_points(
        rng, sites["x"].to_numpy()[idx], sites["y"].to_numpy()[idx], 40.0, 400.0
    )
    lo = np.maximum(sites["active_from"].to_numpy()[idx].astype("datetime64[D]"), span.start)
    genuine = pd.DataFrame(
        {
            "day": _random_days(
                rng, lo, sites["active_until_eff"].to_numpy()[idx].astype("datetime64[D]")
            ),
            "x": gx,
            "y": gy,
            "category": genuine_cat,
            "origin": "genuine",
            "site_id": sites["site_id"].to_numpy()[idx],
            "reporter_role": _choose(
                rng,
                (
                    ("resident", 0.4),
                    ("farmer", 0.2),
                    ("hunter", 0.15),
                    ("ranger", 0.1),
                    ("boa", 0.1),
                    ("police", 0.05),
                ),
                len(idx),
            ),
            "confidence": _choose(rng, (("high", 0.3), ("medium", 0.5), ("low", 0.2)), len(idx)),
        }
    )
    noise = _noise_reports(world, near_people.to_numpy(), span, params, n_years, rng)
    from_dumps = _dumping_reports(dumpings, params, rng)
    reports = pd.concat([genuine, noise, from_dumps], ignore_index=True)
    reports = reports[reports["day"] < span.end].sort_values(["day", "x"], kind="stable")
    reports = reports.reset_index(drop=True)
    n = len(reports)
    reports["report_id"] = [f"{i:07d}" for i in range(1, n + 1)]
    descriptions = np.array(
        [rng.choice(np.array(_DESCRIPTIONS[c])) for c in reports["category"]], dtype=object
    )
    layer = pd.DataFrame(
        {
            "report_id": reports["report_id"],
            "observed_at": _format_times(rng, reports["day"].to_numpy(), params.datetime_share),
            "category": reports["category"],
            "description": descriptions,
            "reporter_role": reports["reporter_role"],
            "reporter_org": reports["reporter_role"].map(_ROLE_ORG),
            "confidence": reports["confidence"],
            "x": np.round(reports["x"].to_numpy(), 1),
            "y": np.round(reports["y"].to_numpy(), 1),
        }
    )
    origins = reports[["report_id", "origin", "site_id"]].copy()
    return layer, origins


def _noise_reports(
    world: _World,
    near_people: np.ndarray,
    span: _Span,
    params: ScenarioParams,
    n_years: float,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """False suspicious reports about innocents and unrelated nature reports."""
    parts = []
    for origin, rate in (
        ("false", params.false_report_rate),
        ("unrelated", params.background_report_rate),
    ):
        count = rng.poisson(rate * n_years)
        biased = rng.random(count) < params.report_effort_bias
        people_idx = np.flatnonzero(near_people)
        spot = np.where(
            biased, rng.choice(people_idx, count), rng.integers(0, len(world.roadside), count)
        )
        x, y = _offset_points(
            rng,
            world.roadside["x"].to_numpy()[spot],
            world.roadside["y"].to_numpy()[spot],
            5.0,
            250.0,
        )
        if origin == "false":
            category = rng.choice(np.array(_SUSPICIOUS_CATEGORIES), count)
            roles, confidence = _FALSE_REPORTERS, _FALSE_CONFIDENCE
        else:
            category = _choose(rng, _UNRELATED_CATEGORIES, count)
            roles, confidence = _UNRELATED_REPORTERS, _UNRELATED_CONFIDENCE
        parts.append(
            pd.DataFrame(
                {
                    "day": _random_days(rng, np.full(count, span.start), np.full(count, span.end)),
                    "x": x,
                    "y": y,
                    "category": category,
                    "origin": origin,
                    "site_id": "",
                    "reporter_role": _choose(rng, roles, count),
                    "confidence": _choose(rng, confidence, count),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _dumping_reports(
    dumpings: pd.DataFrame, params: ScenarioParams, rng: np.random.Generator
) -> pd.DataFrame:
    """Some dumpings also reach the platform as a field report, within a few days."""
    chosen = dumpings[rng.random(len(dumpings)) < params.dumping_report_share]
    n = len(chosen)
    x, y = _offset_points(rng, chosen["x"].to_numpy(), chosen["y"].to_numpy(), 0.0, 30.0)
    category = np.where(chosen["waste_type"].eq("other"), "litter", "drug_waste")
    return pd.DataFrame(
        {
            "day": chosen["observed_at"].to_numpy()
            - rng.integers(0, 3, n).astype("timedelta64[D]"),
            "x": x,
            "y": y,
            "category": category,
            "origin": "dumping",
            "site_id": "",
            "reporter_role": _choose(
                rng,
                (
                    ("water_board", 0.3),
                    ("ranger", 0.25),
                    ("hunter", 0.15),
                    ("farmer", 0.15),
                    ("resident", 0.15),
                ),
                n,
            ),
            "confidence": _choose(rng, (("high", 0.6), ("medium", 0.3), ("low", 0.1)), n),
        }
    )


# --------------------------------------------------------------------------- vacant buildings


def _make_vacant_buildings(
    world: _World,
    stop_dates: np.ndarray,
    span: _Span,
    params: ScenarioParams,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """Empty stables, barns and sheds of stopped farms (partly registered) and a few others."""
    profiles = world.profiles
    stopped = np.flatnonzero(
        profiles["profile"].eq("stopped_farm").to_numpy()
        & (rng.random(len(profiles)) < params.vacancy_register_coverage)
    )
    others = np.flatnonzero(
        profiles["profile"].isin(["shop", "home", "rural_home"]).to_numpy()
        & (rng.random(len(profiles)) < 0.003)
    )
    per_farm = rng.integers(1, 4, len(stopped))
    idx = np.concatenate([np.repeat(stopped, per_farm), others])
    farm_building = np.arange(len(idx)) < per_farm.sum()
    n = len(idx)
    building_type = np.where(
        farm_building,
        _choose(
            rng,
            (
                ("stable", 0.4),
                ("barn", 0.3),
                ("shed", 0.2),
                ("riding_hall", 0.05),
                ("greenhouse", 0.05),
            ),
            n,
        ),
        _choose(rng, (("dwelling", 0.6), ("other", 0.4)), n),
    )
    since = np.where(
        farm_building,
        stop_dates[idx],
        _random_days(rng, np.full(n, np.datetime64("2015-01-01")), np.full(n, span.end - 30)),
    )
    since = np.minimum(since + rng.integers(0, 180, n).astype("timedelta64[D]"), span.end - 1)
    since_text = np.datetime_as_string(since.astype("datetime64[D]"), unit="D").astype(object)
    since_text[rng.random(n) < 0.15] = None
    x, y = _offset_points(
        rng, profiles["x"].to_numpy()[idx], profiles["y"].to_numpy()[idx], 15.0, 70.0
    )
    area = np.round(np.exp(rng.uniform(np.log(100), np.log(2500), n)))
    geometry = np.where(rng.random(n) < 0.6, _rectangles(x, y, area, rng), shapely.points(x, y))
    linked = rng.random(n) < 0.75
    layer = gpd.GeoDataFrame(
        {
            "building_id": [f"LEEG-{i:05d}" for i in range(1, n + 1)],
            "address_id": np.where(linked, profiles["address_id"].to_numpy()[idx], None),
            "building_type": building_type,
            "vacant_since": since_text,
            "floor_area_m2": area,
            "source": np.where(farm_building & (rng.random(n) < 0.4), "LTO", "gemeente"),
        },
        geometry=geometry,
        crs=WORKING_CRS,
    )
    return layer


def _rectangles(
    x: np.ndarray, y: np.ndarray, area_m2: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Rotated rectangular footprints of the given floor area (aspect 1.5-3)."""
    aspect = rng.uniform(1.5, 3.0, len(x))
    width = np.sqrt(area_m2 / aspect)
    half = np.stack([width * aspect / 2, width / 2], axis=1)
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]], dtype=float)
    local = corners[None, :, :] * half[:, None, :]
    angle = rng.uniform(0, np.pi, len(x))
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    rx = local[..., 0] * cos - local[..., 1] * sin + x[:, None]
    ry = local[..., 0] * sin + local[..., 1] * cos + y[:, None]
    return shapely.polygons(np.stack([rx, ry], axis=-1))


# --------------------------------------------------------------------------- writing


def _write_layer(layer: pd.DataFrame, out_dir: Path, name: str, fmt: str) -> Path:
    """Write one layer in one of the contract formats; returns the path."""
    suffix = "csv" if fmt.startswith("csv") else fmt
    path = out_dir / f"{name}.{suffix}"
    if path.exists():
        path.unlink()
    if fmt == "gpkg":
        with _fixed_gpkg_date():
            _as_geodataframe(layer).to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    elif fmt == "geojson":
        _as_geodataframe(layer).to_crs(_WGS84).to_file(
            path,
            driver="GeoJSON",
            engine="pyogrio",
            layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": 7},
        )
    elif fmt == "parquet":
        _to_parquet(layer, path)
    elif fmt in ("csv", "csv-lonlat"):
        _to_csv(layer, path, lonlat=fmt == "csv-lonlat")
    else:
        raise ValueError(f"unknown format {fmt!r} for layer {name}")
    return path


@contextmanager
def _fixed_gpkg_date() -> Iterator[None]:
    """GeoPackages written inside get a fixed timestamp, so output is reproducible."""
    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": _FIXED_GPKG_DATE})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})


def _as_geodataframe(layer: pd.DataFrame) -> gpd.GeoDataFrame:
    """The layer as a GeoDataFrame in EPSG:28992; ``x``/``y`` columns become points."""
    if isinstance(layer, gpd.GeoDataFrame):
        return layer
    if "x" not in layer:
        raise ValueError("a layer without geometry can only be written as csv or parquet")
    points = gpd.points_from_xy(layer["x"], layer["y"])
    return gpd.GeoDataFrame(layer.drop(columns=["x", "y"]), geometry=points, crs=WORKING_CRS)


def _to_parquet(layer: pd.DataFrame, path: Path) -> None:
    """GeoParquet for layers with geometry; plain Parquet with date32 dates otherwise."""
    if isinstance(layer, gpd.GeoDataFrame) or "x" in layer:
        _as_geodataframe(layer).to_parquet(path, index=False)
        return
    table = pa.Table.from_pandas(layer, preserve_index=False)
    for i, column in enumerate(table.schema):
        if pa.types.is_timestamp(column.type):
            table = table.set_column(i, column.name, table.column(i).cast(pa.date32()))
    pq.write_table(table, path)


def _to_csv(layer: pd.DataFrame, path: Path, *, lonlat: bool) -> None:
    """CSV with points as ``x``/``y`` (EPSG:28992) or ``lon``/``lat`` (EPSG:4326)."""
    frame = pd.DataFrame(layer)
    if isinstance(layer, gpd.GeoDataFrame):
        if not (layer.geom_type == "Point").all():
            raise ValueError("only point layers can be written as csv")
        frame = pd.DataFrame(layer.drop(columns=layer.geometry.name)).assign(
            x=np.round(layer.geometry.x.to_numpy(), 2), y=np.round(layer.geometry.y.to_numpy(), 2)
        )
    if "x" in frame and lonlat:
        points = gpd.GeoSeries(gpd.points_from_xy(frame["x"], frame["y"]), crs=WORKING_CRS)
        points = points.to_crs(_WGS84)
        frame = frame.drop(columns=["x", "y"]).assign(
            lon=np.round(points.x.to_numpy(), 6), lat=np.round(points.y.to_numpy(), 6)
        )
    for column in frame.columns:
        if frame[column].dtype == bool:
            frame[column] = np.where(frame[column], "true", "false")
        elif np.issubdtype(frame[column].dtype, np.datetime64):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d")
    frame.to_csv(path, index=False, lineterminator="\n")


# --------------------------------------------------------------------------- entry point


def generate_scenario(
    out_dir: Path,
    params: ScenarioParams | None = None,
    *,
    truth_dir: Path | None = None,
    formats: Mapping[str, str] | None = None,
    reference_dir: Path = DEFAULT_REFERENCE_DIR,
) -> ScenarioTruth:
    """Generate a scenario, write its contract data directory, return the hidden truth.

    Parameters
    ----------
    out_dir : Path
        Data directory to write (created; layer files in it are replaced).
    params : ScenarioParams, optional
        Scenario parameters; the defaults give the committed demo.
    truth_dir : Path, optional
        Where to write the truth (``hidden_sites.csv`` and companions); keep it outside
        ``out_dir`` so that the engine never sees it.
    formats : mapping of str to str, optional
        Output format per layer, overriding :data:`DEFAULT_FORMATS`: ``gpkg``,
        ``geojson``, ``parquet``, ``csv`` (points as ``x``/``y``) or ``csv-lonlat``.
    reference_dir : Path
        Directory with the real reference files.

    Returns
    -------
    ScenarioTruth
        Hidden sites and the origin of every generated record.
    """
    params = params or ScenarioParams()
    layer_formats = {**DEFAULT_FORMATS, **(formats or {})}
    span = _Span.from_params(params)
    world = build_world(params, reference_dir)
    stop_dates = _stop_dates(world.profiles, span, _rng(params, "farms"))
    sites = _plan_sites(world, stop_dates, span, params, _rng(params, "sites"))
    stop_dates = _stops_before_sites(stop_dates, sites, _rng(params, "farms-fix"))
    inspections, sites = _simulate_inspections(
        world, sites, span, params, _rng(params, "inspections")
    )
    sites = _finish_sites(sites.reset_index(drop=True), world, span)
    inspections = inspections.assign(
        site_id=np.where(
            inspections["site_idx"] >= 0,
            sites["site_id"].reindex(inspections["site_idx"]).to_numpy(),
            "",
        ),
        address_id=world.profiles["address_id"].to_numpy()[inspections["address_idx"].to_numpy()],
    )
    dumpings, dumping_origins = _make_dumpings(world, sites, span, params, _rng(params, "dumpings"))
    reports, report_origins = _make_reports(
        world, sites, dumpings, span, params, _rng(params, "reports")
    )
    dumpings = dumpings.assign(
        observed_at=_format_times(
            _rng(params, "dumping-times"), dumpings["observed_at"].to_numpy(), params.datetime_share
        )
    )
    layers: dict[str, pd.DataFrame] = {
        "area": world.area,
        "roads": world.roads,
        "addresses": world.addresses,
        "vacant_buildings": _make_vacant_buildings(
            world, stop_dates, span, params, _rng(params, "vacant")
        ),
        "dumpings": dumpings,
        "reports": reports,
        "inspections": _inspection_layer(inspections),
    }
    if params.energy_coverage > 0:
        monthly = _monthly_baseline_kwh(world, span, params, _rng(params, "energy"))
        monthly += _site_monthly_kwh(sites, len(world.profiles), span, _rng(params, "site-energy"))
        layers["energy"] = _energy_records(monthly, world, span, params, _rng(params, "meters"))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("energy.*"):
        stale.unlink()
    for name, layer in layers.items():
        _check_categories(layer, name)
        _write_layer(layer, out_dir, name, layer_formats[name])
    truth = ScenarioTruth(
        hidden_sites=_truth_sites(sites),
        address_profiles=world.profiles.drop(columns=["x", "y"]).round({"km_to_village": 3}),
        dumping_origins=dumping_origins,
        report_origins=report_origins,
        inspection_reasons=inspections[["address_id", "inspected_at", "reason", "site_id"]],
        params=params,
    )
    if truth_dir is not None:
        write_truth(truth, Path(truth_dir))
    logger.info("scenario written to %s: %d sites", out_dir, len(sites))
    return truth


def _stops_before_sites(
    stop_dates: np.ndarray, sites: pd.DataFrame, rng: np.random.Generator
) -> np.ndarray:
    """A site on a stopped farm moves in after the farm stopped: move the stop date earlier."""
    fixed = stop_dates.copy()
    idx = sites["address_idx"].to_numpy()
    has_stop = ~np.isnat(fixed[idx])
    start = sites["active_from"].to_numpy().astype("datetime64[D]")
    late = has_stop & (fixed[idx] >= start)
    lead = rng.integers(30, 700, len(idx)).astype("timedelta64[D]")
    fixed[idx[late]] = start[late] - lead[late]
    return fixed


def _check_categories(layer: pd.DataFrame, name: str) -> None:
    """Guard against drift from the contract: every category value must be allowed."""
    for column in LAYER_SCHEMAS[name].columns:
        if column.categories and column.name in layer:
            unknown = set(layer[column.name].dropna()) - set(column.categories)
            if unknown:
                raise ValueError(f"{name}.{column.name}: values outside the contract: {unknown}")


def _inspection_layer(inspections: pd.DataFrame) -> pd.DataFrame:
    """The ``inspections`` layer: address, date, outcome; sorted by date and address."""
    layer = inspections[list(LAYER_SCHEMAS["inspections"].column_names)]
    return layer.sort_values(["inspected_at", "address_id"], kind="stable").reset_index(drop=True)


def _truth_sites(sites: pd.DataFrame) -> pd.DataFrame:
    """The hidden-site table handed to evaluation."""
    ongoing = sites["end_reason"].eq("ongoing")
    repeat_of = sites["repeat_of"].map(lambda i: sites["site_id"].iloc[i] if i >= 0 else "")
    return pd.DataFrame(
        {
            "site_id": sites["site_id"],
            "address_id": sites["address_id"],
            "site_type": sites["site_type"],
            "active_from": sites["active_from"].dt.normalize(),
            "active_until": sites["active_until_eff"].where(~ongoing),
            "uses_meter_bypass": sites["uses_meter_bypass"],
            "found_at": sites["found_at"],
            "end_reason": sites["end_reason"],
            "repeat_of": repeat_of,
            "extra_kwh_per_year": sites["extra_kwh_per_year"],
            "metered_fraction": sites["metered_fraction"],
            "x": np.round(sites["x"], 1),
            "y": np.round(sites["y"], 1),
            "profile": sites["profile"],
        }
    )


def write_truth(truth: ScenarioTruth, truth_dir: Path) -> None:
    """Write the hidden truth as CSV files (and the parameters as JSON) to ``truth_dir``.

    Parameters
    ----------
    truth : ScenarioTruth
        Truth returned by :func:`generate_scenario`.
    truth_dir : Path
        Target directory (created).
    """
    truth_dir.mkdir(parents=True, exist_ok=True)
    tables = {
        "hidden_sites": truth.hidden_sites,
        "address_profiles": truth.address_profiles,
        "dumping_origins": truth.dumping_origins,
        "report_origins": truth.report_origins,
        "inspection_reasons": truth.inspection_reasons,
    }
    for name, table in tables.items():
        _to_csv(table, truth_dir / f"{name}.csv", lonlat=False)
    (truth_dir / "params.json").write_text(json.dumps(asdict(truth.params), indent=2) + "\n")


__all__ = [
    "DEFAULT_FORMATS",
    "DEFAULT_REFERENCE_DIR",
    "SITE_TYPES",
    "ScenarioParams",
    "ScenarioTruth",
    "build_world",
    "generate_scenario",
    "load_reference",
    "write_truth",
]
