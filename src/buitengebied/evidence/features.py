"""Evidence: every declared factor turned into one raw number per address.

:func:`compute_evidence` walks the layer specs (:mod:`buitengebied.evidence.layerspec`) and
applies each one's method to the records known at ``as_of``.  The numbers are raw
(densities per km^2, decayed weights, anomaly z-scores); :mod:`buitengebied.scoring.fusion`
puts them on one scale and fuses them.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from buitengebied.contract import LAYER_SCHEMAS
from buitengebied.dataset import Dataset, ProgressCallback
from buitengebied.evidence.density import GridReaders, kernel_density_at
from buitengebied.evidence.energy import EnergyComparison, compare_energy
from buitengebied.evidence.layerspec import LayerSpec
from buitengebied.evidence.premises import (
    PremisesComponents,
    premises_components,
    seclusion_of,
    use_weights,
    vacancy_matches,
)
from buitengebied.evidence.waste import carried_waste

logger = logging.getLogger(__name__)

_SECONDS_PER_DAY = 86_400.0
_POINT = 0  # shapely type id
# Exact distances are computed on at most this many threads, each given this many pairs.
_MAX_THREADS = 4
_MIN_PAIRS_PER_THREAD = 100_000
# Up to this many records, pairs are found by one ball query per record (_pairs_within).
_MAX_BALL_QUERIES = 10_000


@dataclass
class Evidence:
    """Raw evidence per address and factor.

    Attributes
    ----------
    address_ids : pandas.Index
        Addresses, in the dataset's order.
    raw : pandas.DataFrame
        One column per factor (spec name), one row per address.
    specs : list of LayerSpec
        The factors, in column order.
    layers_used : list of str
        Contract layers that contributed records.
    details : dict of str to pandas.DataFrame
        Per-factor extra columns that explain a value (e.g. energy components).
    """

    address_ids: pd.Index
    raw: pd.DataFrame
    specs: list[LayerSpec]
    layers_used: list[str]
    details: dict[str, pd.DataFrame]


def address_xy(dataset: Dataset) -> np.ndarray:
    """Return the addresses' coordinates as an ``(n, 2)`` array in EPSG:28992."""
    return shapely.get_coordinates(np.asarray(dataset.addresses.geometry))


def compute_evidence(
    dataset: Dataset,
    specs: Iterable[LayerSpec],
    *,
    as_of: pd.Timestamp,
    on_progress: ProgressCallback | None = None,
    shared: SharedEvidence | None = None,
) -> Evidence:
    """Compute every factor's raw evidence for every address.

    Parameters
    ----------
    dataset : Dataset
        Layers already restricted to what was known at ``as_of``
        (:func:`buitengebied.load.timefilter.known_at`).
    specs : iterable of LayerSpec
        The factors to compute.
    as_of : pandas.Timestamp
        The moment of the ranking, for time decay.
    on_progress : callable, optional
        Receives ``(step, fraction)`` after each factor.
    shared : SharedEvidence, optional
        What calls over the same addresses at many moments share
        (:meth:`SharedEvidence.of`).  Default: nothing shared.

    Returns
    -------
    Evidence

    Raises
    ------
    ValueError
        ``shared`` was built from other addresses than the dataset's.
    """
    specs = list(specs)
    # Built once: several factors search the addresses or look records up by address_id.
    shared = shared if shared is not None else SharedEvidence.of(dataset)
    if not shared.addresses.describes(dataset.addresses):
        raise ValueError("shared evidence was built from other addresses than the dataset's")
    targets, address_ids = shared.addresses.xy, shared.addresses.ids
    columns: dict[str, np.ndarray] = {}
    details: dict[str, pd.DataFrame] = {}
    used: list[str] = []
    for step, spec in enumerate(specs):
        if on_progress is not None:
            on_progress(f"factor {spec.name}", step / max(len(specs), 1))
        source = dataset.layer(spec.source_layer)
        if source is None:
            columns[spec.name] = np.zeros(len(targets))
            continue
        values, detail = _evidence_for(spec, source, dataset, shared, as_of)
        columns[spec.name] = values
        if detail is not None:
            details[spec.name] = detail
        if spec.source_layer != "addresses" and spec.source_layer not in used and len(source):
            used.append(spec.source_layer)
    if on_progress is not None:
        on_progress("evidence computed", 1.0)
    raw = pd.DataFrame(columns, index=address_ids)
    return Evidence(address_ids, raw, specs, used, details)


