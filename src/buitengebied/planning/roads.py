"""Travel times for a patrol night: over the ``roads`` layer, or straight lines without it.

Two kinds of road files are read as partners have them:

- **NWB wegvakken** (Rijkswaterstaat): a segment runs from junction ``jte_id_beg`` to
  ``jte_id_end``; ``rijrichtng`` says which way it may be driven (``H`` along the digitised
  direction, ``T`` against it, ``B`` both, ``O`` unknown, taken as both). NWB has no speed
  limits, so the road authority ``wegbehsrt`` gives the speed (:data:`NWB_SPEEDS_KMH`).
- **OpenStreetMap-derived lines**: ``highway`` (road class), ``maxspeed`` (km/h) and
  ``oneway`` (``yes``/``true``/``1`` along, ``-1`` against; ``reversible`` and
  ``alternating`` change with the hour and are taken as both ways). Ways meet at shared
  vertices, so every vertex is a node. Farm tracks and lanes (``track``, ``unclassified``,
  ``service``) are kept: patrols drive them. Foot and cycle paths are left out
  (:data:`NOT_DRIVABLE`).

Any other line file is read like OSM lines (every vertex a node; ``maxspeed`` where given).
A road's speed is its ``maxspeed``, else its class's speed, else :data:`DEFAULT_SPEED_KMH`;
a team drives at :data:`SPEED_FRACTION` of it (junctions, bends, dark lanes).

Addresses and team points join the road network at the nearest node of its largest
strongly connected component (so that every stop can be reached from every other and back),
over a straight connector leg at :data:`CONNECTOR_SPEED_KMH`.

Without roads the travel time is the straight-line distance times :data:`DETOUR_FACTOR`
at :data:`FALLBACK_SPEED_KMH`, and the plan says so.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Final, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from buitengebied.errors import ContractError

#: Speed (km/h) per OSM ``highway`` class when a road has no ``maxspeed``.
HIGHWAY_SPEEDS_KMH: Final = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 80.0,
    "primary_link": 50.0,
    "secondary": 80.0,
    "secondary_link": 50.0,
    "tertiary": 60.0,
    "tertiary_link": 40.0,
    "unclassified": 60.0,
    "residential": 30.0,
    "living_street": 15.0,
    "road": 50.0,
    "service": 20.0,
    "track": 25.0,
}
#: OSM ``highway`` values a patrol car does not drive.
NOT_DRIVABLE: Final = frozenset(
    {
        "footway",
        "cycleway",
        "path",
        "pedestrian",
        "steps",
        "bridleway",
        "corridor",
        "platform",
        "construction",
        "proposed",
        "abandoned",
        "razed",
        "bus_guideway",
        "raceway",
    }
)
#: Speed (km/h) per NWB road authority ``wegbehsrt``: rijk (motorways), provincie,
#: waterschap (polder and dyke roads), gemeente (mostly 60 outside and 30-50 inside
#: villages: 50 as the middle), other (private and unknown lanes).
NWB_SPEEDS_KMH: Final = {"r": 100.0, "p": 80.0, "w": 50.0, "g": 50.0, "t": 30.0}
#: Speed (km/h) of a road with neither ``maxspeed`` nor a known class.
DEFAULT_SPEED_KMH: Final = 50.0
#: Share of the speed limit a patrol car keeps on average.
SPEED_FRACTION: Final = 0.85
#: Speed (km/h) over the straight leg from an address to its nearest road node.
CONNECTOR_SPEED_KMH: Final = 15.0
#: Without roads: straight-line distance times this factor ...
DETOUR_FACTOR: Final = 1.35
#: ... driven at this speed (km/h).
FALLBACK_SPEED_KMH: Final = 50.0
#: Vertices closer than this (m) are one node (OSM ways meet at shared vertices).
_NODE_PRECISION_M: Final = 0.1
_ONEWAY_ALONG: Final = frozenset({"yes", "true", "1"})
_ONEWAY_AGAINST: Final = frozenset({"-1"})


class TravelModel(Protocol):
    """Travel times and the lines driven between points in EPSG:28992."""

    @property
    def description(self) -> str:
        """One sentence saying how travel times are computed."""
        ...

    @property
    def uses_roads(self) -> bool:
        """Whether travel follows a road network."""
        ...

    def travel_seconds(self, points: np.ndarray) -> np.ndarray:
        """Return the ``(n, n)`` matrix of driving seconds between ``points`` (``(n, 2)``)."""
        ...

    def path(self, origin: np.ndarray, destination: np.ndarray) -> np.ndarray:
        """Return the ``(k, 2)`` coordinates driven from ``origin`` to ``destination``."""
        ...


@dataclass(frozen=True)
class StraightLineTravel:
    """Travel without roads: straight-line distance times a detour factor (see module)."""

    detour_factor: float = DETOUR_FACTOR
    speed_kmh: float = FALLBACK_SPEED_KMH

    @property
    def description(self) -> str:
        """Say plainly that no roads were used."""
        return (
            f"Geen wegenbestand (roads): reistijden zijn geschat als hemelsbrede afstand "
            f"x {self.detour_factor:g} bij {self.speed_kmh:g} km/u; de route volgt de wegen "
            "niet."
        )

    @property
    def uses_roads(self) -> bool:
        """Always ``False``."""
        return False

    def travel_seconds(self, points: np.ndarray) -> np.ndarray:
        """Return straight-line seconds times the detour factor."""
        points = np.asarray(points, dtype=float)
        distance = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
        return distance * self.detour_factor / (self.speed_kmh / 3.6)

    def path(self, origin: np.ndarray, destination: np.ndarray) -> np.ndarray:
        """Return the straight line."""
        return np.array([origin, destination], dtype=float)


@dataclass(frozen=True)
class RoadGraph:
    """A directed road graph whose edge weights are driving seconds.

    Attributes
    ----------
    nodes : numpy.ndarray
        ``(n, 2)`` node coordinates in EPSG:28992.
    seconds : scipy.sparse.csr_matrix
        ``seconds[i, j]``: seconds to drive the edge from node ``i`` to node ``j``.
    edge_lines : dict of (int, int) to numpy.ndarray
        Coordinates of each edge, in the direction of travel.
    component : numpy.ndarray of bool
        Nodes of the largest strongly connected component (where points join).
    component_sizes : tuple of int
        Sizes of the strongly connected components, largest first.
    kind : str
        ``"nwb"`` or ``"lines"`` (OSM-style).
    """

    nodes: np.ndarray
    seconds: sparse.csr_matrix
    edge_lines: dict[tuple[int, int], np.ndarray]
    component: np.ndarray
    component_sizes: tuple[int, ...]
    kind: str

    @property
    def description(self) -> str:
        """Say which roads the travel times follow."""
        source = "NWB-wegvakken" if self.kind == "nwb" else "wegenbestand (lijnen)"
        return (
            f"Reistijden over het wegenbestand ({source}): {len(self.nodes):,} knopen, "
            f"{self.seconds.nnz:,} rijrichtingen; snelheid = maxspeed of wegklasse "
            f"x {SPEED_FRACTION:g}; adressen aangesloten op de dichtstbijzijnde weg."
        )

    @property
    def uses_roads(self) -> bool:
        """Always ``True``."""
        return True

    def snap(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return each point's nearest node of the largest component and the distance (m)."""
        candidates = np.flatnonzero(self.component)
        distance, index = cKDTree(self.nodes[candidates]).query(np.asarray(points, dtype=float))
        return candidates[index], distance

    def travel_seconds(self, points: np.ndarray) -> np.ndarray:
        """Return driving seconds between ``points``, connector legs included."""
        nodes, connector_m = self.snap(points)
        unique, inverse = np.unique(nodes, return_inverse=True)
        between = csgraph.dijkstra(self.seconds, directed=True, indices=unique)[:, unique]
        connector = connector_m / (CONNECTOR_SPEED_KMH / 3.6)
        matrix = between[np.ix_(inverse, inverse)] + connector[:, None] + connector[None, :]
        np.fill_diagonal(matrix, 0.0)
        return matrix

    def path(self, origin: np.ndarray, destination: np.ndarray) -> np.ndarray:
        """Return the road coordinates driven from ``origin`` to ``destination``."""
        (start, end), _ = self.snap(np.array([origin, destination], dtype=float))
        _, predecessors = csgraph.dijkstra(
            self.seconds, directed=True, indices=int(start), return_predecessors=True
        )
        nodes = [int(end)]
        while nodes[-1] != start and predecessors[nodes[-1]] >= 0:
            nodes.append(int(predecessors[nodes[-1]]))
        nodes.reverse()
        pieces = [np.asarray([origin], dtype=float), self.nodes[[nodes[0]]]]
        pieces += [self.edge_lines[(a, b)][1:] for a, b in itertools.pairwise(nodes)]
        pieces.append(np.asarray([destination], dtype=float))
        return np.vstack(pieces)


