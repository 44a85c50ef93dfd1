"""GPX 1.1 routes validate against TopoGrafix's schema; file stems are safe."""

from __future__ import annotations

from pathlib import Path

import pytest
import xmlschema

from buitengebied.io.gpx import RoutePoint, safe_file_stem, write_gpx_route

GPX_XSD = Path(__file__).resolve().parents[1] / "data" / "gpx" / "gpx.xsd"


@pytest.fixture(scope="module")
def gpx_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(GPX_XSD)


def test_route_validates_and_keeps_the_order(
    tmp_path: Path, gpx_schema: xmlschema.XMLSchema
) -> None:
    points = [
        RoutePoint(218_540.0, 451_660.0, "Start", "vertrek 22:00"),
        RoutePoint(221_432.6, 453_341.9, "1. 0221010000012345", "Dorpsstraat 1 <&> \x1b[31m"),
        RoutePoint(218_540.0, 451_660.0, "Einde"),
    ]
    target = tmp_path / "Blauw 1.gpx"
    write_gpx_route(target, points, name="Blauw 1", creator="test")
    gpx_schema.validate(target)
    document = gpx_schema.to_dict(target)
    names = [point["name"] for point in document["rte"][0]["rtept"]]
    assert names == ["Start", "1. 0221010000012345", "Einde"]
    first = document["rte"][0]["rtept"][0]
    # The Hengelo (Gld) post in WGS84.
    assert float(first["@lat"]) == pytest.approx(52.0496, abs=1e-3)
    assert float(first["@lon"]) == pytest.approx(6.3135, abs=1e-3)


def test_empty_route_validates(tmp_path: Path, gpx_schema: xmlschema.XMLSchema) -> None:
    target = tmp_path / "empty.gpx"
    write_gpx_route(target, [], name="leeg", creator="test")
    gpx_schema.validate(target)


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("Blauw 1", "Blauw 1"),
        ("Groen/Noord", "Groen_Noord"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("Één", "Een"),
        ("CON", "_CON"),
        ("...", "team"),
        ("a:b*c?", "a_b_c_"),
    ],
)
def test_safe_file_stem(name: str, stem: str) -> None:
    assert safe_file_stem(name) == stem
