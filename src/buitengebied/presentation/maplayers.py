"""What the map draws, computed once and cut to what a role may see.

The app's map is a thin front over these functions:

- :func:`context_layers`: the area, the roads and the villages (from the addresses'
  ``place``) in WGS84, for every role;
- :func:`strength_grid`: every factor's strength per grid cell (the risk surface with
  unit weights, :func:`buitengebied.scoring.surface.risk_surface`), reprojected to a
  Web-Mercator grid so that an image overlay in Leaflet lies exactly where it belongs;
- :func:`address_strengths`: every factor's strength per address;
- :func:`mix_grid` and :func:`mix_addresses`: the *what-if*, a weighted sum of the cached
  strengths (the fusion of :mod:`buitengebied.scoring.fusion` is exactly that sum, so the
  default weights give the ranking's own scores);
- :func:`address_markers`: the riskiest addresses of a mix, each with its street, number,
  place and the contribution of every factor the role may see, by the layer file's Dutch
  title; nothing for a role without per-address evidence;
- :func:`risk_classes` and :func:`surface_png`: the surface as a coloured PNG with its
  legend classes.

What a role may not see is never in what these functions return: the what-if of a role
mixes only the factors whose layer it may see (:func:`what_if_factors`), so moving the
sliders reveals nothing of the others.
"""

from __future__ import annotations

import functools
import io
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from buitengebied.access.permissions import (
    may_see_address_evidence,
    may_see_cell_risk,
    may_see_layer,
    visible_factors,
)
from buitengebied.access.roles import Role
from buitengebied.evidence.layerspec import is_modifier
from buitengebied.presentation.labels import REPORT_CATEGORY_LABELS
from buitengebied.scoring.analysis import Analysis
from buitengebied.scoring.fusion import fuse, normalise, strength_caps
from buitengebied.scoring.surface import NODATA, risk_surface
from buitengebied.settings import WORKING_CRS

WEB_MERCATOR: Final = "EPSG:3857"
WGS84: Final = "EPSG:4326"
#: Roads and the area are simplified to this tolerance before they are sent (metres).
SIMPLIFY_M: Final = 10.0
#: Share of the cells above each class's lower edge: the top half is coloured, in five
#: classes; the colours go from light yellow to dark red.
CLASS_TOP_SHARES: Final = (0.5, 0.25, 0.10, 0.03, 0.01)
CLASS_COLOURS: Final = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
CLASS_ALPHA: Final = 170


@dataclass(frozen=True)
class ContextLayers:
    """The map's context in WGS84: the area, the roads and the village labels.

    Attributes
    ----------
    area : dict
        GeoJSON geometry of the area.
    roads : dict
        GeoJSON FeatureCollection of the roads (geometry only).
    places : pandas.DataFrame
        ``place``, ``lat``, ``lon``: the middle (median) of each village's addresses.
    """

    area: dict[str, object]
    roads: dict[str, object]
    places: pd.DataFrame


@dataclass(frozen=True)
class StrengthGrid:
    """Every factor's strength per cell on a north-up Web-Mercator grid.

    Attributes
    ----------
    strengths : dict of str to numpy.ndarray
        Per factor, ``(rows, cols)`` float32 strengths; NaN outside the area.
    bounds : ((float, float), (float, float))
        ``((south, west), (north, east))`` in degrees: where the image lies.
    """

    strengths: dict[str, np.ndarray]
    bounds: tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class RiskClasses:
    """Lower edges of the legend's classes and their colours, lowest first."""

    edges: tuple[float, ...]
    colours: tuple[str, ...]
    top_shares: tuple[float, ...]


