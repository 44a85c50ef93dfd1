"""The one conversion into the working CRS (buitengebied.projection)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from numpy.testing import assert_allclose
from pyproj import CRS, Transformer

from buitengebied.errors import BuitengebiedError
from buitengebied.projection import MissingCRSError, to_working_crs

#: The Onze Lieve Vrouwetoren in Amersfoort, the origin of the RD grid.
AMERSFOORT_LON_LAT = (5.38720621, 52.15517440)
AMERSFOORT_RD = (155_000.0, 463_000.0)


def geometries(*items: shapely.Geometry | None) -> np.ndarray:
    return np.array(items, dtype=object)


def test_geometries_without_a_crs_are_refused_with_a_project_error() -> None:
    with pytest.raises(MissingCRSError, match="no CRS") as caught:
        to_working_crs(geometries(shapely.Point(155_000, 463_000)), None)
    assert isinstance(caught.value, BuitengebiedError)
    assert "EPSG:28992" in str(caught.value)


def test_an_empty_array_without_a_crs_is_refused_too() -> None:
    with pytest.raises(MissingCRSError):
        to_working_crs(geometries(), None)


def test_wgs84_points_land_where_pyproj_puts_them() -> None:
    lon_lat = np.array([AMERSFOORT_LON_LAT, (6.30, 52.05), (3.40, 51.40)])
    expected = np.column_stack(
        Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True).transform(*lon_lat.T)
    )
    projected = to_working_crs(shapely.points(lon_lat), "EPSG:4326")
    assert_allclose(shapely.get_coordinates(projected), expected, rtol=0, atol=1e-6)


def test_the_amersfoort_tower_is_the_rd_origin() -> None:
    projected = to_working_crs(geometries(shapely.Point(*AMERSFOORT_LON_LAT)), "EPSG:4326")
    # Without the RDNAPTRANS grids pyproj's datum shift is good to about a metre.
    assert_allclose(shapely.get_coordinates(projected)[0], AMERSFOORT_RD, rtol=0, atol=2.0)


def test_lon_lat_order_is_kept_whatever_the_crs_axis_order() -> None:
    # EPSG:4326 is latitude first by definition; the library's geometries are x = lon.
    projected = to_working_crs(geometries(shapely.Point(*AMERSFOORT_LON_LAT)), "EPSG:4326")
    crs84 = to_working_crs(geometries(shapely.Point(*AMERSFOORT_LON_LAT)), "OGC:CRS84")
    assert shapely.equals_exact(projected, crs84, tolerance=1e-6).all()


def test_every_vertex_of_a_polygon_is_transformed_and_missing_geometries_stay_missing() -> None:
    ring = [(5.0, 52.0), (5.1, 52.0), (5.1, 52.1), (5.0, 52.1), (5.0, 52.0)]
    transformer = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
    expected = np.column_stack(transformer.transform(*np.array(ring).T))
    projected = to_working_crs(geometries(None, shapely.Polygon(ring), None), "EPSG:4326")
    assert projected[0] is None and projected[2] is None
    assert projected[1].geom_type == "Polygon"
    assert_allclose(shapely.get_coordinates(projected[1]), expected, rtol=0, atol=1e-6)
    assert projected[1].exterior.is_closed


def test_the_input_geometries_are_not_changed() -> None:
    original = geometries(shapely.Point(*AMERSFOORT_LON_LAT))
    to_working_crs(original, "EPSG:4326")
    assert original[0].equals(shapely.Point(*AMERSFOORT_LON_LAT))


def test_web_mercator_is_transformed_as_pyproj_does() -> None:
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform(
        *AMERSFOORT_LON_LAT
    )
    projected = to_working_crs(geometries(shapely.Point(x, y)), "EPSG:3857")
    expected = Transformer.from_crs("EPSG:3857", "EPSG:28992", always_xy=True).transform(x, y)
    assert_allclose(shapely.get_coordinates(projected)[0], expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    "rd_new",
    ["EPSG:28992", "epsg:28992", CRS.from_epsg(28992).to_wkt()],
    ids=["code", "lower-case code", "wkt"],
)
def test_rd_new_data_is_left_untouched(rd_new: str) -> None:
    xy = np.array([[155_000.123456789, 463_000.987654321], [215_800.0, 450_800.0]])
    original = geometries(*shapely.points(xy), shapely.box(215_000, 450_000, 215_100, 450_100))
    projected = to_working_crs(original, rd_new)
    assert len(projected) == 3
    assert shapely.equals_exact(projected, original, tolerance=0).all()


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:28992"])
def test_an_empty_array_stays_empty(crs: str) -> None:
    projected = to_working_crs(geometries(), crs)
    assert projected.shape == (0,)


def test_an_array_of_missing_geometries_stays_missing() -> None:
    projected = to_working_crs(geometries(None, None), "EPSG:4326")
    assert list(projected) == [None, None]
