"""GPX 1.1 routes for car navigation (``<team>.gpx`` of a patrol plan).

One ``<rte>`` with its points in order (``<rtept lat=.. lon=..>`` with ``name`` and ``desc``),
WGS84 as GPX requires; written atomically. :func:`safe_file_stem` makes a team name into a
file name that is safe on every file system.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from buitengebied.io.atomic import atomic_output
from buitengebied.settings import WORKING_CRS

GPX_NAMESPACE: Final = "http://www.topografix.com/GPX/1/1"
_SCHEMA_LOCATION: Final = f"{GPX_NAMESPACE} http://www.topografix.com/GPX/1/1/gpx.xsd"
_XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
_UNSAFE: Final = re.compile(r"[^A-Za-z0-9._ -]+")
_RESERVED: Final = frozenset(
    {
        "con",
        "prn",
        "aux",
        "nul",
        *(f"com{i}" for i in range(1, 10)),
        *(f"lpt{i}" for i in range(1, 10)),
    }
)


@dataclass(frozen=True)
class RoutePoint:
    """One point of a route, in EPSG:28992.

    Attributes
    ----------
    x, y : float
        Where.
    name : str
        Short name (shown by the navigation).
    description : str
        Longer text.
    """

    x: float
    y: float
    name: str
    description: str = ""


def write_gpx_route(path: Path, points: Sequence[RoutePoint], *, name: str, creator: str) -> None:
    """Write one GPX 1.1 route atomically.

    Parameters
    ----------
    path : Path
        The ``.gpx`` file.
    points : sequence of RoutePoint
        In the order driven.
    name : str
        The route's name.
    creator : str
        The program that wrote it (required by GPX).
    """
    ET.register_namespace("", GPX_NAMESPACE)
    root = ET.Element(
        _tag("gpx"),
        {"version": "1.1", "creator": creator, f"{{{_XSI}}}schemaLocation": _SCHEMA_LOCATION},
    )
    route = ET.SubElement(root, _tag("rte"))
    ET.SubElement(route, _tag("name")).text = _clean(name)
    lonlat = _to_wgs84(points)
    for point, (lon, lat) in zip(points, lonlat, strict=True):
        element = ET.SubElement(route, _tag("rtept"), {"lat": f"{lat:.7f}", "lon": f"{lon:.7f}"})
        ET.SubElement(element, _tag("name")).text = _clean(point.name)
        if point.description:
            ET.SubElement(element, _tag("desc")).text = _clean(point.description)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    with atomic_output(Path(path)) as handle:
        tree.write(handle, encoding="utf-8", xml_declaration=True)


def _tag(name: str) -> str:
    return f"{{{GPX_NAMESPACE}}}{name}"


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot hold (control characters from partners' files)."""
    return "".join(c for c in text if c in "\t\n\r" or (ord(c) >= 0x20 and c not in "\ufffe\uffff"))


def _to_wgs84(points: Sequence[RoutePoint]) -> np.ndarray:
    from pyproj import Transformer

    if not points:
        return np.zeros((0, 2))
    transformer = Transformer.from_crs(WORKING_CRS, "EPSG:4326", always_xy=True)
    xy = np.array([(p.x, p.y) for p in points], dtype=float)
    lon, lat = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def safe_file_stem(name: str) -> str:
    """Return ``name`` as a file stem safe on every file system.

    Accents are dropped (``é`` -> ``e``), anything but letters, digits, ``.``, ``_``, ``-``
    and spaces becomes ``_``, leading dots and trailing dots and spaces are removed, and a
    name Windows reserves (``CON``, ``NUL``, ...) gets a ``_`` in front.

    Parameters
    ----------
    name : str
        E.g. a team name, ``Blauw 1``.

    Returns
    -------
    str
        Never empty (``team`` for a name with nothing left).
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = _UNSAFE.sub("_", ascii_name).strip(" .").lstrip(".")[:80] or "team"
    return f"_{stem}" if stem.split(".")[0].lower() in _RESERVED else stem
