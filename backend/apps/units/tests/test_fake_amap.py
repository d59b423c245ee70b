"""The fake speaks AMap's protocol, and the real client (`apps.units.geocoder`) reads it."""

import json
import time

import pytest
import requests
from shapely.geometry import Point, shape

from apps.units import geocoder
from apps.units.fake_amap import DEFAULT_KEY, GAZETTEER, POLYGONS, FakeAMap, Place

COUNTY_GEOMS = {f["properties"]["name"]: shape(f["geometry"])
                for f in json.loads(POLYGONS.read_text(encoding="utf-8"))["features"]
                if f["properties"]["adcode"] != "451000"}


@pytest.mark.parametrize("place", GAZETTEER, ids=[p.name for p in GAZETTEER])
def test_every_gazetteer_place_lies_in_its_county(place):
    assert COUNTY_GEOMS[place.district].contains(Point(place.lng, place.lat))


def _get(amap: FakeAMap, path: str, **params) -> dict:
    response = requests.get(amap.base_url + path, params={"key": amap.key, "output": "JSON", **params}, timeout=5)
    assert response.status_code == 200
    return response.json()


def test_fake_protocol_answers_and_errors():
    with FakeAMap() as amap:
        ok = _get(amap, "/v3/geocode/regeo", location="107.589300,23.329000")
        assert (ok["status"], ok["info"], ok["infocode"]) == ("1", "OK", "10000")
        component = ok["regeocode"]["addressComponent"]
        assert component["district"] == "平果市" and component["streetNumber"] == {"street": "教育路", "number": "12号"}
        # county-level answer away from every place: empty fields are [] as in AMap
        county = _get(amap, "/v3/geocode/regeo", location="107.450000,23.450000")["regeocode"]
        assert county["formatted_address"] == "广西壮族自治区百色市平果市" and county["addressComponent"]["township"] == []
        assert _get(amap, "/v3/geocode/regeo", location="nonsense") == {
            "status": "0", "info": "INVALID_PARAMS", "infocode": "20000"}
        assert _get(amap, "/v3/geocode/regeo", location="107.5,23.3", key="wrong")["infocode"] == "10001"
        found = _get(amap, "/v3/place/text", keywords="医院", city="百色", citylimit="true", offset=2, page=1)
        assert found["count"] == "6" and len(found["pois"]) == 2 and found["pois"][0]["name"] == "平果市人民医院"
        assert _get(amap, "/v3/place/text", keywords="")["infocode"] == "20000"
        assert amap.calls["/v3/geocode/regeo"] == 4 and amap.calls["/v3/place/text"] == 2
        assert amap.requests[-1]["query"]["keywords"] == ""


def test_client_reverse_and_empty_fields(settings):
    with FakeAMap() as amap:
        settings.GEOCODER_URL, settings.GEOCODER_KEY = amap.base_url + "/", amap.key  # a trailing slash is fine
        hospital = geocoder.reverse(107.5893, 23.3290)
        assert hospital == {"formatted_address": "广西壮族自治区百色市平果市马头镇教育路平果市人民医院",
                            "province": "广西壮族自治区", "city": "百色市", "district": "平果市", "township": "马头镇",
                            "street": "教育路", "number": "12号"}
        assert amap.requests[-1]["query"] == {"key": DEFAULT_KEY, "location": "107.589300,23.329000", "output": "JSON"}
        county = geocoder.reverse(107.45, 23.45)
        assert county["formatted_address"] == "广西壮族自治区百色市平果市"
        assert county["township"] == county["street"] == county["number"] == ""
        nowhere = geocoder.reverse(108.3, 22.8)  # outside the fake's data: every field []
        assert set(nowhere.values()) == {""}


