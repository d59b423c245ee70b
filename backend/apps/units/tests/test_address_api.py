"""GET /api/v1/owner/address and /owner/address/search, with the fake AMap and without a map service."""

import logging
import time

import pytest

from apps.units.fake_amap import Place
from apps.units.geo import jurisdictions, to_wgs84
from apps.units.models import Unit, UnitKind

HOSPITAL = (107.5893, 23.3290)  # 平果市人民医院, GCJ-02
PINGGUO_FIELD = (107.45, 23.45)  # inside 平果, away from every gazetteer place
NANNING = (108.3167, 22.8267)  # outside Baise
ADDRESS, SEARCH = "/api/v1/owner/address", "/api/v1/owner/address/search"


def address(client, lng, lat, system="gcj02"):
    response = client.get(ADDRESS, {"lng": lng, "lat": lat, "coord_system": system})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def owner(demo, owner_client):
    return owner_client()


def test_reverse_with_the_map_service(owner, fake_amap):
    assert address(owner, *HOSPITAL) == {
        "address": "广西壮族自治区百色市平果市马头镇教育路平果市人民医院", "county": "平果市", "source": "map"}
    assert fake_amap.calls["/v3/geocode/regeo"] == 1
    # outside Baise the map still describes the point (here: the fake has no data, so no text at all)
    assert address(owner, *NANNING) == {"address": "", "county": "", "source": "jurisdiction"}


def test_wgs84_is_converted_before_the_map_sees_it(owner, fake_amap):
    w_lng, w_lat = to_wgs84(*HOSPITAL, "gcj02")
    body = address(owner, w_lng, w_lat, "wgs84")
    assert body["source"] == "map" and body["address"].endswith("平果市人民医院")
    seen_lng, seen_lat = map(float, fake_amap.requests[-1]["query"]["location"].split(","))
    assert abs(seen_lng - HOSPITAL[0]) < 2e-6 and abs(seen_lat - HOSPITAL[1]) < 2e-6
    # the raw WGS-84 numbers are ~500 m off: read as GCJ-02 they are no longer at the hospital
    assert abs(w_lng - HOSPITAL[0]) + abs(w_lat - HOSPITAL[1]) > 0.003
    assert address(owner, w_lng, w_lat, "gcj02")["address"] == "广西壮族自治区百色市平果市"


def test_reverse_without_the_map_service_uses_the_jurisdiction(owner, no_geocoder):
    assert address(owner, *PINGGUO_FIELD) == {"address": "广西壮族自治区百色市平果市", "county": "平果市",
                                             "source": "jurisdiction"}
    w_lng, w_lat = to_wgs84(*HOSPITAL, "gcj02")
    assert address(owner, w_lng, w_lat, "wgs84")["county"] == "平果市"
    assert address(owner, *NANNING) == {"address": "", "county": "", "source": "jurisdiction"}


@pytest.mark.parametrize("injection", [{"infocode": "10003"}, {"infocode": "10001"}, {"status": 500, "body": b"oops"},
                                       {"delay": 2.0}])
def test_reverse_falls_back_when_the_map_fails(owner, fake_amap, injection):
    fake_amap.inject("/v3/geocode/regeo", **injection)
    started = time.monotonic()
    body = address(owner, *HOSPITAL)
    assert time.monotonic() - started < 1.5  # the fixture's 0.5 s timeout, not the injected 2 s
    assert body == {"address": "广西壮族自治区百色市平果市", "county": "平果市", "source": "jurisdiction"}
    assert fake_amap.calls["/v3/geocode/regeo"] == 1


def test_county_of_a_station_polygon_and_of_an_unknown_adcode(owner, no_geocoder, demo):
    county = demo["451082"]
    station = Unit.objects.create(name="平果市马头测试派出所", kind=UnitKind.STATION, parent=county, adcode="451082",
                                  jurisdiction={"type": "Polygon", "coordinates": [[
                                      [107.44, 23.44], [107.46, 23.44], [107.46, 23.46], [107.44, 23.46], [107.44, 23.44]]]})
    jurisdictions.invalidate()
    try:
        assert jurisdictions.locate_gcj02(*PINGGUO_FIELD).unit_id == station.pk
        assert address(owner, *PINGGUO_FIELD)["county"] == "平果市"
        Unit.objects.filter(pk=county.pk).update(adcode="459999", name="新设县交警大队")
        jurisdictions.invalidate()
        assert address(owner, *PINGGUO_FIELD) == {"address": "广西壮族自治区百色市新设县", "county": "新设县",
                                                 "source": "jurisdiction"}
    finally:
        station.delete()
        Unit.objects.filter(pk=county.pk).update(adcode=county.adcode, name=county.name)
        jurisdictions.invalidate()