def travel_model(roads: pd.DataFrame | None) -> TravelModel:
    """Return travel over ``roads``, or straight lines when there are none.

    Parameters
    ----------
    roads : GeoDataFrame or None
        The validated ``roads`` layer (EPSG:28992).

    Returns
    -------
    TravelModel
    """
    if roads is None or len(roads) == 0:
        return StraightLineTravel()
    return build_road_graph(gpd.GeoDataFrame(roads))


def build_road_graph(roads: gpd.GeoDataFrame) -> RoadGraph:
    """Build the directed, timed road graph of a ``roads`` layer (see the module).

    Parameters
    ----------
    roads : GeoDataFrame
        Lines in EPSG:28992, NWB wegvakken or OSM-style.

    Returns
    -------
    RoadGraph

    Raises
    ------
    ContractError
        No drivable road is left.
    """
    roads = _drivable(_single_lines(roads))
    if len(roads) == 0:
        raise ContractError("roads: no drivable road (every line is a foot or cycle path)")
    speeds = _speeds_kmh(roads) * SPEED_FRACTION / 3.6
    along, against = _directions(roads)
    if _is_nwb(roads):
        edges = _nwb_edges(roads)
        kind = "nwb"
    else:
        edges = _vertex_edges(roads)
        kind = "lines"
    return _graph(edges, speeds, along, against, kind)


