"""A local stand-in for the AMap (高德) Web Service API v3, for tests and offline development.

It speaks the real protocol (same paths, query parameters, JSON bodies, `status`/`info`/`infocode`
errors, `[]` for empty strings) so the real client (`apps.units.geocoder`) runs unchanged; only
`GEOCODER_URL` points here instead of https://restapi.amap.com.

Implemented:

    GET /v3/geocode/regeo?key=&location=LNG,LAT&output=JSON
    GET /v3/place/text?key=&keywords=&city=&citylimit=true|false&offset=&page=&output=JSON

The gazetteer is a dozen real places in Baise (GCJ-02 points, each inside its county's polygon in
`data/baise_jurisdictions.geojson`). A reverse lookup answers the nearest place within `NEAR_METRES`,
else a county-level address from the polygon the point falls in, else (outside Baise) empty fields, as
AMap does where it has no data.

Use in tests::

    with FakeAMap() as amap:
        ...  # settings.GEOCODER_URL = amap.base_url; settings.GEOCODER_KEY = amap.key
        amap.inject("/v3/place/text", delay=2.0)
        assert amap.calls["/v3/geocode/regeo"] == 1
        assert amap.requests[-1]["query"]["location"] == "107.589300,23.329000"

Or standalone:  python -m apps.units.fake_amap --port 8766
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from shapely import STRtree
from shapely.geometry import Point, shape

from apps.common.fake_service import FakeHandler, LocalFakeService

from .geo import distance_m

DEFAULT_KEY = "fake-amap-key-0123456789abcdef"
POLYGONS = Path(__file__).parent / "data" / "baise_jurisdictions.geojson"
PROVINCE, CITY = "广西壮族自治区", "百色市"
NEAR_METRES = 300.0

# AMap's error answers (HTTP 200, status "0").
ERRORS = {
    "10001": "INVALID_USER_KEY",
    "10002": "SERVICE_NOT_AVAILABLE",
    "10003": "DAILY_QUERY_OVER_LIMIT",
    "10004": "ACCESS_TOO_FREQUENT",
    "20000": "INVALID_PARAMS",
    "20003": "UNKNOWN_ERROR",
}


def error(infocode: str) -> dict:
    return {"status": "0", "info": ERRORS.get(infocode, "UNKNOWN_ERROR"), "infocode": infocode}


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    lng: float  # GCJ-02
    lat: float
    district: str
    township: str
    street: str
    number: str = ""
    city: str = CITY
    province: str = PROVINCE

    @property
    def address(self) -> str:
        return self.street + self.number

    @property
    def formatted_address(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.township}{self.street}{self.name}"


GAZETTEER = (
    Place("B0FFG0PG01", "平果市人民医院", 107.5893, 23.3290, "平果市", "马头镇", "教育路", "12号"),
    Place("B0FFG0PG02", "平果市人民政府", 107.5897, 23.3293, "平果市", "马头镇", "教育路", "1号"),
    Place("B0FFG0YJ01", "百色市人民医院", 106.6252, 23.9040, "右江区", "百城街道", "城乡路", "8号"),
    Place("B0FFG0YJ02", "百色起义纪念馆", 106.6216, 23.9035, "右江区", "百城街道", "解放街", "39号"),
    Place("B0FFG0YJ03", "百色站", 106.6541, 23.9216, "右江区", "龙景街道", "站前大道"),
    Place("B0FFG0TD01", "田东县人民医院", 107.1259, 23.5976, "田东县", "平马镇", "人民路", "50号"),
    Place("B0FFG0JX01", "靖西市人民医院", 106.4186, 23.1349, "靖西市", "新靖镇", "城西路"),
    Place("B0FFG0TY01", "田阳区人民医院", 106.9153, 23.7371, "田阳区", "田州镇", "民权街"),
    Place("B0FFG0DB01", "德保县人民医院", 106.6152, 23.3247, "德保县", "城关镇", "云山路"),
    Place("B0FFG0LY01", "大石围天坑", 106.4935, 24.6902, "乐业县", "同乐镇", ""),
    Place("B0FFG0LJ01", "浩坤湖", 106.5345, 24.2860, "凌云县", "伶站瑶族乡", ""),
)


class FakeAMap(LocalFakeService):
    """State of the fake plus the server thread. Every method is safe to call from the test thread."""

    thread_name = "fake-amap"

    def __init__(self, key: str = DEFAULT_KEY, host: str = "127.0.0.1", port: int = 0) -> None:
        self.key = key
        self.lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.requests: list[dict] = []  # every request: path and query
        self.places: list[Place] = list(GAZETTEER)
        self._injected: dict[str, list[dict]] = {}
        collection = json.loads(POLYGONS.read_text(encoding="utf-8"))
        counties = [f for f in collection["features"] if f["properties"]["adcode"] != "451000"]
        self._county_names = [f["properties"]["name"] for f in counties]
        self._county_geoms = [shape(f["geometry"]) for f in counties]
        self._county_tree = STRtree(self._county_geoms)
        super().__init__(self._handler_class(), host, port)

    # --- lifecycle -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Value for GEOCODER_URL (AMap's is https://restapi.amap.com)."""
        return f"http://{self.host}:{self.port}"

    # --- test controls -------------------------------------------------------------------------

    def add_place(self, place: Place) -> Place:
        with self.lock:
            self.places.append(place)
        return place

    def inject(self, path: str, *, infocode: str | None = None, delay: float = 0.0, status: int = 200,
               body: bytes | None = None, times: int = 1) -> None:
        """The next `times` calls to `path` wait `delay` seconds, then answer AMap error `infocode`, or
        the raw `body` with HTTP `status`, or (with neither) their normal answer."""
        with self.lock:
            self._injected.setdefault(path, []).extend(
                [{"infocode": infocode, "delay": delay, "status": status, "body": body}] * times)

    def reset_counts(self) -> None:
        with self.lock:
            self.calls.clear()
            self.requests.clear()

    # --- protocol ------------------------------------------------------------------------------

    def county_at(self, lng: float, lat: float) -> str:
        point = Point(lng, lat)
        for idx in self._county_tree.query(point):
            if self._county_geoms[int(idx)].covers(point):
                return self._county_names[int(idx)]
        return ""

    def _regeo(self, q: dict) -> dict:
        parts = q.get("location", "").split(",")
        try:
            lng, lat = float(parts[0]), float(parts[1])
        except (IndexError, ValueError):
            return error("20000")
        if len(parts) != 2 or not (-180 <= lng <= 180 and -90 <= lat <= 90):
            return error("20000")
        nearest = min(self.places, key=lambda p: distance_m(lng, lat, p.lng, p.lat), default=None)
        if nearest is not None and distance_m(lng, lat, nearest.lng, nearest.lat) <= NEAR_METRES:
            component = {"province": nearest.province, "city": nearest.city, "district": nearest.district,
                         "township": nearest.township or [],
                         "streetNumber": {"street": nearest.street or [], "number": nearest.number or []}}
            formatted = nearest.formatted_address
        else:
            county = self.county_at(lng, lat)
            if county:
                component = {"province": PROVINCE, "city": CITY, "district": county, "township": [],
                             "streetNumber": {"street": [], "number": []}}
                formatted = PROVINCE + CITY + county
            else:  # no data here: AMap answers OK with empty fields
                component = {"province": [], "city": [], "district": [], "township": [], "streetNumber": []}
                formatted = []
        return {"status": "1", "info": "OK", "infocode": "10000",
                "regeocode": {"formatted_address": formatted, "addressComponent": component}}

    def _place_text(self, q: dict) -> dict:
        keywords = q.get("keywords", "").strip()
        if not keywords:
            return error("20000")
        try:
            offset = max(1, min(25, int(q.get("offset") or 20)))
            page = max(1, int(q.get("page") or 1))
        except ValueError:
            return error("20000")
        city = q.get("city", "")
        limit = q.get("citylimit", "false") == "true" and city
        needle = keywords.lower()
        found = [p for p in self.places
                 if (needle in p.name.lower() or needle in p.address.lower() or needle in p.district)
                 and (not limit or city in p.city)]
        pois = [{"id": p.id, "name": p.name, "type": "", "address": p.address or [],
                 "location": f"{p.lng:.6f},{p.lat:.6f}", "pname": p.province, "cityname": p.city,
                 "adname": p.district or []}
                for p in found[(page - 1) * offset: page * offset]]
        return {"status": "1", "count": str(len(found)), "info": "OK", "infocode": "10000", "pois": pois}

    def handle(self, method: str, path: str, q: dict) -> tuple[dict | None, int, dict | bytes]:
        """(injection applied, HTTP status, JSON payload or raw bytes)."""
        with self.lock:
            self.calls[path] += 1
            self.requests.append({"method": method, "path": path, "query": q})
            queue = self._injected.get(path)
            injected = queue.pop(0) if queue else None
            if injected is not None and (injected["infocode"] or injected["body"] is not None):
                if injected["infocode"]:
                    return injected, 200, error(injected["infocode"])
                return injected, injected["status"], injected["body"]
            if method != "GET" or path not in ("/v3/geocode/regeo", "/v3/place/text"):
                return injected, 404, {"status": "0", "info": "NOT_FOUND", "infocode": "404"}
            if q.get("key") != self.key:
                return injected, 200, error("10001")
            if path == "/v3/geocode/regeo":
                return injected, 200, self._regeo(q)
            return injected, 200, self._place_text(q)

    def _handler_class(self):
        fake = self

        class Handler(FakeHandler):
            def _serve(self, method: str) -> None:
                path, q, _ = self._read_request()
                injected, status, payload = fake.handle(method, path, q)
                if injected and injected["delay"]:
                    time.sleep(injected["delay"])  # outside the lock: other requests go on meanwhile
                self._send_json(status, payload)

        return Handler


def main() -> None:  # pragma: no cover - manual use
    parser = argparse.ArgumentParser(description="Fake AMap Web Service API for local development")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--key", default=DEFAULT_KEY)
    args = parser.parse_args()
    fake = FakeAMap(args.key, args.host, args.port)
    print(f"fake AMap on {fake.base_url}  (GEOCODER_URL={fake.base_url} GEOCODER_KEY={args.key})")
    fake.serve_forever()


if __name__ == "__main__":  # pragma: no cover
    main()