def context_layers(analysis: Analysis) -> ContextLayers:
    """Return the area, roads and villages of an analysis in WGS84 (every role sees them).

    Parameters
    ----------
    analysis : Analysis
        The analysis whose dataset is drawn.

    Returns
    -------
    ContextLayers
    """
    dataset = analysis.dataset
    to_wgs84 = _transformer(WORKING_CRS, WGS84)
    area = shapely.transform(
        shapely.simplify(dataset.area, SIMPLIFY_M), _lon_lat(to_wgs84), interleaved=False
    )
    roads = dataset.layer("roads")
    features = []
    if roads is not None:
        # Geometry only: the map shows no road names, and every byte is drawn again on
        # every interaction.
        for geometry in roads.geometry:
            simple = shapely.transform(
                shapely.simplify(geometry, SIMPLIFY_M), _lon_lat(to_wgs84), interleaved=False
            )
            features.append(
                {"type": "Feature", "geometry": shapely.geometry.mapping(simple), "properties": {}}
            )
    addresses = dataset.addresses
    xy = pd.DataFrame(
        {"place": addresses["place"], "x": addresses.geometry.x, "y": addresses.geometry.y}
    ).dropna()
    middle = xy.groupby("place", sort=True)[["x", "y"]].median()
    lon, lat = to_wgs84.transform(middle["x"].to_numpy(), middle["y"].to_numpy())
    places = pd.DataFrame({"place": middle.index.astype(str), "lat": lat, "lon": lon})
    return ContextLayers(
        area=dict(shapely.geometry.mapping(area)),
        roads={"type": "FeatureCollection", "features": features},
        places=places.reset_index(drop=True),
    )


def _transformer(source: str, target: str) -> Transformer:
    """Return a transformer between two CRSs, made once per thread.

    Making one costs tens of milliseconds; pyproj's transformers are not to be shared
    between threads (Streamlit runs each session in its own).
    """
    return _thread_transformer(source, target, threading.get_ident())


