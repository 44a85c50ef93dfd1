"""Road graphs from NWB wegvakken and OSM-style lines; straight lines without roads."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import write_contract_dir

from buitengebied.load.directory import load_data_dir
from buitengebied.planning.roads import (
    CONNECTOR_SPEED_KMH,
    DETOUR_FACTOR,
    FALLBACK_SPEED_KMH,
    SPEED_FRACTION,
    RoadGraph,
    StraightLineTravel,
    build_road_graph,
    travel_model,
)

NWB = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "nwb"
    / "nwb_wegvakken_wageningen_20201124_rd.gpkg"
)


@pytest.fixture(scope="module")
def nwb_graph(tmp_path_factory: pytest.TempPathFactory) -> tuple[RoadGraph, gpd.GeoDataFrame]:
    """The real NWB extract, loaded through the data contract as a ``roads`` layer."""
    root = write_contract_dir(tmp_path_factory.mktemp("nwb") / "data")
    shutil.copy(NWB, root / "roads.gpkg")
    roads = load_data_dir(root).layer("roads")
    assert roads is not None
    return build_road_graph(gpd.GeoDataFrame(roads)), gpd.GeoDataFrame(roads)


def test_nwb_extract_is_a_routable_graph(nwb_graph: tuple[RoadGraph, gpd.GeoDataFrame]) -> None:
    graph, roads = nwb_graph
    assert graph.kind == "nwb"
    junctions = set(roads["jte_id_beg"]) | set(roads["jte_id_end"])
    assert len(graph.nodes) == len(junctions)
    assert sum(graph.component_sizes) == len(junctions)
    # An urban extract cut from a larger network: one big component, crumbs at the cut.
    assert graph.component_sizes[0] >= 0.6 * len(junctions)
    assert graph.component.sum() == graph.component_sizes[0]


def test_nwb_shortest_paths_are_plausible(nwb_graph: tuple[RoadGraph, gpd.GeoDataFrame]) -> None:
    graph, _ = nwb_graph
    nodes = graph.nodes[graph.component]
    rng = np.random.default_rng(3)
    pairs = rng.choice(len(nodes), size=(40, 2), replace=False)
    ratios = []
    for a, b in pairs:
        path = graph.path(nodes[a], nodes[b])
        driven = np.hypot(*np.diff(path, axis=0).T).sum()
        straight = float(np.hypot(*(nodes[a] - nodes[b])))
        assert straight <= driven + 1e-6
        if straight > 300:
            ratios.append(driven / straight)
        seconds = graph.travel_seconds(np.array([nodes[a], nodes[b]]))[0, 1]
        # Between 20 and 100 km/h over the path driven (speed by road authority).
        assert driven / 100 * 3.6 <= seconds <= driven / (20 * SPEED_FRACTION) * 3.6
    # Town streets: a detour factor of a typical network (1.2 to 1.6), never a region tour.
    assert 1.0 <= float(np.median(ratios)) <= 2.0
    assert max(ratios) < 4.0


def test_nwb_one_way_segments_are_driven_one_way(
    nwb_graph: tuple[RoadGraph, gpd.GeoDataFrame],
) -> None:
    graph, roads = nwb_graph
    one_way = roads[roads["rijrichtng"] == "h"]
    assert len(one_way) > 0
    checked = 0
    for row in one_way.itertuples():
        coords = shapely.get_coordinates(row.geometry)
        begin, end = (
            int(np.flatnonzero(np.all(graph.nodes == xy, axis=1))[0])
            for xy in (coords[0], coords[-1])
        )
        two_way_twin = roads[
            (roads["jte_id_beg"] == row.jte_id_end) & (roads["jte_id_end"] == row.jte_id_beg)
        ]
        if len(two_way_twin):
            continue
        assert graph.seconds[begin, end] > 0
        assert graph.seconds[end, begin] == 0  # no edge against the direction
        checked += 1
    assert checked > 0


def _lines(rows: list[tuple[list[tuple[float, float]], dict[str, object]]]) -> gpd.GeoDataFrame:
    geometry = [shapely.LineString(coords) for coords, _ in rows]
    return gpd.GeoDataFrame([attrs for _, attrs in rows], geometry=geometry, crs="EPSG:28992")


def test_osm_oneway_maxspeed_and_classes() -> None:
    a, b, c = (200_000.0, 450_000.0), (201_000.0, 450_000.0), (200_500.0, 452_000.0)
    roads = _lines(
        [
            ([a, b], {"highway": "residential", "oneway": "yes", "maxspeed": 30}),
            ([b, c], {"highway": "track", "oneway": None, "maxspeed": None}),
            # Digitised a -> c, driven against it: c -> a only.
            ([a, c], {"highway": "unclassified", "oneway": "-1", "maxspeed": None}),
            ([a, (200_000.0, 449_000.0)], {"highway": "footway", "oneway": None, "maxspeed": None}),
        ]
    )
    graph = build_road_graph(roads)
    assert graph.kind == "lines"
    seconds = graph.travel_seconds(np.array([a, b, c]))
    ab = 1000 / (30 * SPEED_FRACTION / 3.6)
    assert seconds[0, 1] == pytest.approx(ab)
    bc = np.hypot(500, 2000) / (25 * SPEED_FRACTION / 3.6)
    ca = np.hypot(500, 2000) / (60 * SPEED_FRACTION / 3.6)
    assert seconds[1, 2] == pytest.approx(bc)
    assert seconds[2, 1] == pytest.approx(min(bc, ca + ab))  # the track, or round by a
    assert seconds[2, 0] == pytest.approx(ca)
    # Against both one-ways: b -> a goes round by c, a -> c by b.
    assert seconds[1, 0] == pytest.approx(bc + ca)
    assert seconds[0, 2] == pytest.approx(ab + bc)
    # The footway is not in the graph: its far end is no node.
    assert not np.any(np.all(np.isclose(graph.nodes, (200_000.0, 449_000.0)), axis=1))


def test_strongly_connected_component_keeps_points_reachable() -> None:
    a, b, c, d = (0.0, 0.0), (1000.0, 0.0), (1000.0, 1000.0), (5000.0, 5000.0)
    offset = np.array([200_000.0, 450_000.0])
    coords = [tuple(np.array(p) + offset) for p in (a, b, c, d)]
    roads = _lines(
        [
            ([coords[0], coords[1]], {"highway": "tertiary"}),
            ([coords[1], coords[2]], {"highway": "tertiary"}),
            ([coords[2], coords[0]], {"highway": "tertiary"}),
            ([coords[2], coords[3]], {"highway": "tertiary", "oneway": "yes"}),
        ]
    )
    graph = build_road_graph(roads)
    assert graph.component_sizes == (3, 1)
    # A point at the dead end joins the network at the nearest node it can leave again.
    seconds = graph.travel_seconds(np.array([coords[0], coords[3]]))
    assert np.isfinite(seconds).all()
    connector = np.hypot(4000, 4000) / (CONNECTOR_SPEED_KMH / 3.6)
    assert seconds[1, 0] >= connector


def test_without_roads_straight_line_times_detour() -> None:
    travel = travel_model(None)
    assert isinstance(travel, StraightLineTravel) and not travel.uses_roads
    assert "Geen wegenbestand" in travel.description
    seconds = travel.travel_seconds(np.array([[0.0, 0.0], [3000.0, 4000.0]]))
    assert seconds[0, 1] == pytest.approx(5000 * DETOUR_FACTOR / (FALLBACK_SPEED_KMH / 3.6))
    assert travel.path(np.array([0.0, 0.0]), np.array([1.0, 1.0])).shape == (2, 2)
