"""The app's folium maps draw any text from the data as text, never as template code.

folium parses each layer's rendered script again as a Jinja2 template; a report saying
``{{ 7*7 }}`` must show those characters, and ``{%`` must not stop the map from drawing.
"""

from __future__ import annotations

import html

import pandas as pd
import pytest

from buitengebied.presentation.maplayers import ContextLayers
from buitengebied_app.mapview import build_map

HOSTILE = ["{{ 7*7 }}", "{% raw", "{#", "<img src=x onerror=alert(1)>"]


def _context(place: str) -> ContextLayers:
    return ContextLayers(
        area={
            "type": "Polygon",
            "coordinates": [[[6.2, 52.0], [6.4, 52.0], [6.4, 52.1], [6.2, 52.0]]],
        },
        roads={"type": "FeatureCollection", "features": []},
        places=pd.DataFrame({"place": [place], "lat": [52.05], "lon": [6.3]}),
    )


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_in_popups_labels_and_reports_is_shown_not_run(text: str) -> None:
    markers = pd.DataFrame(
        {
            "lat": [52.05],
            "lon": [6.3],
            "street": [text],
            "housenumber": ["1"],
            "place": [text],
            "score": [3.0],
            "factors": [[(text, 2.0)]],
        }
    )
    reports = pd.DataFrame({"lat": [52.06], "lon": [6.31], "label": [text]})
    page = build_map(_context(text), None, None, markers, reports, basemap="none")

    rendered = page.get_root().render()

    # The map's data are JSON in a script: &, < and > as \u escapes.
    shown = rendered.replace("\\u0026", "&").replace("\\u003c", "<").replace("\\u003e", ">")
    assert text not in shown
    inert = html.escape(text).replace("{", "&#123;").replace("}", "&#125;")
    assert shown.count(inert) >= 4  # street, place, factor title, report, village label
