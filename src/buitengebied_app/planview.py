"""The folium map of a patrol plan: each team's route in its colour, stops numbered."""

from __future__ import annotations

import folium

from buitengebied.presentation.maplayers import ContextLayers
from buitengebied.presentation.markup import html_text
from buitengebied.presentation.plan_layers import TeamLayer, plan_bounds
from buitengebied_app.mapview import OfflineMap

_NUMBER_STYLE = (
    "background:{colour};color:#fff;border:2px solid #fff;border-radius:50%;"
    "width:24px;height:24px;line-height:20px;text-align:center;"
    "font:bold 12px sans-serif;box-shadow:0 0 2px #000;transform:translate(-50%,-50%)"
)


def plan_map(context: ContextLayers, layers: list[TeamLayer]) -> folium.Map:
    """Return the map: the area, the roads, and per team its route and numbered stops."""
    bounds = plan_bounds(layers)
    fmap = OfflineMap(tiles=None, control_scale=True, zoom_start=11, location=[52.05, 6.3])
    folium.GeoJson(
        context.area,
        name="Gebied",
        style_function=lambda _: {"color": "#333333", "weight": 2, "fillOpacity": 0.03},
    ).add_to(fmap)
    folium.GeoJson(
        context.roads,
        name="Wegen",
        style_function=lambda _: {"color": "#999999", "weight": 1, "opacity": 0.6},
    ).add_to(fmap)
    for layer in layers:
        _team(layer).add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
    if bounds is not None:
        fmap.fit_bounds(bounds)
    return fmap


def _team(layer: TeamLayer) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=html_text(layer.team))
    if len(layer.route) > 1:
        folium.PolyLine(layer.route, color=layer.colour, weight=4, opacity=0.85).add_to(group)
    folium.CircleMarker(
        list(layer.start),
        radius=7,
        color="#000",
        fill=True,
        fill_color=layer.colour,
        fill_opacity=1.0,
        tooltip=html_text(f"{layer.team}: start"),
    ).add_to(group)
    style = _NUMBER_STYLE.format(colour=layer.colour)
    for row in layer.stops.itertuples(index=False):
        ring = "outline:3px solid #c00;" if row.warned else ""
        folium.Marker(
            [row.lat, row.lon],
            icon=folium.DivIcon(
                html=f'<div style="{style}{ring}">{row.order}</div>', icon_size=(0, 0)
            ),
            popup=folium.Popup(row.popup, max_width=300),
            tooltip=html_text(row.label),
        ).add_to(group)
    return group