@functools.cache
def _thread_transformer(source: str, target: str, _thread: int) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def _lon_lat(transformer: Transformer):  # type: ignore[no-untyped-def]
    def transform(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = transformer.transform(x, y)
        return np.round(lon, 5), np.round(lat, 5)

    return transform


def address_strengths(analysis: Analysis) -> pd.DataFrame:
    """Return every factor's strength per address (the fusion's ``f``), by ``address_id``."""
    raw = analysis.evidence.raw
    return normalise(
        raw[[n for n in raw.columns if n in analysis.scores.scales]],
        analysis.scores.scales,
        caps=strength_caps(analysis.specs),
    )


def default_weights(analysis: Analysis) -> dict[str, float]:
    """Return the weight of every factor of the analysis' ranking."""
    return {name: float(analysis.scores.weights[name]) for name in analysis.scores.factors}


def what_if_factors(role: Role | str | None, analysis: Analysis) -> list[str]:
    """Return the factors whose weight ``role`` may move: those whose layer it may see.

    Empty for a role that may see no risk at all.
    """
    if not may_see_cell_risk(role) and not may_see_address_evidence(role):
        return []
    visible = visible_factors(role, analysis.specs)
    return [name for name in analysis.scores.factors if name in visible]


def strength_grid(analysis: Analysis, *, cell_size_m: float = 100.0) -> StrengthGrid:
    """Return every factor's strength per cell, on a Web-Mercator grid.

    The risk surface is computed with every weight 1 (its contributions are then the
    strengths) in EPSG:28992 and each band is reprojected (nearest cell) to EPSG:3857.
    The fusion is linear in the weights, so a weighted sum of these bands is the surface of
    those weights.

    Parameters
    ----------
    analysis : Analysis
        The analysis (its scales are the address ranking's).
    cell_size_m : float, default 100
        Cell edge of the surface in metres.

    Returns
    -------
    StrengthGrid
    """
    surface = rd_strength_surface(analysis, cell_size_m=cell_size_m)
    return _to_web_mercator(surface.contributions, surface.transform, cell_size_m)


def rd_strength_surface(analysis: Analysis, *, cell_size_m: float = 100.0):  # type: ignore[no-untyped-def]
    """Return the risk surface of ``analysis`` with every weight 1, in EPSG:28992."""
    unit = fuse(analysis.evidence, weights=dict.fromkeys(analysis.scores.factors, 1.0))
    return risk_surface(
        analysis.dataset, analysis.specs, unit, as_of=analysis.as_of, cell_size_m=cell_size_m
    )


def _to_web_mercator(
    bands: Mapping[str, np.ndarray], transform: object, cell_size_m: float
) -> StrengthGrid:
    from affine import Affine
    from rasterio.warp import Resampling, reproject

    first = next(iter(bands.values()))
    rows, cols = first.shape
    left, top = transform.c, transform.f  # type: ignore[attr-defined]
    right, bottom = left + cols * cell_size_m, top - rows * cell_size_m
    # The target grid: the source's bounds in Web Mercator, as many columns as the source.
    # (rasterio's calculate_default_transform would do it, with a deprecation warning.)
    west, south, east, north = _transformer(WORKING_CRS, WEB_MERCATOR).transform_bounds(
        left, bottom, right, top, densify_pts=21
    )
    size = (east - west) / cols
    width, height = cols, math.ceil((north - south) / size)
    target = Affine(size, 0.0, west, 0.0, -size, north)
    projected = {}
    for name, band in bands.items():
        source = np.where(band == NODATA, np.nan, band).astype(np.float32)
        out = np.full((height, width), np.nan, dtype=np.float32)
        reproject(
            source,
            out,
            src_transform=transform,
            src_crs=WORKING_CRS,
            src_nodata=np.nan,
            dst_transform=target,
            dst_crs=WEB_MERCATOR,
            dst_nodata=np.nan,
            resampling=Resampling.nearest,
        )
        projected[name] = out
    to_wgs84 = _transformer(WEB_MERCATOR, WGS84)
    west, north = to_wgs84.transform(target.c, target.f)
    east, south = to_wgs84.transform(target.c + width * target.a, target.f + height * target.e)
    return StrengthGrid(projected, ((float(south), float(west)), (float(north), float(east))))


def mix_grid(grid: StrengthGrid, weights: Mapping[str, float]) -> np.ndarray:
    """Return the weighted sum of the grid's strengths: the surface of ``weights``.

    Factors missing from ``weights`` count 0; NaN (outside the area) stays NaN.
    """
    first = next(iter(grid.strengths.values()))
    total = np.zeros(first.shape, dtype=np.float32)
    for name, band in grid.strengths.items():
        weight = float(weights.get(name, 0.0))
        if weight:
            total += np.float32(weight) * band
    return np.where(np.isnan(first), np.nan, total)


def address_modifiers(analysis: Analysis) -> pd.DataFrame:
    """Return every modifier's raw evidence (log of the share it leaves), by ``address_id``."""
    names = [spec.name for spec in analysis.specs if is_modifier(spec)]
    return analysis.evidence.raw[names]


def mix_addresses(
    strengths: pd.DataFrame,
    weights: Mapping[str, float],
    *,
    modifiers: pd.DataFrame | None = None,
) -> pd.Series:
    """Return every address's score for ``weights`` (factors missing from it count 0).

    With ``modifiers`` (:func:`address_modifiers`) the weighted sum is scaled by
    ``exp(sum_m w_m r_m)``, as the ranking is (:func:`buitengebied.scoring.fusion.with_modifiers`).
    """
    vector = np.array([float(weights.get(name, 0.0)) for name in strengths.columns])
    score = strengths.to_numpy(dtype=float) @ vector
    if modifiers is not None and len(modifiers.columns):
        factor = modifiers.reindex(strengths.index).to_numpy(dtype=float) @ np.array(
            [float(weights.get(name, 0.0)) for name in modifiers.columns]
        )
        score = score * np.exp(factor)
    return pd.Series(score, index=strengths.index)


def address_markers(
    role: Role | str | None,
    analysis: Analysis,
    strengths: pd.DataFrame,
    weights: Mapping[str, float],
    *,
    top_n: int,
) -> pd.DataFrame:
    """Return the ``top_n`` riskiest addresses of a mix, as ``role`` may see them.

    Parameters
    ----------
    role : Role, str or None
        The user's role; a role without per-address evidence gets an empty table.
    analysis : Analysis
        The analysis (addresses and the layer files' titles).
    strengths : pandas.DataFrame
        :func:`address_strengths` of the analysis.
    weights : mapping of str to float
        The mix (the default weights or a what-if).
    top_n : int
        How many addresses.

    Returns
    -------
    pandas.DataFrame
        Riskiest first: ``address_id``, ``street``, ``housenumber``, ``place``, ``lat``,
        ``lon``, ``score`` (rounded to one decimal) and ``factors``: a tuple of
        ``(Dutch title, contribution rounded to one decimal)`` of the visible factors that
        contribute, largest first.
    """
    columns = ["address_id", "street", "housenumber", "place", "lat", "lon", "score", "factors"]
    if not may_see_address_evidence(role) or top_n <= 0:
        return pd.DataFrame(columns=columns)
    score = mix_addresses(strengths, weights, modifiers=address_modifiers(analysis))
    ranked = pd.DataFrame({"address_id": score.index.astype(str), "score": score.to_numpy()})
    ranked = ranked.sort_values(["score", "address_id"], ascending=[False, True]).head(top_n)
    addresses = analysis.dataset.addresses.set_index("address_id").loc[ranked["address_id"]]
    to_wgs84 = _transformer(WORKING_CRS, WGS84)
    lon, lat = to_wgs84.transform(addresses.geometry.x.to_numpy(), addresses.geometry.y.to_numpy())
    titles = {spec.name: spec.title for spec in analysis.specs}
    visible = visible_factors(role, analysis.specs)
    shown = [name for name in strengths.columns if name in visible]
    parts = strengths.loc[ranked["address_id"], shown].to_numpy(dtype=float)
    parts = parts * np.array([float(weights.get(name, 0.0)) for name in shown])
    return pd.DataFrame(
        {
            "address_id": ranked["address_id"].to_numpy(),
            "street": _text(addresses["street"]),
            "housenumber": _text(addresses["housenumber"]),
            "place": _text(addresses["place"]),
            "lat": lat,
            "lon": lon,
            "score": np.round(ranked["score"].to_numpy(), 1),
            "factors": [_explained(row, shown, titles) for row in parts],
        }
    )


def _text(values: pd.Series) -> list[str]:
    return ["" if pd.isna(value) else str(value) for value in values]


def _explained(
    row: np.ndarray, names: Sequence[str], titles: Mapping[str, str]
) -> tuple[tuple[str, float], ...]:
    order = np.argsort(-row, kind="stable")
    return tuple(
        (titles.get(names[k], names[k]), round(float(row[k]), 1)) for k in order if row[k] > 0
    )


def risk_classes(values: np.ndarray) -> RiskClasses:
    """Return the legend's classes: lower edges at the top 50, 25, 10, 3 and 1 % of cells.

    Cells without risk (0 or NaN) are left out of the shares; edges never decrease.
    """
    inside = values[np.isfinite(values) & (values > 0)]
    if inside.size == 0:
        edges = tuple(np.inf for _ in CLASS_TOP_SHARES)
    else:
        quantiles = np.quantile(inside, [1.0 - share for share in CLASS_TOP_SHARES])
        edges = tuple(float(edge) for edge in np.maximum.accumulate(quantiles))
    return RiskClasses(edges, CLASS_COLOURS, CLASS_TOP_SHARES)


def surface_png(values: np.ndarray, classes: RiskClasses) -> bytes:
    """Return ``values`` as an RGBA PNG: each class in its colour, the rest transparent."""
    from PIL import Image

    rgba = np.zeros((*values.shape, 4), dtype=np.uint8)
    finite = np.where(np.isfinite(values), values, -np.inf)
    for edge, colour in zip(classes.edges, classes.colours, strict=True):
        inside = (finite >= edge) & (finite > 0)
        rgba[inside, :3] = [int(colour[k : k + 2], 16) for k in (1, 3, 5)]
        rgba[inside, 3] = CLASS_ALPHA
    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def report_points(role: Role | str | None, analysis: Analysis) -> pd.DataFrame:
    """Return the field reports ``role`` may see: ``lat``, ``lon``, ``label`` (in Dutch).

    The reports known at the analysis' moment (the data folder's and the store's), when
    the role may see the raw records of the layer files that read them; otherwise none.
    """
    columns = ["lat", "lon", "label"]
    reports = analysis.dataset.layer("reports")
    readers = [spec for spec in analysis.specs if spec.source_layer == "reports"]
    if reports is None or not readers or not all(may_see_layer(role, s) for s in readers):
        return pd.DataFrame(columns=columns)
    to_wgs84 = _transformer(WORKING_CRS, WGS84)
    lon, lat = to_wgs84.transform(reports.geometry.x.to_numpy(), reports.geometry.y.to_numpy())
    moments = pd.to_datetime(reports["observed_at"]).dt.strftime("%d-%m-%Y")
    labels = [
        f"{REPORT_CATEGORY_LABELS.get(category, category)} ({moment})"
        for category, moment in zip(_text(reports["category"]), moments, strict=True)
    ]
    return pd.DataFrame({"lat": lat, "lon": lon, "label": labels})
