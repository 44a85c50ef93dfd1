"""GeoJSON layer files (RFC 7946, WGS84), read through OGR."""

from __future__ import annotations

from pathlib import Path

from buitengebied.io._ogr import read_with_ogr
from buitengebied.io._raw import WGS84, RawLayer


def read_geojson(path: Path, layer_name: str) -> RawLayer:
    """Read a GeoJSON layer file (RFC 7946: WGS84)."""
    raw = read_with_ogr(path, layer=None)
    # RFC 7946: GeoJSON coordinates are WGS84 lon/lat, whatever a file may claim.
    if raw.geometry is not None:
        raw.crs = raw.crs or WGS84
    return raw
