"""The files of a patrol plan: ``plan.gpkg``, ``<team>.gpx``, ``plan.html``, ``plan.csv``.

``plan.json`` beside them says which night the plan is for and what it knew, so that the
outcomes of the night can be read back with :func:`read_night_plan`.

``plan.html`` is the printable plan (Dutch): the night's basis (what the ranking knew, how
travel times were computed, what coverage did, what the night does per partner), then per
team, each on its own A4 page, a map (matplotlib, embedded as a PNG, so it works offline)
and the list of stops with arrival times, reasons and warnings. Every file is written
atomically; nothing refers to the network.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import shapely

from buitengebied.errors import BuitengebiedError
from buitengebied.io.atomic import write_text_atomic
from buitengebied.io.csv import write_spreadsheet_csv
from buitengebied.io.geopackage import read_geopackage, write_geopackage_layers
from buitengebied.io.gpx import RoutePoint, safe_file_stem, write_gpx_route
from buitengebied.io.outputs import output_errors
from buitengebied.planning.green import THEME_LABELS
from buitengebied.planning.outcomes import NightPlan
from buitengebied.planning.plan import PatrolPlan, TeamRoute

_CREATOR: Final = "buitengebied (Veilig Buitengebied)"
_KIND_LABELS: Final = {
    "police": "politie",
    "boa": "BOA",
    "ranger": "boswachters",
    "mixed": "gemengd (met politie)",
}
_STYLE: Final = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; margin: 1.5em; }
h1 { font-size: 16pt; } h2 { font-size: 13pt; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1em; }
th, td { border: 1px solid #999; padding: 2px 4px; vertical-align: top; text-align: left; }
th { background: #eee; }
.warn { color: #a00; font-weight: bold; }
.team { page-break-before: always; break-before: page; }
.map { width: 100%; max-height: 12cm; object-fit: contain; }
.note { border-left: 4px solid #c60; padding-left: 0.5em; }
@page { size: A4; margin: 12mm; }
@media print { body { margin: 0; } tr, img { page-break-inside: avoid; break-inside: avoid; } }
"""


def write_plan(plan: PatrolPlan, out_dir: Path) -> list[Path]:
    """Write the plan's files into ``out_dir`` (created when missing).

    Parameters
    ----------
    plan : PatrolPlan
        The planned night.
    out_dir : Path
        The plan folder.

    Returns
    -------
    list of Path
        The files written: ``plan.gpkg``, one ``.gpx`` per team, ``plan.html``, ``plan.csv``
        and ``plan.json``.

    Raises
    ------
    OutputError
        A file could not be written (the message names it and why).
    """
    out_dir = Path(out_dir)
    written = []
    target = out_dir / "plan.gpkg"
    with output_errors(target):
        layers = {"stops": plan.stops_frame(), "routes": plan.routes_frame()}
        write_geopackage_layers(target, layers)
    written.append(target)
    for route, stem in zip(plan.routes, gpx_file_stems(plan), strict=True):
        target = out_dir / f"{stem}.gpx"
        with output_errors(target):
            write_gpx_route(target, _route_points(route), name=route.team.name, creator=_CREATOR)
        written.append(target)
    target = out_dir / "plan.html"
    with output_errors(target):
        write_text_atomic(target, render_plan_html(plan))
    written.append(target)
    target = out_dir / "plan.csv"
    with output_errors(target):
        write_spreadsheet_csv(plan_table(plan), target)
    written.append(target)
    target = out_dir / "plan.json"
    with output_errors(target):
        write_text_atomic(target, json.dumps(_plan_meta(plan), indent=2, ensure_ascii=False))
    written.append(target)
    return written


def _plan_meta(plan: PatrolPlan) -> dict[str, object]:
    return {
        "night": plan.night.isoformat(),
        "as_of": plan.as_of.isoformat(),
        "teams": [route.team.name for route in plan.routes],
        "travel_basis": plan.travel_basis,
    }