def test_client_search_copes_with_empty_fields(settings):
    with FakeAMap() as amap:
        settings.GEOCODER_URL, settings.GEOCODER_KEY = amap.base_url, amap.key
        amap.add_place(Place("B0TEST0001", "百色测试点", 106.60, 23.91, "", "", ""))
        results = geocoder.search("百色")
        query = amap.requests[-1]["query"]
        assert (query["keywords"], query["city"], query["citylimit"], query["offset"], query["page"]) == (
            "百色", "百色", "true", "10", "1")
        names = [r["name"] for r in results]
        assert names == ["百色市人民医院", "百色起义纪念馆", "百色站", "百色测试点"]
        test_point = results[-1]
        assert test_point == {"id": "B0TEST0001", "name": "百色测试点", "address": "", "lng": 106.6, "lat": 23.91,
                              "province": "广西壮族自治区", "city": "百色市", "district": ""}
        assert geocoder.search("没有这个地方") == []


@pytest.mark.parametrize("infocode,info", [("10001", "INVALID_USER_KEY"), ("10003", "DAILY_QUERY_OVER_LIMIT"),
                                           ("20000", "INVALID_PARAMS")])
def test_client_raises_on_amap_errors(settings, infocode, info):
    with FakeAMap() as amap:
        settings.GEOCODER_URL, settings.GEOCODER_KEY = amap.base_url, amap.key
        amap.inject("/v3/geocode/regeo", infocode=infocode)
        with pytest.raises(geocoder.GeocoderError) as raised:
            geocoder.reverse(107.5893, 23.3290)
        assert (raised.value.info, raised.value.infocode) == (info, infocode)
        assert geocoder.reverse(107.5893, 23.3290)["district"] == "平果市"  # injected once only


def test_client_wrong_key_is_refused_by_the_fake(settings):
    with FakeAMap() as amap:
        settings.GEOCODER_URL, settings.GEOCODER_KEY = amap.base_url, "not-the-key"
        with pytest.raises(geocoder.GeocoderError) as raised:
            geocoder.search("医院")
        assert raised.value.info == "INVALID_USER_KEY" and raised.value.infocode == "10001"


def test_client_times_out_quickly(settings):
    with FakeAMap() as amap:
        settings.GEOCODER_URL, settings.GEOCODER_KEY, settings.GEOCODER_TIMEOUT = amap.base_url, amap.key, 0.3
        amap.inject("/v3/place/text", delay=2.0)
        started = time.monotonic()
        with pytest.raises(geocoder.GeocoderError) as raised:
            geocoder.search("医院")
        assert time.monotonic() - started < 1.0
        assert raised.value.info == "TIMEOUT"
        assert amap.calls["/v3/place/text"] == 1


@pytest.mark.parametrize("status,body,info", [
    (502, b"<html>Bad Gateway</html>", "HTTP_ERROR"),
    (200, b"{not json", "MALFORMED_RESPONSE"),
    (200, b"[1, 2]", "MALFORMED_RESPONSE"),
    (200, b'{"status": "1", "info": "OK", "infocode": "10000", "regeocode": []}', "MALFORMED_RESPONSE"),
    (200, b'{"status": "0"}', "UNKNOWN_ERROR"),
])
def test_client_raises_on_transport_and_format_errors(settings, status, body, info):
    with FakeAMap() as amap:
        settings.GEOCODER_URL, settings.GEOCODER_KEY = amap.base_url, amap.key
        amap.inject("/v3/geocode/regeo", status=status, body=body)
        with pytest.raises(geocoder.GeocoderError) as raised:
            geocoder.reverse(107.5893, 23.3290)
        assert raised.value.info == info


def test_client_not_configured_and_unreachable(settings):
    settings.GEOCODER_URL = ""
    with pytest.raises(geocoder.GeocoderNotConfigured):
        geocoder.search("医院")
    amap = FakeAMap()
    settings.GEOCODER_URL, settings.GEOCODER_KEY = amap.base_url, amap.key
    amap.stop()  # nothing listens on the port any more
    with pytest.raises(geocoder.GeocoderError) as raised:
        geocoder.reverse(107.5893, 23.3290)
    assert raised.value.info == "CONNECTION_ERROR"