@dataclass(frozen=True)
class AddressLookup:
    """The addresses as every factor of a :func:`compute_evidence` call needs them.

    Nothing here depends on the moment: the addresses are timeless, so evidence at many
    moments (training cut-offs) shares one lookup instead of building the coordinates,
    the KD-tree and the id index (with its hash table) again per moment.

    Attributes
    ----------
    xy : numpy.ndarray, shape (n, 2)
        Coordinates in EPSG:28992.
    tree : scipy.spatial.cKDTree
        KD-tree of ``xy``.
    ids : pandas.Index
        ``address_id`` by position.
    readers : GridReaders
        Bilinear readers of kernel-density grids at ``xy``.
    """

    xy: np.ndarray
    tree: cKDTree
    ids: pd.Index
    readers: GridReaders

    @classmethod
    def of(cls, dataset: Dataset) -> AddressLookup:
        """Build the lookup of a dataset's addresses.

        Parameters
        ----------
        dataset : Dataset
            Its ``addresses`` layer is read.

        Returns
        -------
        AddressLookup
        """
        xy = address_xy(dataset)
        ids = pd.Index(dataset.addresses["address_id"], name="address_id")
        return cls(xy, cKDTree(xy), ids, GridReaders(xy))

    def describes(self, addresses: pd.DataFrame) -> bool:
        """Whether the lookup was built from ``addresses`` (same number, same ids)."""
        if len(addresses) != len(self.ids):
            return False
        return bool((addresses["address_id"].to_numpy(dtype=object) == self.ids.to_numpy()).all())

    def positions(self, records: pd.DataFrame) -> np.ndarray:
        """Return each record's address position by ``address_id`` (-1 when unlinked)."""
        if "address_id" not in records:
            return np.full(len(records), -1, dtype=np.int64)
        return self.ids.get_indexer(records["address_id"].astype(object))