@pytest.mark.parametrize("params,message", [
    ({}, "缺少经度。"),
    ({"lng": "abc", "lat": "23.3", "coord_system": "gcj02"}, "经度必须是数字。"),
    ({"lng": "107.5", "coord_system": "gcj02"}, "缺少纬度。"),
    ({"lng": "107.5", "lat": "23.3"}, "缺少坐标系。"),
    ({"lng": "107.5", "lat": "23.3", "coord_system": "bd09"}, "坐标系只能是 wgs84 或 gcj02。"),
    ({"lng": "200", "lat": "23.3", "coord_system": "gcj02"}, "坐标超出范围：经度应在 -180~180，纬度应在 -90~90 之间。"),
    ({"lng": "nan", "lat": "23.3", "coord_system": "gcj02"}, None),
    ({"lng": "107.5", "lat": "inf", "coord_system": "gcj02"}, None),
])
def test_reverse_rejects_bad_coordinates(owner, fake_amap, params, message):
    response = owner.get(ADDRESS, params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"] == message if message else body["detail"] and not body["detail"].isascii()
    assert fake_amap.calls["/v3/geocode/regeo"] == 0


def test_search_with_the_map_service_filters_outside_baise(owner, fake_amap):
    # AMap files this one under 百色 (a city office in Nanning): the polygons leave it out.
    fake_amap.add_place(Place("B0TEST0002", "百色大厦", *NANNING, "青秀区", "", "民族大道"))
    response = owner.get(SEARCH, {"q": "  百色  "})
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["name"] for r in results] == ["百色市人民医院", "百色起义纪念馆", "百色站"]
    assert results[0] == {"name": "百色市人民医院", "address": "城乡路8号", "lng": 106.6252, "lat": 23.904,
                          "coord_system": "gcj02", "county": "右江区"}
    assert fake_amap.requests[-1]["query"]["keywords"] == "百色"  # trimmed
    assert owner.get(SEARCH, {"q": "平果"}).json()["results"][0]["county"] == "平果市"
    assert owner.get(SEARCH, {"q": "没有这个地方"}).json() == {"results": []}


def test_search_results_are_capped_at_ten(owner, fake_amap):
    for i in range(15):
        fake_amap.add_place(Place(f"B0CAP{i:05}", f"平果测试点{i}", 107.58 + i * 0.001, 23.33, "平果市", "马头镇", ""))
    assert len(owner.get(SEARCH, {"q": "平果测试点"}).json()["results"]) == 10


def test_search_without_the_map_service_is_503(owner, no_geocoder):
    response = owner.get(SEARCH, {"q": "平果市人民医院"})
    assert response.status_code == 503
    assert response.json() == {"code": "geocoder_unavailable", "detail": "地址搜索暂不可用，请在地图上点选事故位置。"}


@pytest.mark.parametrize("injection", [{"infocode": "10003"}, {"infocode": "10001"}, {"delay": 2.0},
                                       {"body": b"<html>", "status": 200}])
def test_search_map_failure_is_503(owner, fake_amap, injection):
    fake_amap.inject("/v3/place/text", **injection)
    started = time.monotonic()
    response = owner.get(SEARCH, {"q": "医院"})
    assert time.monotonic() - started < 1.5
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "geocoder_unavailable" and "在地图上点选" in body["detail"]


@pytest.mark.parametrize("q", ["", " ", "平", "  平  ", "长" * 51, "a\x00b"])
def test_search_rejects_bad_queries(owner, fake_amap, q):
    response = owner.get(SEARCH, {"q": q})
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid" and not response.json()["detail"].isascii()
    assert fake_amap.calls["/v3/place/text"] == 0


def test_search_missing_query_is_400(owner, fake_amap):
    response = owner.get(SEARCH)
    assert response.status_code == 400 and response.json()["detail"] == "请输入 2 到 50 个字的地名或地址。"


def test_owner_token_required(demo, api, staff, fake_amap):
    params = {"lng": HOSPITAL[0], "lat": HOSPITAL[1], "coord_system": "gcj02"}
    assert api.get(ADDRESS, params).status_code == 401
    assert api.get(SEARCH, {"q": "医院"}).status_code == 401
    officer = staff("pingguo_officer")
    assert officer.get(ADDRESS, params).status_code == 403
    assert officer.get(SEARCH, {"q": "医院"}).status_code == 403
    assert sum(fake_amap.calls.values()) == 0


def test_no_coordinates_or_query_in_the_log(owner, fake_amap, caplog):
    fake_amap.inject("/v3/geocode/regeo", infocode="10003")
    fake_amap.inject("/v3/place/text", infocode="10003")
    with caplog.at_level(logging.DEBUG, logger="apps"):
        address(owner, *HOSPITAL)
        owner.get(SEARCH, {"q": "平果市人民医院"})
        address(owner, *HOSPITAL)
    text = caplog.text
    assert "DAILY_QUERY_OVER_LIMIT" in text  # the failure is logged…
    assert "107.58" not in text and "23.32" not in text and "人民医院" not in text  # …without what was asked


def test_schema_documents_both_endpoints(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    reverse, search = schema["paths"]["/api/v1/owner/address"]["get"], schema["paths"]["/api/v1/owner/address/search"]["get"]
    assert {p["name"] for p in reverse["parameters"]} == {"lng", "lat", "coord_system"}
    assert {"200", "400"} <= set(reverse["responses"]) and {"200", "400", "503"} <= set(search["responses"])
    assert {"ownerToken": []} in reverse["security"] and {"ownerToken": []} in search["security"]


def test_lookups_are_limited_per_owner(demo, owner_client, settings):
    """Each lookup may spend the map service's daily quota: one owner cannot drain it."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "address": "3/min"}}
    first, second = owner_client(), owner_client()
    for _ in range(3):
        address(first, *PINGGUO_FIELD)
    refused = first.get(ADDRESS, {"lng": PINGGUO_FIELD[0], "lat": PINGGUO_FIELD[1], "coord_system": "gcj02"})
    assert refused.status_code == 429 and refused.json()["detail"]
    assert first.get(SEARCH, {"q": "人民医院"}).status_code == 429
    assert address(second, *PINGGUO_FIELD)["county"] == "平果市"  # another owner is not affected
