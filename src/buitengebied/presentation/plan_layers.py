"""A patrol plan as map layers: per team its route along the roads and its numbered stops.

The front draws them (the app with folium); this module only turns the plan, in EPSG:28992,
into longitude/latitude (EPSG:4326, what Leaflet takes) with the texts a popup shows. Pass
the plan as the user's role may see it (:func:`buitengebied.presentation.redact.redact_plan`):
the warnings in the popups are the plan's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from buitengebied.planning.green import THEME_LABELS
from buitengebied.planning.plan import PatrolPlan, PlanStop, TeamRoute
from buitengebied.presentation.markup import html_text
from buitengebied.settings import WORKING_CRS

#: Route colours in team order (colour-blind safe, Okabe and Ito), repeated when needed.
TEAM_COLOURS: Final = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
)


@dataclass(frozen=True)
class TeamLayer:
    """One team on the map.

    Attributes
    ----------
    team : str
        The team's name.
    colour : str
        Its route's colour (``#rrggbb``).
    route : list of (float, float)
        The roads driven as ``(lat, lon)`` pairs, start to end.
    stops : pandas.DataFrame
        ``order``, ``lat``, ``lon``, ``label`` (short), ``popup`` (HTML, escaped) and
        ``warned`` (bool) per stop, in order.
    start, end : (float, float)
        ``(lat, lon)`` of the team's start and end.
    """

    team: str
    colour: str
    route: list[tuple[float, float]]
    stops: pd.DataFrame
    start: tuple[float, float]
    end: tuple[float, float]


def plan_layers(plan: PatrolPlan) -> list[TeamLayer]:
    """Return one :class:`TeamLayer` per team, in the plan's order."""
    to_wgs84 = Transformer.from_crs(WORKING_CRS, "EPSG:4326", always_xy=True)
    return [
        _team_layer(route, TEAM_COLOURS[i % len(TEAM_COLOURS)], to_wgs84)
        for i, route in enumerate(plan.routes)
    ]


def plan_bounds(layers: list[TeamLayer]) -> list[list[float]] | None:
    """Return ``[[south, west], [north, east]]`` around every route, or ``None`` if empty."""
    points = [p for layer in layers for p in (*layer.route, layer.start, layer.end)]
    if not points:
        return None
    lat, lon = np.array(points).T
    return [[float(lat.min()), float(lon.min())], [float(lat.max()), float(lon.max())]]


def _team_layer(route: TeamRoute, colour: str, to_wgs84: Transformer) -> TeamLayer:
    line = shapely.get_coordinates(route.line)
    lon, lat = to_wgs84.transform(line[:, 0], line[:, 1]) if len(line) else ([], [])
    stops = route.stops
    stop_lon, stop_lat = to_wgs84.transform([s.x for s in stops], [s.y for s in stops])
    start_lon, start_lat = to_wgs84.transform(*route.team.start)
    end_lon, end_lat = to_wgs84.transform(*route.team.end)
    frame = pd.DataFrame(
        {
            "order": [s.order for s in stops],
            "lat": np.round(np.asarray(stop_lat, dtype=float), 6),
            "lon": np.round(np.asarray(stop_lon, dtype=float), 6),
            "label": [f"{s.order}. {s.place}" for s in stops],
            "popup": [_popup(route.team.name, s) for s in stops],
            "warned": [bool(s.warnings) for s in stops],
        }
    )
    return TeamLayer(
        team=route.team.name,
        colour=colour,
        route=[(round(float(a), 6), round(float(o), 6)) for a, o in zip(lat, lon, strict=True)],
        stops=frame,
        start=(float(start_lat), float(start_lon)),
        end=(float(end_lat), float(end_lon)),
    )


def _popup(team: str, stop: PlanStop) -> str:
    theme = THEME_LABELS.get(stop.theme, stop.theme)
    lines = [
        f"<b>{html_text(team)}, stop {stop.order}</b>",
        html_text(stop.place),
        f"aankomst {stop.arrival.strftime('%H:%M')}; {html_text(theme)}",
        html_text(stop.reason),
    ]
    lines += [f'<span style="color:#a00">{html_text(w)}</span>' for w in stop.warnings]
    return "<br>".join(line for line in lines if line)
