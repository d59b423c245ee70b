"""Client for the AMap (高德) Web Service API v3: reverse geocoding and place search.

Coordinates in and out are GCJ-02, which is what AMap uses and what the project stores. The base URL
and key come from `GEOCODER_URL` / `GEOCODER_KEY`; tests point the URL at `apps.units.fake_amap`.

    GET {base}/v3/geocode/regeo?key=&location=LNG,LAT&output=JSON
    GET {base}/v3/place/text?key=&keywords=&city=百色&citylimit=true&offset=10&page=1&output=JSON

Every failure (HTTP error, timeout, unreadable answer, `status: "0"`) raises `GeocoderError`; the caller
decides what the owner sees. AMap writes `[]` for an empty string field: `_text` turns it back into "".
Nothing here logs the query text or the coordinates.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import requests
from django.conf import settings

CITY = "百色"
PAGE_SIZE = 10

_local = threading.local()


class GeocoderError(Exception):
    """The map service could not answer. `info`/`infocode` are AMap's (or ours for transport errors)."""

    def __init__(self, info: str, infocode: str = "") -> None:
        super().__init__(f"{info} ({infocode})" if infocode else info)
        self.info = info
        self.infocode = infocode


class GeocoderNotConfigured(GeocoderError):
    def __init__(self) -> None:
        super().__init__("GEOCODER_NOT_CONFIGURED")


def is_configured() -> bool:
    return bool(settings.GEOCODER_URL)


def _session() -> requests.Session:
    # One pooled session per thread: requests.Session is not documented as thread-safe.
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
        session.headers["User-Agent"] = "kckp-geocoder/1"
    return session


def _get(path: str, params: dict[str, Any]) -> dict:
    if not is_configured():
        raise GeocoderNotConfigured()
    url = settings.GEOCODER_URL.rstrip("/") + path
    query = {"key": settings.GEOCODER_KEY, **params, "output": "JSON"}
    try:
        response = _session().get(url, params=query, timeout=settings.GEOCODER_TIMEOUT)
    except requests.Timeout as exc:
        raise GeocoderError("TIMEOUT", "timeout") from exc
    except requests.RequestException as exc:
        raise GeocoderError("CONNECTION_ERROR", type(exc).__name__) from exc
    if response.status_code != 200:
        raise GeocoderError("HTTP_ERROR", str(response.status_code))
    try:
        body = response.json()
    except ValueError as exc:
        raise GeocoderError("MALFORMED_RESPONSE", "json") from exc
    if not isinstance(body, dict):
        raise GeocoderError("MALFORMED_RESPONSE", "type")
    if str(body.get("status")) != "1":
        raise GeocoderError(_text(body.get("info")) or "UNKNOWN_ERROR", _text(body.get("infocode")))
    return body


def _text(value: Any) -> str:
    """AMap's string fields: `[]` (or null) when empty, occasionally a list of parts."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        return "".join(part for part in (_text(v) for v in value) if part)
    return ""


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _location(value: Any) -> tuple[float, float] | None:
    """"107.589,23.329" -> (107.589, 23.329); None when missing or unreadable."""
    parts = _text(value).split(",")
    if len(parts) != 2:
        return None
    try:
        lng, lat = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (math.isfinite(lng) and math.isfinite(lat) and -180 <= lng <= 180 and -90 <= lat <= 90):
        return None
    return lng, lat


def reverse(lng: float, lat: float) -> dict:
    """The address at a GCJ-02 point.

    -> {"formatted_address", "province", "city", "district", "township", "street", "number"}, every value a
    string ("" where AMap has nothing). A point AMap has no data for comes back with "" everywhere.
    """
    body = _get("/v3/geocode/regeo", {"location": f"{lng:.6f},{lat:.6f}"})
    regeocode = body.get("regeocode")
    if not isinstance(regeocode, dict):
        raise GeocoderError("MALFORMED_RESPONSE", "regeocode")
    component = _dict(regeocode.get("addressComponent"))
    street = _dict(component.get("streetNumber"))
    city = _text(component.get("city"))
    province = _text(component.get("province"))
    return {
        "formatted_address": _text(regeocode.get("formatted_address")),
        "province": province,
        # Municipalities and county-level cities directly under a province answer `city: []`.
        "city": city,
        "district": _text(component.get("district")),
        "township": _text(component.get("township")),
        "street": _text(street.get("street")),
        "number": _text(street.get("number")),
    }


def search(q: str) -> list[dict]:
    """Places in Baise matching `q`, at most PAGE_SIZE.

    -> [{"id", "name", "address", "lng", "lat", "province", "city", "district"}] in AMap's order. Places
    without a readable location are dropped.
    """
    body = _get("/v3/place/text", {"keywords": q, "city": CITY, "citylimit": "true", "offset": PAGE_SIZE, "page": 1})
    pois = body.get("pois")
    if pois is None:
        pois = []
    if not isinstance(pois, list):
        raise GeocoderError("MALFORMED_RESPONSE", "pois")
    results = []
    for poi in pois:
        if not isinstance(poi, dict):
            continue
        point = _location(poi.get("location"))
        name = _text(poi.get("name"))
        if point is None or not name:
            continue
        results.append({
            "id": _text(poi.get("id")), "name": name, "address": _text(poi.get("address")),
            "lng": point[0], "lat": point[1],
            "province": _text(poi.get("pname")), "city": _text(poi.get("cityname")), "district": _text(poi.get("adname")),
        })
    return results[:PAGE_SIZE]