def read_night_plan(plan_dir: Path) -> NightPlan:
    """Read back the stops and routes of a plan folder that :func:`write_plan` wrote.

    Raises
    ------
    BuitengebiedError
        The folder holds no complete plan (the message names the file).
    """
    plan_dir = Path(plan_dir)
    meta_path = plan_dir / "plan.json"
    try:
        night = dt.date.fromisoformat(json.loads(meta_path.read_text(encoding="utf-8"))["night"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BuitengebiedError(f"{meta_path}: not the meta file of a plan ({exc})") from exc
    stops = read_geopackage(plan_dir / "plan.gpkg", "stops").attributes
    routes = read_geopackage(plan_dir / "plan.gpkg", "routes").attributes
    stops = stops.assign(
        address_id=stops["address_id"].fillna(""),
        rank=pd.to_numeric(stops["rank"]).fillna(0).astype(int),
    )
    routes = routes.assign(drive_minutes=pd.to_numeric(routes["drive_minutes"]))
    return NightPlan(night=night, stops=stops, routes=routes)


def gpx_file_stems(plan: PatrolPlan) -> list[str]:
    """Return the GPX file stem of each team: safe, and distinct (``-2`` ... on a clash)."""
    stems: list[str] = []
    for route in plan.routes:
        stem, number = safe_file_stem(route.team.name), 2
        candidate = stem
        while candidate.lower() in {s.lower() for s in stems} or candidate.lower() == "plan":
            candidate, number = f"{stem}-{number}", number + 1
        stems.append(candidate)
    return stems


def plan_table(plan: PatrolPlan) -> pd.DataFrame:
    """Return the stops as a table for ``plan.csv``: the ``stops`` columns plus ``x``, ``y``."""
    frame = plan.stops_frame()
    table = frame.drop(columns="geometry")
    table["x"] = frame.geometry.x.round(1) if len(frame) else []
    table["y"] = frame.geometry.y.round(1) if len(frame) else []
    return table


def _route_points(route: TeamRoute) -> list[RoutePoint]:
    team = route.team
    points = [RoutePoint(team.start[0], team.start[1], "Start", f"vertrek {_clock(route.leave)}")]
    for stop in route.stops:
        label = stop.address_id or THEME_LABELS[stop.theme]
        description = f"{_clock(stop.arrival)}: {stop.place}"
        if stop.warnings:
            description += " | LET OP: " + "; ".join(stop.warnings)
        points.append(RoutePoint(stop.x, stop.y, f"{stop.order}. {label}", description))
    points.append(RoutePoint(team.end[0], team.end[1], "Einde", f"terug {_clock(route.back)}"))
    return points


def _clock(moment: pd.Timestamp) -> str:
    return moment.strftime("%H:%M")


def render_plan_html(plan: PatrolPlan) -> str:
    """Return the printable plan as one self-contained HTML page (Dutch).

    Parameters
    ----------
    plan : PatrolPlan
        The planned night.

    Returns
    -------
    str
        HTML with inline CSS for A4 and embedded maps.
    """
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="nl"><head><meta charset="utf-8">',
        f"<title>Patrouilleplan {e(plan.night.isoformat())}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Patrouilleplan voor de nacht van {e(plan.night.strftime('%d-%m-%Y'))}</h1>",
        f"<p>Risico en controles zoals bekend op {e(plan.as_of.strftime('%d-%m-%Y %H:%M'))}; "
        f"{plan.candidates} kandidaten, waarvan {plan.warned_candidates} met "
        "veiligheidswaarschuwingen (alleen voor teams met politie).</p>",
        f'<p class="{"" if plan.uses_roads else "note"}">{e(plan.travel_basis)}</p>',
        _coverage_html(plan),
        *(f'<p class="note">{e(note)}</p>' for note in plan.notes),
        _overview_html(plan),
        _partners_html(plan),
    ]
    parts += [_team_html(route) for route in plan.routes]
    parts.append("</body></html>")
    return "\n".join(parts)


def _coverage_html(plan: PatrolPlan) -> str:
    effect = plan.coverage
    text = (
        f"Spreiding (sterkte {effect.strength:g}): recent bezochte adressen tellen minder, "
        f"lang niet bezochte gebieden zwaarder. Het plan bezoekt {effect.new_areas} "
        "gebied(en) van 1 km² waar een jaar niemand controleerde"
    )
    if effect.score_given_up is not None and effect.reference_new_areas is not None:
        text += (
            f" (op risico alleen: {effect.reference_new_areas}); het kost "
            f"{effect.score_given_up:.1f} risicopunten van de "
            f"{effect.reference_score:.1f} die een plan op risico alleen haalt"
        )
    return f"<p>{html.escape(text)}.</p>"


def _overview_html(plan: PatrolPlan) -> str:
    rows = "".join(
        "<tr>"
        f"<td>{html.escape(r.team.name)}</td><td>{_KIND_LABELS[r.team.kind]}</td>"
        f"<td>{_clock(r.leave)}&ndash;{_clock(r.back)}</td><td>{len(r.stops)}</td>"
        f"<td>{r.drive_minutes:.0f}</td><td>{r.collected_score:.1f}</td>"
        "</tr>"
        for r in plan.routes
    )
    head = (
        "<tr><th>team</th><th>soort</th><th>weg&ndash;terug</th><th>stops</th>"
        "<th>rijminuten</th><th>score</th></tr>"
    )
    return f"<h2>Teams</h2><table>{head}{rows}</table>"


def _partners_html(plan: PatrolPlan) -> str:
    summary = plan.partner_summary()
    rows = "".join(
        f"<tr><td>{html.escape(str(row.label))}</td><td>{html.escape(str(row.teams))}</td>"
        f"<td>{row.stops}</td><td>{row.score:.1f}</td></tr>"
        for row in summary.itertuples()
    )
    head = "<tr><th>thema</th><th>teams met dit doel</th><th>stops</th><th>score</th></tr>"
    return f"<h2>Wat de nacht per partner doet</h2><table>{head}{rows}</table>"


def _team_html(route: TeamRoute) -> str:
    e = html.escape
    team = route.team
    focus = ", ".join(THEME_LABELS[t] for t in team.focus)
    rows = []
    for stop in route.stops:
        warnings = "<br>".join(e(w) for w in stop.warnings)
        rows.append(
            "<tr>"
            f"<td>{stop.order}</td><td>{_clock(stop.arrival)}</td><td>{_clock(stop.departure)}</td>"
            f"<td>{e(stop.address_id)}<br>{e(stop.place)}</td><td>{e(THEME_LABELS[stop.theme])}</td>"
            f"<td>{stop.score:.1f}</td><td>{e(stop.reason)}</td>"
            f'<td class="warn">{warnings}</td>'
            "</tr>"
        )
    head = (
        "<tr><th>nr</th><th>aankomst</th><th>vertrek</th><th>adres / plek</th><th>thema</th>"
        "<th>score</th><th>reden</th><th>waarschuwingen</th></tr>"
    )
    body = "".join(rows) or '<tr><td colspan="8">Geen stops binnen de dienst.</td></tr>'
    return (
        f'<section class="team"><h2>{e(team.name)} ({_KIND_LABELS[team.kind]})</h2>'
        f"<p>Dienst {_clock(route.leave)}&ndash;{team.shift_end.strftime('%H:%M')}, terug "
        f"{_clock(route.back)}; {len(route.stops)} stops, {route.drive_minutes:.0f} rijminuten, "
        f"{team.service_minutes:g} min per stop; doel: {e(focus)}.</p>"
        f'<img class="map" alt="kaart {e(team.name)}" src="{_map_png(route)}">'
        f"<table>{head}{body}</table></section>"
    )


def _map_png(route: TeamRoute) -> str:
    """Draw the team's route with numbered stops; return a ``data:`` URI of the PNG."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.5, 5.5))
    axes = figure.add_subplot()
    if not route.line.is_empty:
        xy = shapely.get_coordinates(route.line)
        axes.plot(xy[:, 0], xy[:, 1], color="#1f5fa8", linewidth=1.6)
    for stop in route.stops:
        colour = "#b00" if stop.warnings else ("#2a7" if stop.theme != "drugs" else "#1f5fa8")
        axes.scatter([stop.x], [stop.y], s=120, color=colour, zorder=3)
        axes.annotate(
            str(stop.order),
            (stop.x, stop.y),
            ha="center",
            va="center",
            color="white",
            fontsize=7,
            zorder=4,
        )
    start, end = np.array(route.team.start), np.array(route.team.end)
    axes.scatter([start[0]], [start[1]], marker="s", s=80, color="black", zorder=3, label="start")
    axes.scatter([end[0]], [end[1]], marker="^", s=80, color="black", zorder=3, label="einde")
    axes.set_aspect("equal")
    axes.ticklabel_format(useOffset=False, style="plain")
    axes.tick_params(labelsize=6)
    axes.set_title(f"{route.team.name}: route (RD-coördinaten, m)", fontsize=9)
    axes.legend(fontsize=7, loc="best")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