@dataclass
class SharedEvidence:
    """What :func:`compute_evidence` calls over the same addresses at many moments share.

    Built once (:meth:`of`) and passed to every call, e.g. over the training cut-offs:
    the :class:`AddressLookup`, and each energy factor's comparison
    (:func:`~buitengebied.evidence.energy.compare_energy`) of the rows it was last made
    from, reused while a call passes those very rows (the same frame) again.

    Attributes
    ----------
    addresses : AddressLookup
        The addresses.
    energy : dict of str to (pandas.DataFrame, EnergyComparison)
        Per energy factor: the rows compared and their comparison.
    seclusions : dict
        The premises' distance from the village edge per parameter set (timeless).
    uses : dict of str to numpy.ndarray
        Per premises factor: the weight of each address's use (timeless).
    premises : dict of str to (Dataset, PremisesComponents)
        Per premises factor: the moment's dataset and its components, so that a
        ``carried_waste`` factor reads its host's premises without computing them again.
    full : Dataset, optional
        All records, of which each moment's dataset holds the known rows.
    known_rows : mapping of str to numpy.ndarray, optional
        Per layer with a time rule, the positions in ``full`` of the rows known at the
        moment being computed (:meth:`at_moment`).
    vacancies : dict of float to (numpy.ndarray, numpy.ndarray)
        :func:`~buitengebied.evidence.premises.vacancy_matches` of ``full`` per match
        distance: a register row matches the same addresses at every moment it is known.
    """

    addresses: AddressLookup
    energy: dict[str, tuple[pd.DataFrame, EnergyComparison]] = field(default_factory=dict)
    seclusions: dict[tuple[float, float, float], np.ndarray] = field(default_factory=dict)
    uses: dict[str, np.ndarray] = field(default_factory=dict)
    premises: dict[str, tuple[Dataset, PremisesComponents]] = field(default_factory=dict)
    full: Dataset | None = None
    known_rows: Mapping[str, np.ndarray] | None = None
    vacancies: dict[float, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @classmethod
    def of(cls, dataset: Dataset) -> SharedEvidence:
        """Start sharing over the addresses of ``dataset`` (see :meth:`AddressLookup.of`).

        ``dataset`` holds all records; the moments' datasets hold its known rows.
        """
        return cls(AddressLookup.of(dataset), full=dataset)

    def at_moment(self, known_rows: Mapping[str, np.ndarray]) -> SharedEvidence:
        """The same caches, for the moment whose known rows (positions in ``full``) are given.

        Parameters
        ----------
        known_rows : mapping of str to numpy.ndarray
            As :func:`~buitengebied.load.timefilter.known_at_moments` yields them.

        Returns
        -------
        SharedEvidence
            A view that shares every cache with this one.
        """
        return replace(self, known_rows=known_rows)

    def vacancy_matches_at(
        self, dataset: Dataset, max_distance_m: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """:func:`~buitengebied.evidence.premises.vacancy_matches` of the moment's register.

        Matched once over all register rows of ``full`` and kept to the rows known at the
        moment, when the moment's register is those rows; matched directly otherwise.
        """
        full = self.full
        register = dataset.layer("vacant_buildings")
        everything = None if full is None else full.layer("vacant_buildings")
        known = None if self.known_rows is None else self.known_rows.get("vacant_buildings")
        if (
            full is None
            or register is None
            or everything is None
            or (known is None and register is not everything)
            or (known is not None and len(known) != len(register))
        ):
            return vacancy_matches(dataset, max_distance_m=max_distance_m)
        if max_distance_m not in self.vacancies:
            self.vacancies[max_distance_m] = vacancy_matches(full, max_distance_m=max_distance_m)
        rows, addresses = self.vacancies[max_distance_m]
        if known is None:
            return rows, addresses
        position = np.searchsorted(known, rows)
        is_known = position < len(known)
        is_known[is_known] = known[position[is_known]] == rows[is_known]
        return position[is_known], addresses[is_known]

    def energy_comparison(
        self, name: str, energy: pd.DataFrame, addresses: pd.DataFrame
    ) -> EnergyComparison:
        """The comparison of factor ``name`` over ``energy``, made once per frame."""
        made = self.energy.get(name)
        if made is None or made[0] is not energy:
            made = (energy, compare_energy(energy, addresses))
            self.energy[name] = made
        return made[1]

    def seclusion(self, params: Mapping[str, Any]) -> np.ndarray:
        """The addresses' :func:`~buitengebied.evidence.premises.seclusion_of`, made once."""
        key = (
            float(params["village_radius_m"]),
            float(params["village_min_addresses"]),
            float(params["edge_scale_m"]),
        )
        if key not in self.seclusions:
            self.seclusions[key] = seclusion_of(self.addresses.xy, params)
        return self.seclusions[key]

    def premises_at(self, spec: LayerSpec, dataset: Dataset) -> PremisesComponents:
        """The components of premises factor ``spec`` over ``dataset``, made once per moment.

        The timeless parts (seclusion, use) are made once over all moments; the rest
        (the register rows known) once per ``dataset`` (the same object).
        """
        made = self.premises.get(spec.name)
        if made is None or made[0] is not dataset:
            if spec.name not in self.uses:
                self.uses[spec.name] = use_weights(spec, dataset.addresses)
            components = premises_components(
                spec,
                dataset,
                seclusion=self.seclusion(spec.params),
                use=self.uses[spec.name],
                matches=self.vacancy_matches_at(dataset, float(spec.params["match_distance_m"])),
            )
            made = (dataset, components)
            self.premises[spec.name] = made
        return made[1]


def _evidence_for(
    spec: LayerSpec,
    source: pd.DataFrame,
    dataset: Dataset,
    shared: SharedEvidence,
    as_of: pd.Timestamp,
) -> tuple[np.ndarray, pd.DataFrame | None]:
    addresses = shared.addresses
    if spec.method == "energy_anomaly":
        anomaly = shared.energy_comparison(spec.name, source, dataset.addresses).anomaly_at(as_of)
        return anomaly["anomaly"].to_numpy(dtype=float), anomaly.set_index("address_id")
    if spec.method == "remoteness":
        return _remoteness(addresses.xy, spec.params["bandwidth_m"]), None
    if spec.method == "premises":
        components = shared.premises_at(spec, dataset)
        return components.combined(), components.as_frame(addresses.ids)
    records = select_records(spec, source)
    weights = record_weights(spec, records, as_of=as_of)
    if spec.method == "linked":
        return _linked(records, weights, addresses), None
    if spec.method == "outcome_damping":
        return _damping(records, weights, addresses), None
    if spec.method == "carried_waste":
        if len(records) == 0 or "geometry" not in records:
            return np.zeros(len(addresses.ids)), None
        xy = record_points(records)
        host = None if spec.host is None else shared.premises_at(spec.host, dataset).combined()
        return carried_waste(spec, records, weights, xy, addresses.xy, host), None
    if spec.method == "nearest":
        return _nearest(spec, records, weights, dataset, addresses), None
    return (
        _kernel_density(spec, records, weights, dataset, addresses.xy, readers=addresses.readers),
        None,
    )


def select_records(spec: LayerSpec, records: pd.DataFrame) -> pd.DataFrame:
    """Return the records that pass the spec's ``[evidence.filter]``."""
    keep = np.ones(len(records), dtype=bool)
    for column, allowed in spec.filters.items():
        if column not in records:
            return records.iloc[0:0]
        keep &= records[column].astype("string").str.lower().isin(allowed).to_numpy(dtype=bool)
    return records.loc[keep]


def record_weights(spec: LayerSpec, records: pd.DataFrame, *, as_of: pd.Timestamp) -> np.ndarray:
    """Weight of each record: per-value weights times time decay.

    Parameters
    ----------
    spec : LayerSpec
        The factor.
    records : pandas.DataFrame
        Its selected records.
    as_of : pandas.Timestamp
        Ages are measured up to this moment.

    Returns
    -------
    numpy.ndarray
        One non-negative weight per record.
    """
    weights = np.ones(len(records))
    for table in spec.record_weights:
        if table.column not in records:
            weights *= table.default
            continue
        values = records[table.column].astype("string").str.lower()
        mapped = values.map(table.values).astype(float).fillna(table.default)
        weights *= mapped.to_numpy(dtype=float)
    time_column = _time_column(spec, records)
    if spec.half_life_days and time_column is not None:
        moments = records[time_column]
        age_days = ((as_of - moments).dt.total_seconds() / _SECONDS_PER_DAY).to_numpy(
            dtype=float, na_value=0.0
        )
        weights *= 0.5 ** (np.maximum(age_days, 0.0) / spec.half_life_days)
    return weights


def _time_column(spec: LayerSpec, records: pd.DataFrame) -> str | None:
    column = LAYER_SCHEMAS[spec.source_layer].time_column
    return column if column is not None and column in records else None


def record_points(records: pd.DataFrame) -> np.ndarray:
    """Return one representative point per record as an ``(n, 2)`` array."""
    geometry = np.asarray(records.geometry)
    if (shapely.get_type_id(geometry) == _POINT).all():
        # A point is its own representative point; skip building a million new ones.
        return shapely.get_coordinates(geometry).reshape(-1, 2)
    points = shapely.point_on_surface(geometry)
    return shapely.get_coordinates(points).reshape(-1, 2)


def kernel_density_evidence(
    spec: LayerSpec, dataset: Dataset, targets: np.ndarray, *, as_of: pd.Timestamp
) -> np.ndarray:
    """Raw evidence of a ``kernel_density`` factor at arbitrary points (e.g. grid cells).

    Parameters
    ----------
    spec : LayerSpec
        A factor whose method is ``kernel_density``.
    dataset : Dataset
        Records known at ``as_of``.
    targets : numpy.ndarray, shape (m, 2)
        Where to read the evidence, EPSG:28992.
    as_of : pandas.Timestamp
        Moment of the ranking, for time decay.

    Returns
    -------
    numpy.ndarray, shape (m,)
    """
    source = dataset.layer(spec.source_layer)
    if source is None:
        return np.zeros(len(targets))
    records = select_records(spec, source)
    return _kernel_density(
        spec, records, record_weights(spec, records, as_of=as_of), dataset, targets
    )


def _kernel_density(
    spec: LayerSpec,
    records: pd.DataFrame,
    weights: np.ndarray,
    dataset: Dataset,
    targets: np.ndarray,
    *,
    readers: GridReaders | None = None,
) -> np.ndarray:
    if len(records) == 0 or "geometry" not in records:
        return np.zeros(len(targets))
    density = kernel_density_at(
        record_points(records),
        weights,
        targets,
        bandwidth_m=spec.params["bandwidth_m"],
        readers=readers,
    )
    if spec.effort is None:
        return density
    return density / observation_effort(spec, dataset, targets, readers=readers)


def observation_effort(
    spec: LayerSpec,
    dataset: Dataset,
    targets: np.ndarray,
    *,
    readers: GridReaders | None = None,
) -> np.ndarray:
    """Divisor for a signal's density by the observation effort at ``targets``.

    Reports cluster where people walk, not only where crime is.  All records of the
    effort layer (every category, unweighted) show where people look.  Their kernel
    density at a wide bandwidth, times the kernel's effective area ``2 pi sigma^2``, is the
    number of reports "around" a place; the divisor is ``1 + around / reference_count``.
    It is absolute, not relative to other places, so adding reports far away changes
    nothing here, and ten reports in a busy village weigh less than ten at a lonely farm.

    Parameters
    ----------
    spec : LayerSpec
        A factor with an ``effort`` table.
    dataset : Dataset
        The known records.
    targets : numpy.ndarray
        Address coordinates.
    readers : GridReaders, optional
        Readers of ``targets`` kept between calls (:func:`kernel_density_at`).

    Returns
    -------
    numpy.ndarray
        Divisor per target, at least 1.
    """
    assert spec.effort is not None
    effort_records = dataset.layer(spec.effort.source_layer)
    if effort_records is None or len(effort_records) == 0 or "geometry" not in effort_records:
        return np.ones(len(targets))
    bandwidth_m = spec.effort.bandwidth_m
    density_per_km2 = kernel_density_at(
        record_points(effort_records),
        np.ones(len(effort_records)),
        targets,
        bandwidth_m=bandwidth_m,
        readers=readers,
    )
    around = density_per_km2 / 1e6 * 2.0 * np.pi * bandwidth_m**2
    return 1.0 + around / spec.effort.reference_count


def _linked(records: pd.DataFrame, weights: np.ndarray, addresses: AddressLookup) -> np.ndarray:
    positions = addresses.positions(records)
    linked = positions >= 0
    return np.bincount(positions[linked], weights[linked], minlength=len(addresses.ids)).astype(
        float
    )


#: Largest share of the score one record of a damping modifier may take away.
MAX_DAMPING_SHARE = 0.99


def _damping(records: pd.DataFrame, weights: np.ndarray, addresses: AddressLookup) -> np.ndarray:
    """Log of the share of the score the records leave: ``sum log(1 - weight)`` per address.

    A record's weight (its per-value weight times its time decay) is the share of the
    score it takes away; several records multiply.
    """
    positions = addresses.positions(records)
    linked = positions >= 0
    kept = np.log1p(-np.clip(weights[linked], 0.0, MAX_DAMPING_SHARE))
    return np.bincount(positions[linked], kept, minlength=len(addresses.ids)).astype(float)


def _nearest(
    spec: LayerSpec,
    records: pd.DataFrame,
    weights: np.ndarray,
    dataset: Dataset,
    addresses: AddressLookup,
) -> np.ndarray:
    """Strongest ``weight * exp(-distance / scale_m)`` over records within reach."""
    result = np.zeros(len(addresses.ids))
    if len(records) == 0:
        return result
    scale, reach = spec.params["scale_m"], spec.params["max_distance_m"]
    pairs = _candidate_pairs(np.asarray(records.geometry), addresses, reach)
    # Exact distances to lines and polygons cost most: first drop every pair that cannot
    # be its address's strongest, judged on bounds of the distance alone.
    surely_within = pairs.upper <= reach
    floor = np.zeros(len(result))
    np.maximum.at(
        floor,
        pairs.address[surely_within],
        weights[pairs.record[surely_within]] * np.exp(-pairs.upper[surely_within] / scale),
    )
    could_win = weights[pairs.record] * np.exp(-pairs.lower / scale) >= floor[pairs.address]
    pairs = pairs.subset(could_win & (pairs.lower <= reach))
    distance = pairs.exact_distance(np.asarray(dataset.addresses.geometry))
    within = distance <= reach
    np.maximum.at(
        result,
        pairs.address[within],
        weights[pairs.record[within]] * np.exp(-distance[within] / scale),
    )
    positions = addresses.positions(records)
    linked = positions >= 0
    np.maximum.at(result, positions[linked], weights[linked])
    return result


@dataclass
class _Pairs:
    """Candidate (record, address) pairs with bounds of their distance.

    For point records the bounds are the exact distance; for other geometries they follow
    from the distance to the bounding-box centre, ``centre -/+ half-diagonal``.
    """

    record: np.ndarray
    address: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    geometry: np.ndarray  # of the records
    is_point: np.ndarray  # per pair

    def subset(self, keep: np.ndarray) -> _Pairs:
        """Return the pairs where ``keep`` is True."""
        return _Pairs(
            self.record[keep],
            self.address[keep],
            self.lower[keep],
            self.upper[keep],
            self.geometry,
            self.is_point[keep],
        )

    def exact_distance(self, address_geometry: np.ndarray) -> np.ndarray:
        """Distance of every pair (0 inside a polygon)."""
        distance = self.upper.copy()
        other = np.flatnonzero(~self.is_point)
        distance[other] = _parallel_distance(
            address_geometry[self.address[other]], self.geometry[self.record[other]]
        )
        return distance


def _candidate_pairs(geometry: np.ndarray, addresses: AddressLookup, reach: float) -> _Pairs:
    """Every (record, address) pair that may lie within ``reach`` metres.

    Point records are paired by the KD-trees with their exact distance.  Other geometries
    are searched from their bounding-box centre, which lies within the half-diagonal of
    every part of the geometry.
    """
    present = ~shapely.is_missing(geometry) & ~shapely.is_empty(geometry)
    is_point = present & (shapely.get_type_id(geometry) == _POINT)
    records, address, lower, upper, point = [], [], [], [], []
    point_rows = np.flatnonzero(is_point)
    if len(point_rows):
        # A hair beyond reach, so that no pair at exactly ``reach`` is lost to rounding.
        i, j, v = _pairs_within(
            shapely.get_coordinates(geometry[point_rows]), addresses, reach * (1.0 + 1e-9)
        )
        records.append(point_rows[i])
        address.append(j)
        lower.append(v)
        upper.append(v)
        point.append(np.ones(len(i), dtype=bool))
    other_rows = np.flatnonzero(present & ~is_point)
    if len(other_rows):
        bounds = shapely.bounds(geometry[other_rows])
        centres = np.column_stack(
            [(bounds[:, 0] + bounds[:, 2]) / 2.0, (bounds[:, 1] + bounds[:, 3]) / 2.0]
        )
        half_diagonal = 0.5 * np.hypot(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
        radius = reach + half_diagonal
        # One search per doubling of the radius, so a single huge polygon does not widen
        # the search for all others.
        size_class = np.ceil(np.log2(np.maximum(radius, 1.0))).astype(np.int64)
        for members in (np.flatnonzero(size_class == c) for c in np.unique(size_class)):
            i, j, v = _pairs_within(centres[members], addresses, radius[members].max())
            candidate = v <= radius[members][i]
            rows = members[i[candidate]]
            centre_distance = v[candidate]
            records.append(other_rows[rows])
            address.append(j[candidate])
            lower.append(np.maximum(centre_distance - half_diagonal[rows], 0.0))
            upper.append(centre_distance + half_diagonal[rows])
            point.append(np.zeros(len(rows), dtype=bool))
    if not records:
        empty = np.empty(0, dtype=np.int64)
        return _Pairs(empty, empty, np.empty(0), np.empty(0), geometry, np.empty(0, dtype=bool))
    return _Pairs(
        np.concatenate(records),
        np.concatenate(address),
        np.concatenate(lower),
        np.concatenate(upper),
        geometry,
        np.concatenate(point),
    )


def _pairs_within(
    points: np.ndarray, addresses: AddressLookup, radius: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(point, address, distance) of every pair within ``radius``, in no particular order.

    Few points (the records that became known since the previous training cut-off) are
    looked up one ball query each: a KD-tree of a few scattered points has nodes that
    overlap most of the addresses' tree, so the dual-tree search costs as much as for
    all records.  The distance is computed as the KD-tree computes it, so both searches
    give the same numbers to the bit.
    """
    if len(points) > _MAX_BALL_QUERIES:
        pairs = cKDTree(points).sparse_distance_matrix(
            addresses.tree, radius, output_type="ndarray"
        )
        return pairs["i"], pairs["j"], pairs["v"]
    found = addresses.tree.query_ball_point(points, radius, return_sorted=False)
    counts = np.fromiter(map(len, found), dtype=np.int64, count=len(points))
    i = np.repeat(np.arange(len(points)), counts)
    j = np.fromiter(itertools.chain.from_iterable(found), dtype=np.int64, count=int(counts.sum()))
    offset = points[i] - addresses.xy[j]
    return i, j, np.sqrt(offset[:, 0] * offset[:, 0] + offset[:, 1] * offset[:, 1])


def _parallel_distance(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``shapely.distance`` over millions of pairs, in chunks on all cores.

    Shapely releases the GIL in its vectorised functions, so threads run in parallel.
    """
    n_chunks = min(_MAX_THREADS, os.cpu_count() or 1, max(len(left) // _MIN_PAIRS_PER_THREAD, 1))
    if n_chunks == 1:
        return shapely.distance(left, right)
    bounds = np.linspace(0, len(left), n_chunks + 1).astype(np.int64)
    chunks = [slice(start, stop) for start, stop in itertools.pairwise(bounds)]
    with ThreadPoolExecutor(n_chunks) as pool:
        parts = pool.map(lambda chunk: shapely.distance(left[chunk], right[chunk]), chunks)
        return np.concatenate(list(parts))


def _remoteness(targets: np.ndarray, bandwidth_m: float) -> np.ndarray:
    """1 / (expected number of addresses within about one bandwidth, self included)."""
    density_per_km2 = kernel_density_at(
        targets, np.ones(len(targets)), targets, bandwidth_m=bandwidth_m
    )
    neighbours = density_per_km2 / 1e6 * 2.0 * np.pi * bandwidth_m**2
    return 1.0 / np.maximum(neighbours, 1.0)