@dataclass(frozen=True)
class _Edges:
    """Edges before timing: node coordinates, and per edge its road row and coordinates."""

    nodes: np.ndarray
    source: np.ndarray
    target: np.ndarray
    row: np.ndarray
    lines: list[np.ndarray]


def _single_lines(roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    roads = roads[roads.geometry.notna() & ~roads.geometry.is_empty]
    return roads.explode(index_parts=False).reset_index(drop=True)


def _text(roads: pd.DataFrame, column: str) -> pd.Series:
    if column not in roads:
        return pd.Series("", index=roads.index, dtype=object)
    return roads[column].astype("string").str.strip().str.lower().fillna("").astype(object)


def _drivable(roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return roads[~_text(roads, "highway").isin(NOT_DRIVABLE)].reset_index(drop=True)


def _speeds_kmh(roads: gpd.GeoDataFrame) -> np.ndarray:
    speed = pd.Series(np.nan, index=roads.index)
    if "maxspeed" in roads:
        limit = pd.to_numeric(roads["maxspeed"], errors="coerce")
        speed = limit.where(limit > 0)
    speed = speed.fillna(_text(roads, "highway").map(HIGHWAY_SPEEDS_KMH))
    speed = speed.fillna(_text(roads, "wegbehsrt").map(NWB_SPEEDS_KMH))
    return speed.fillna(DEFAULT_SPEED_KMH).to_numpy(dtype=float)


def _directions(roads: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return per road whether it may be driven along and against its digitised direction."""
    nwb = _text(roads, "rijrichtng")
    oneway = _text(roads, "oneway")
    along = ~(nwb.eq("t") | oneway.isin(_ONEWAY_AGAINST))
    against = ~(nwb.eq("h") | oneway.isin(_ONEWAY_ALONG))
    return along.to_numpy(dtype=bool), against.to_numpy(dtype=bool)


def _is_nwb(roads: gpd.GeoDataFrame) -> bool:
    columns = ("jte_id_beg", "jte_id_end")
    return all(c in roads for c in columns) and bool(roads[list(columns)].notna().all().all())


def _nwb_edges(roads: gpd.GeoDataFrame) -> _Edges:
    """One edge per wegvak, between its junctions (placed at the line's end points)."""
    lines = [shapely.get_coordinates(g) for g in roads.geometry]
    ends = roads["jte_id_beg"].astype(str).tolist() + roads["jte_id_end"].astype(str).tolist()
    junctions, index = np.unique(np.array(ends, dtype=object), return_inverse=True)
    nodes = np.zeros((len(junctions), 2))
    nodes[index[: len(lines)]] = [line[0] for line in lines]
    nodes[index[len(lines) :]] = [line[-1] for line in lines]
    n = len(lines)
    return _Edges(nodes, index[:n], index[n:], np.arange(n), lines)


def _vertex_edges(roads: gpd.GeoDataFrame) -> _Edges:
    """One edge per pair of consecutive vertices; equal vertices (rounded) are one node."""
    coordinates, row = shapely.get_coordinates(roads.geometry.to_numpy(), return_index=True)
    keys = np.round(coordinates / _NODE_PRECISION_M).astype(np.int64)
    _, first, index = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    index = index.ravel()
    same_line = row[1:] == row[:-1]
    source, target = index[:-1][same_line], index[1:][same_line]
    lines = [pair for pair in np.stack([coordinates[:-1], coordinates[1:]], axis=1)[same_line]]
    return _Edges(coordinates[first], source, target, row[:-1][same_line], lines)


def _graph(
    edges: _Edges, speeds: np.ndarray, along: np.ndarray, against: np.ndarray, kind: str
) -> RoadGraph:
    lengths = np.array([np.hypot(*np.diff(line, axis=0).T).sum() for line in edges.lines])
    # A zero-length edge would vanish from a sparse matrix; a millisecond keeps it.
    seconds = np.maximum(lengths / speeds[edges.row], 1e-3)
    forward, backward = along[edges.row], against[edges.row]
    source = np.concatenate([edges.source[forward], edges.target[backward]])
    target = np.concatenate([edges.target[forward], edges.source[backward]])
    weight = np.concatenate([seconds[forward], seconds[backward]])
    lines = [edges.lines[i] for i in np.flatnonzero(forward)]
    lines += [edges.lines[i][::-1] for i in np.flatnonzero(backward)]
    keep = source != target
    order = np.lexsort((weight[keep], target[keep], source[keep]))
    edge_lines: dict[tuple[int, int], np.ndarray] = {}
    chosen_s, chosen_t, chosen_w = [], [], []
    kept = np.flatnonzero(keep)[order]
    for i in kept:  # the fastest of parallel edges, with its own line
        key = (int(source[i]), int(target[i]))
        if key not in edge_lines:
            edge_lines[key] = lines[i]
            chosen_s.append(key[0])
            chosen_t.append(key[1])
            chosen_w.append(weight[i])
    n = len(edges.nodes)
    matrix = sparse.csr_matrix((chosen_w, (chosen_s, chosen_t)), shape=(n, n))
    _, labels = csgraph.connected_components(matrix, directed=True, connection="strong")
    sizes = np.bincount(labels)
    largest = int(np.argmax(sizes))
    return RoadGraph(
        nodes=edges.nodes,
        seconds=matrix,
        edge_lines=edge_lines,
        component=labels == largest,
        component_sizes=tuple(int(s) for s in np.sort(sizes)[::-1]),
        kind=kind,
    )
