"""The folium map of the app, drawn from what :mod:`buitengebied.presentation.maplayers` made.

Every script and style sheet comes from the app itself (Streamlit's static serving,
``/app/static/``): :class:`OfflineMap` replaces folium's CDN links.  Of folium's defaults
only Leaflet is needed: jQuery, Bootstrap and Awesome Markers serve ``folium.Icon``,
which the app does not use (addresses are circle markers).  No base map is drawn unless
the administrator configured a PDOK one; the browser then fetches its tiles from
``service.pdok.nl``.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import cast

import folium
import pandas as pd
from folium.utilities import JsCode
from streamlit_folium import st_folium

from buitengebied.presentation.maplayers import CLASS_COLOURS, ContextLayers, StrengthGrid
from buitengebied.presentation.markup import html_text

#: Where Streamlit serves ``static/`` of the app (``server.enableStaticServing``).
STATIC_URL = "/app/static"
LEAFLET = f"{STATIC_URL}/vendor/leaflet-1.9.3"
#: PDOK's WMTS in EPSG:3857 (Web Mercator), by the launcher's ``--basemap`` value.
BASEMAPS: Mapping[str, str] = {
    "brt": "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png",
    "luchtfoto": "https://service.pdok.nl/hwh/luchtfotorgb/wmts/v1_0/Actueel_ortho25/EPSG:3857/{z}/{x}/{y}.jpeg",
}
BASEMAP_ATTRIBUTION = "Kaart: Kadaster / PDOK"
#: Names of the switchable layers, as the layer control shows them.
LAYER_TITLES: Mapping[str, str] = {
    "area": "Gebied",
    "roads": "Wegen",
    "places": "Kernen",
    "risk": "Risico per cel",
    "addresses": "Adressen met het hoogste risico",
    "reports": "Meldingen",
}


#: The village names: one label (a Leaflet divIcon) per village, centred on its point.
_LABEL_CLASS = "bg-kern"
_LABEL_CSS = (
    f".{_LABEL_CLASS} {{pointer-events: none}} "
    f".{_LABEL_CLASS} span {{display: inline-block; transform: translate(-50%, -50%); "
    "font: bold 11px sans-serif; color: #222; white-space: nowrap; "
    "text-shadow: 0 0 3px #fff, 0 0 3px #fff}"
)
_LABEL_EACH_PLACE = (
    "function (feature, layer) { layer.setIcon(L.divIcon({"
    f'className: "{_LABEL_CLASS}", iconSize: [0, 0], '
    'html: "<span>" + feature.properties.place + "</span>"})); }'
)


class OfflineMap(folium.Map):
    """A folium map whose Leaflet comes from the app, not from a CDN."""

    default_js = [("leaflet", f"{LEAFLET}/leaflet.js")]  # noqa: RUF012 (folium's own API)
    default_css = [("leaflet_css", f"{LEAFLET}/leaflet.css")]  # noqa: RUF012


def build_map(
    context: ContextLayers,
    grid: StrengthGrid | None,
    risk_png: bytes | None,
    markers: pd.DataFrame,
    reports: pd.DataFrame,
    *,
    basemap: str,
) -> folium.Map:
    """Return the map: context, the risk image, the address markers and the reports.

    Parameters
    ----------
    context : ContextLayers
        Area, roads and villages.
    grid : StrengthGrid or None
        Where the risk image lies; ``None`` for a role without cell risk.
    risk_png : bytes or None
        The risk image (:func:`~buitengebied.presentation.maplayers.surface_png`).
    markers : pandas.DataFrame
        :func:`~buitengebied.presentation.maplayers.address_markers` (may be empty).
    reports : pandas.DataFrame
        ``lat``, ``lon``, ``label`` of the reports the user may see (may be empty).
    basemap : str
        ``none``, ``brt`` or ``luchtfoto``.
    """
    south_west, north_east = _bounds(context, grid)
    center = ((south_west[0] + north_east[0]) / 2, (south_west[1] + north_east[1]) / 2)
    fmap = OfflineMap(location=center, zoom_start=11, tiles=None, control_scale=True)
    if basemap in BASEMAPS:
        folium.TileLayer(
            BASEMAPS[basemap], attr=BASEMAP_ATTRIBUTION, name="Achtergrond", max_zoom=19
        ).add_to(fmap)
    area = folium.FeatureGroup(name=LAYER_TITLES["area"])
    folium.GeoJson(
        context.area,
        style_function=lambda _: {"color": "#333333", "weight": 2, "fillOpacity": 0.03},
    ).add_to(area)
    area.add_to(fmap)
    roads = folium.FeatureGroup(name=LAYER_TITLES["roads"])
    folium.GeoJson(
        context.roads, style_function=lambda _: {"color": "#777777", "weight": 1, "opacity": 0.7}
    ).add_to(roads)
    roads.add_to(fmap)
    if grid is not None and risk_png is not None:
        risk = folium.FeatureGroup(name=LAYER_TITLES["risk"])
        image = "data:image/png;base64," + base64.b64encode(risk_png).decode("ascii")
        folium.raster_layers.ImageOverlay(
            image, bounds=[list(grid.bounds[0]), list(grid.bounds[1])], opacity=1.0
        ).add_to(risk)
        risk.add_to(fmap)
    _places(context.places).add_to(fmap)
    if len(markers):
        _markers(markers).add_to(fmap)
    if len(reports):
        _reports(reports).add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
    figure = cast(folium.Figure, fmap.get_root())
    figure.header.add_child(folium.Element(f"<style>{_LABEL_CSS}</style>"))
    fmap.fit_bounds([list(south_west), list(north_east)])
    return fmap


def _bounds(
    context: ContextLayers, grid: StrengthGrid | None
) -> tuple[tuple[float, float], tuple[float, float]]:
    if grid is not None:
        return grid.bounds
    lat, lon = context.places["lat"], context.places["lon"]
    return (float(lat.min()), float(lon.min())), (float(lat.max()), float(lon.max()))


def _places(places: pd.DataFrame) -> folium.FeatureGroup:
    """Return the village names as one GeoJSON layer of permanent labels.

    One element for every village, not a marker each: folium compiles a template per
    element, and the page is drawn again on every interaction.  Each point's marker gets
    its label as icon (``place`` is already inert HTML, :func:`html_text`).
    """
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(row.lon), float(row.lat)]},
            "properties": {"place": html_text(row.place)},
        }
        for row in places.itertuples(index=False)
    ]
    group = folium.FeatureGroup(name=LAYER_TITLES["places"])
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        # Not interactive: a tap on a village name is a tap on the map (a report's place).
        marker=folium.Marker(interactive=False, keyboard=False),
        on_each_feature=JsCode(_LABEL_EACH_PLACE),
    ).add_to(group)
    return group


def popup_html(row: pd.Series) -> str:
    """Return an address's popup: street, number, place, score and each factor's part."""
    street = html_text(f"{row['street']} {row['housenumber']}".strip())
    place = html_text(str(row["place"]))
    lines = "".join(
        f"<tr><td>{html_text(title)}</td><td style='text-align:right'>{value:.1f}</td></tr>"
        for title, value in row["factors"]
    )
    return (
        f"<b>{street}</b><br>{place}<br>Risicoscore: <b>{row['score']:.1f}</b>"
        f"<table class='bg-factoren'>{lines}</table>"
    )


def _points(
    name: str,
    lat: pd.Series,
    lon: pd.Series,
    popups: list[str],
    marker: folium.CircleMarker,
    *,
    show: bool = True,
) -> folium.FeatureGroup:
    """Return one GeoJSON layer of points with their (already escaped) popups.

    One element, not one per point: the page stays small and quick to draw.
    """
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(x), float(y)]},
            "properties": {"popup": popup},
        }
        for x, y, popup in zip(lon, lat, popups, strict=True)
    ]
    group = folium.FeatureGroup(name=name, show=show)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        marker=marker,
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=280),
    ).add_to(group)
    return group


def _markers(markers: pd.DataFrame) -> folium.FeatureGroup:
    popups = [popup_html(row) for _, row in markers.iterrows()]
    marker = folium.CircleMarker(
        radius=6,
        color="#000000",
        weight=1,
        fill=True,
        fill_color=CLASS_COLOURS[-1],
        fill_opacity=0.9,
    )
    return _points(LAYER_TITLES["addresses"], markers["lat"], markers["lon"], popups, marker)


def _reports(reports: pd.DataFrame) -> folium.FeatureGroup:
    popups = [html_text(str(label)) for label in reports["label"]]
    marker = folium.CircleMarker(
        radius=4, color="#1f4e9c", weight=1, fill=True, fill_color="#6fa8ff", fill_opacity=0.8
    )
    # Off at first: the reports are many; the layer control switches them on.
    return _points(
        LAYER_TITLES["reports"], reports["lat"], reports["lon"], popups, marker, show=False
    )


def show_map(
    fmap: folium.Map, *, key: str, height: int, returned_objects: list[str] | None = None
) -> dict | None:
    """Draw ``fmap`` with streamlit-folium; return what it reports (``returned_objects``).

    ``render=False``: streamlit-folium renders the map itself once more in any case, and
    the figure's own rendering adds nothing it sends (the same HTML, header and script,
    compared), so skipping it halves the server's time per interaction.  Panning and
    zooming return nothing unless ``returned_objects`` names it, so they never rerun the
    page.
    """
    return st_folium(
        fmap,
        returned_objects=returned_objects or [],
        use_container_width=True,
        height=height,
        key=key,
        render=False,
    )
