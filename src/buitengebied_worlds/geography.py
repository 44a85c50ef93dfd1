"""The land of a world: the real Bronckhorst boundary and villages, synthetic roads, woods and water.

The boundary (CBS 2022) and the village points (CBS buurt labels 2014) are real and ship as
package data (``reference/``). Roads, woods, brooks and the favourite dumping spots are drawn
per seed: a lane network as a jittered grid of about 900 m (the Achterhoek's pattern of
lanes and scattered farms), village streets, and main roads between neighbouring villages.
The IJssel follows the western edge of the boundary. Everything is in EPSG:28992 (metres).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from importlib import resources

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

CRS = "EPSG:28992"
LANE_SPACING_M = 900.0
STREET_SPACING_M = 180.0
# Floor space per address in a village core (houses, gardens and streets).
VILLAGE_M2_PER_ADDRESS = 550.0
# Where the estates and woods of Bronckhorst lie (the "8 kastelen" of Vorden, Hackfort,
# the southern woods of Hengelo, Wildenborch): centres of wood clusters, x, y, weight.
WOOD_CLUSTERS = (
    (216600.0, 457400.0, 2.0),
    (219500.0, 456300.0, 2.0),
    (222850.0, 456750.0, 2.5),
    (223400.0, 451150.0, 2.5),
    (220400.0, 459900.0, 1.0),
    (214900.0, 445400.0, 1.0),
    (226900.0, 444000.0, 1.0),
)
# The IJssel forms the western edge between Doesburg and Zutphen: the stretch of the
# boundary west of this x, between these y (EPSG:28992).
IJSSEL_Y_RANGE = (445_000.0, 458_500.0)
IJSSEL_MAX_X = 214_000.0
# Synthetic brooks at roughly the places of the Baakse Beek, the Veengoot and the Oude IJssel.
BROOKS = (
    ((224500.0, 455200.0), (218500.0, 454600.0), (213000.0, 454900.0), (209500.0, 455600.0)),
    ((222500.0, 449000.0), (216500.0, 450300.0), (211500.0, 451000.0), (207800.0, 452100.0)),
    ((216000.0, 443600.0), (212000.0, 444700.0), (208500.0, 445600.0), (206300.0, 446200.0)),
)


@dataclass(frozen=True)
class Geography:
    """The land of one world.

    Attributes
    ----------
    area : shapely.Polygon
        Bronckhorst's boundary in EPSG:28992.
    villages : pandas.DataFrame
        ``name``, ``woonplaats``, ``x``, ``y``, ``core_addresses``, ``radius_m``.
    roads : geopandas.GeoDataFrame
        Noded lines with ``road_class`` (main, lane, street), ``maxspeed`` and ``name``.
    woods : geopandas.GeoSeries
        Wood and estate polygons.
    water : geopandas.GeoSeries
        The IJssel and the brooks as lines.
    """

    area: Polygon
    villages: pd.DataFrame
    roads: gpd.GeoDataFrame
    woods: gpd.GeoSeries
    water: gpd.GeoSeries

    def distance_to_village_m(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Distance from each point to the edge of the nearest village core (0 inside)."""
        dx = x[:, None] - self.villages["x"].to_numpy()[None, :]
        dy = y[:, None] - self.villages["y"].to_numpy()[None, :]
        edge = np.hypot(dx, dy) - self.villages["radius_m"].to_numpy()[None, :]
        return np.clip(edge.min(axis=1), 0.0, None)

    def nearest_village(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index (into ``villages``) of the nearest village, weighing bigger villages nearer."""
        dx = x[:, None] - self.villages["x"].to_numpy()[None, :]
        dy = y[:, None] - self.villages["y"].to_numpy()[None, :]
        edge = np.hypot(dx, dy) - 2.0 * self.villages["radius_m"].to_numpy()[None, :]
        return edge.argmin(axis=1)

    def distance_to(self, geometries: gpd.GeoSeries, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Distance from each point to the nearest of ``geometries``."""
        tree = shapely.STRtree(geometries.to_numpy())
        points = shapely.points(x, y)
        _, distance = tree.query_nearest(points, return_distance=True, all_matches=False)
        return np.asarray(distance)

    def snap_to_roads(
        self, x: np.ndarray, y: np.ndarray, roads: gpd.GeoDataFrame | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The nearest point on a road (of ``roads``, default all roads) for each point."""
        lines = (self.roads if roads is None else roads).geometry.to_numpy()
        tree = shapely.STRtree(lines)
        points = shapely.points(x, y)
        nearest = tree.query_nearest(points, all_matches=False)[1]
        chosen = lines[nearest]
        on_line = shapely.line_interpolate_point(chosen, shapely.line_locate_point(chosen, points))
        return shapely.get_x(on_line), shapely.get_y(on_line)


def load_area() -> Polygon:
    """Bronckhorst's municipal boundary (CBS 2022) in EPSG:28992."""
    path = resources.files("buitengebied_worlds") / "reference" / "bronckhorst_area.geojson"
    with resources.as_file(path) as file:
        frame = gpd.read_file(file).to_crs(CRS)
    geometry = shapely.make_valid(frame.geometry.union_all())
    polygons = [g for g in getattr(geometry, "geoms", [geometry]) if isinstance(g, Polygon)]
    return max(polygons, key=lambda g: g.area)


def reference_csv(name: str) -> pd.DataFrame:
    """A CSV of the package's reference data (``reference/<name>``)."""
    path = resources.files("buitengebied_worlds") / "reference" / name
    with resources.as_file(path) as file:
        return pd.read_csv(file)


def load_villages() -> pd.DataFrame:
    """The village cores of Bronckhorst with an estimated size and a radius."""
    villages = reference_csv("villages.csv")
    villages["radius_m"] = np.sqrt(villages["core_addresses"] * VILLAGE_M2_PER_ADDRESS / np.pi)
    return villages


def build_geography(rng: np.random.Generator) -> Geography:
    """The land of one world, drawn with ``rng`` around the real boundary and villages.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws roads, woods and brooks.

    Returns
    -------
    Geography
        The land.
    """
    area = load_area()
    villages = load_villages()
    roads = _roads(area, villages, rng)
    woods = _woods(area, villages, rng)
    water = _water(area, rng)
    return Geography(area=area, villages=villages, roads=roads, woods=woods, water=water)


def _jittered_grid(
    x0: float,
    y0: float,
    nx: int,
    ny: int,
    spacing_m: float,
    jitter_m: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of a jittered grid, shape (ny, nx) each."""
    gx, gy = np.meshgrid(x0 + spacing_m * np.arange(nx), y0 + spacing_m * np.arange(ny))
    return gx + rng.uniform(-jitter_m, jitter_m, gx.shape), gy + rng.uniform(
        -jitter_m, jitter_m, gy.shape
    )


def _grid_edges(
    gx: np.ndarray, gy: np.ndarray, keep: float, rng: np.random.Generator
) -> list[LineString]:
    """Horizontal and vertical edges of a grid, each kept with probability ``keep``."""
    edges = []
    ny, nx = gx.shape
    for j in range(ny):
        for i in range(nx):
            if i + 1 < nx and rng.random() < keep:
                edges.append(LineString([(gx[j, i], gy[j, i]), (gx[j, i + 1], gy[j, i + 1])]))
            if j + 1 < ny and rng.random() < keep:
                edges.append(LineString([(gx[j, i], gy[j, i]), (gx[j + 1, i], gy[j + 1, i])]))
    return edges


def _roads(area: Polygon, villages: pd.DataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Lanes, village streets and main roads, noded into one network."""
    region = area.buffer(1500.0)
    xmin, ymin, xmax, ymax = region.bounds
    nx = int((xmax - xmin) / LANE_SPACING_M) + 2
    ny = int((ymax - ymin) / LANE_SPACING_M) + 2
    gx, gy = _jittered_grid(xmin, ymin, nx, ny, LANE_SPACING_M, 0.33 * LANE_SPACING_M, rng)
    lanes = [e for e in _grid_edges(gx, gy, 0.72, rng) if region.contains(e.centroid)]
    lane_vertices = np.column_stack([gx.ravel(), gy.ravel()])

    streets: list[LineString] = []
    for village in villages.itertuples():
        n = max(2, int(2 * village.radius_m / STREET_SPACING_M) + 1)
        half = (n - 1) * STREET_SPACING_M / 2.0
        sx, sy = _jittered_grid(
            village.x - half, village.y - half, n, n, STREET_SPACING_M, 40.0, rng
        )
        disk = Point(village.x, village.y).buffer(village.radius_m + 60.0)
        streets += [e for e in _grid_edges(sx, sy, 0.85, rng) if disk.contains(e.centroid)]
        nearest = lane_vertices[np.argmin(np.hypot(*(lane_vertices - [village.x, village.y]).T))]
        streets.append(LineString([(village.x, village.y), tuple(nearest)]))

    mains: list[tuple[LineString, str]] = []
    xy = villages[["x", "y"]].to_numpy()
    pairs: set[tuple[int, int]] = set()
    for i in range(len(villages)):
        order = np.argsort(np.hypot(*(xy - xy[i]).T))
        for j in order[1:3]:
            pairs.add((min(i, int(j)), max(i, int(j))))
    for i, j in sorted(pairs):
        middle = (xy[i] + xy[j]) / 2.0 + rng.uniform(-400.0, 400.0, 2)
        line = LineString([tuple(xy[i]), tuple(middle), tuple(xy[j])])
        mains.append((line, f"{villages['name'].iloc[i]}seweg"))

    pieces = list(shapely.unary_union([*lanes, *streets, *(m for m, _ in mains)]).geoms)
    pieces = [p for p in pieces if p.length > 1.0]
    classes = np.full(len(pieces), "lane", dtype=object)
    speeds = np.full(len(pieces), 60, dtype=int)
    names = np.full(len(pieces), "", dtype=object)
    midpoints = shapely.line_interpolate_point(np.array(pieces, dtype=object), 0.5, normalized=True)
    street_tree = shapely.STRtree(np.array(streets, dtype=object))
    on_street = street_tree.query(midpoints, predicate="dwithin", distance=0.5)[0]
    classes[on_street], speeds[on_street] = "street", 30
    main_tree = shapely.STRtree(np.array([m for m, _ in mains], dtype=object))
    piece_idx, main_idx = main_tree.query(midpoints, predicate="dwithin", distance=0.5)
    classes[piece_idx], speeds[piece_idx] = "main", 80
    names[piece_idx] = [mains[k][1] for k in main_idx]
    lane_names = _lane_names(len(pieces), rng)
    names[classes != "main"] = lane_names[classes != "main"]
    return gpd.GeoDataFrame(
        {"road_class": classes, "maxspeed": speeds, "name": names}, geometry=pieces, crs=CRS
    )


def _lane_names(n: int, rng: np.random.Generator) -> np.ndarray:
    """Lane names in the Achterhoek fashion (Broekweg, Kerkpad, ...)."""
    first = np.array(
        [
            "Broek",
            "Kerk",
            "Molen",
            "Veld",
            "Hessen",
            "Beek",
            "Esch",
            "Holt",
            "Kamp",
            "Hoeve",
            "Wolfs",
            "Ruurlo",
            "Schaars",
            "Boven",
            "Zwarte",
        ]
    )
    second = np.array(["weg", "pad", "straat", "laan", "dijk", "kamp"])
    return np.char.add(rng.choice(first, n), rng.choice(second, n)).astype(object)


def _woods(area: Polygon, villages: pd.DataFrame, rng: np.random.Generator) -> gpd.GeoSeries:
    """Woods and estates: blobs around the estate clusters and scattered small woods."""
    centres = np.array([(x, y) for x, y, _ in WOOD_CLUSTERS])
    weights = np.array([w for _, _, w in WOOD_CLUSTERS])
    polygons: list[BaseGeometry] = []
    xmin, ymin, xmax, ymax = area.bounds
    core = shapely.union_all(
        [Point(v.x, v.y).buffer(v.radius_m + 150.0) for v in villages.itertuples()]
    )
    while len(polygons) < 45:
        if rng.random() < 0.6:
            k = rng.choice(len(centres), p=weights / weights.sum())
            x, y = centres[k] + rng.normal(0.0, 1200.0, 2)
        else:
            x, y = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
        radius = float(rng.lognormal(np.log(320.0), 0.5))
        blob = _blob(x, y, radius, rng)
        if area.contains(Point(x, y)) and not blob.intersects(core):
            polygons.append(blob)
    return gpd.GeoSeries(polygons, crs=CRS)


def _blob(x: float, y: float, radius_m: float, rng: np.random.Generator) -> Polygon:
    """An irregular round polygon."""
    angles = np.linspace(0.0, 2.0 * np.pi, 24, endpoint=False)
    radii = radius_m * np.exp(np.convolve(rng.normal(0.0, 0.25, 24), np.ones(3) / 3.0, mode="same"))
    return Polygon(np.column_stack([x + radii * np.cos(angles), y + radii * np.sin(angles)]))


def _water(area: Polygon, rng: np.random.Generator) -> gpd.GeoSeries:
    """The IJssel along the western edge and the brooks, with a little meander."""
    coords = np.asarray(area.exterior.coords)
    west = []
    for y0 in np.arange(IJSSEL_Y_RANGE[0], IJSSEL_Y_RANGE[1], 500.0):
        band = coords[
            (coords[:, 1] >= y0) & (coords[:, 1] < y0 + 500.0) & (coords[:, 0] < IJSSEL_MAX_X)
        ]
        if len(band):
            west.append((band[:, 0].min() - 120.0, y0 + 250.0))
    lines: list[LineString] = [LineString(west)]
    for brook in BROOKS:
        points = np.asarray(brook)
        dense = np.vstack(
            [np.linspace(a, b, 6, endpoint=False) for a, b in itertools.pairwise(points)]
            + [points[-1:]]
        )
        dense[1:-1] += rng.normal(0.0, 150.0, dense[1:-1].shape)
        lines.append(LineString(dense))
    return gpd.GeoSeries(lines, crs=CRS)


def favourite_spots(geography: Geography, n_spots: int, rng: np.random.Generator) -> pd.DataFrame:
    """Quiet spots where dumpers come back: wood edges on lanes, remote lanes, spots outside the area.

    Parameters
    ----------
    geography : Geography
        The land.
    n_spots : int
        How many spots.
    rng : numpy.random.Generator
        Draws them.

    Returns
    -------
    pandas.DataFrame
        ``x``, ``y``, ``weight`` (popularity, Zipf-like), ``setting`` (wood_edge, lane, outside).
    """
    lanes = geography.roads[geography.roads["road_class"] == "lane"]
    rows = []
    wood_edges = shapely.union_all(geography.woods.boundary.to_numpy())
    for _ in range(n_spots):
        setting = rng.choice(["wood_edge", "lane", "outside"], p=[0.45, 0.3, 0.25])
        if setting == "outside":
            angle = rng.uniform(0.0, 2.0 * np.pi)
            centre = geography.area.centroid
            x, y = centre.x, centre.y
            while geography.area.buffer(200.0).contains(Point(x, y)):
                x += 500.0 * np.cos(angle)
                y += 500.0 * np.sin(angle)
            x += rng.uniform(0.0, 6000.0) * np.cos(angle)
            y += rng.uniform(0.0, 6000.0) * np.sin(angle)
        else:
            for _attempt in range(200):
                line = lanes.geometry.iloc[int(rng.integers(len(lanes)))]
                point = line.interpolate(rng.uniform(0.0, line.length))
                remote = geography.distance_to_village_m(np.array([point.x]), np.array([point.y]))[
                    0
                ]
                near_wood = point.distance(wood_edges) < 200.0
                if (
                    geography.area.contains(point)
                    and remote > 1500.0
                    and (near_wood or setting == "lane")
                ):
                    break
            x, y = point.x, point.y
        rows.append({"x": x, "y": y, "setting": str(setting)})
    spots = pd.DataFrame(rows)
    spots["weight"] = 1.0 / np.arange(1, n_spots + 1) ** 0.8
    return spots


def points_on_lines(
    lines: gpd.GeoSeries,
    n: int,
    rng: np.random.Generator,
    *,
    offset_m: tuple[float, float] = (0.0, 0.0),
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points along ``lines`` (uniform per metre), moved sideways by ``offset_m`` (min, max).

    Parameters
    ----------
    lines : geopandas.GeoSeries
        Lines to sample along.
    n : int
        Number of points.
    rng : numpy.random.Generator
        Draws them.
    offset_m : tuple of float
        Range of the sideways offset in metres, on a random side.

    Returns
    -------
    tuple of numpy.ndarray
        x and y.
    """
    geoms = lines.to_numpy()
    lengths = shapely.length(geoms)
    chosen = rng.choice(len(geoms), size=n, p=lengths / lengths.sum())
    along = rng.uniform(0.0, 1.0, n)
    a = shapely.line_interpolate_point(geoms[chosen], along, normalized=True)
    b = shapely.line_interpolate_point(
        geoms[chosen], np.clip(along + 0.01, 0.0, 1.0), normalized=True
    )
    c = shapely.line_interpolate_point(
        geoms[chosen], np.clip(along - 0.01, 0.0, 1.0), normalized=True
    )
    dx, dy = shapely.get_x(b) - shapely.get_x(c), shapely.get_y(b) - shapely.get_y(c)
    norm = np.hypot(dx, dy) + 1e-9
    side = rng.choice([-1.0, 1.0], n) * rng.uniform(offset_m[0], offset_m[1], n)
    return shapely.get_x(a) - dy / norm * side, shapely.get_y(a) + dx / norm * side
