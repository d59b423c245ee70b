"""Coordinates and jurisdiction lookup.

The county polygons are GCJ-02. A WGS-84 point from a phone's GPS is converted first: in Baise the
two datums are about 500 m apart, enough to put a point near a border into the wrong county.
"""

import math
import threading
import time
from dataclasses import dataclass

import prcoords
import shapely
from django.core.cache import cache
from shapely.geometry import shape

WGS84 = "wgs84"
GCJ02 = "gcj02"
COORD_SYSTEMS = (WGS84, GCJ02)

_VERSION_KEY = "units:jurisdiction-version"
_RECHECK_SECONDS = 10.0


def to_gcj02(lng: float, lat: float, coord_system: str) -> tuple[float, float]:
    if coord_system == GCJ02:
        return lng, lat
    converted = prcoords.wgs_gcj(prcoords.Coords(lat, lng), check_china=False)
    return converted.lon, converted.lat


def to_wgs84(lng: float, lat: float, coord_system: str) -> tuple[float, float]:
    if coord_system == WGS84:
        return lng, lat
    # The iterative inverse is accurate to centimetres; the plain one is off by metres.
    converted = prcoords.gcj_wgs_bored(prcoords.Coords(lat, lng), check_china=False)
    return converted.lon, converted.lat


def both_datums(lng: float, lat: float, coord_system: str) -> dict:
    g_lng, g_lat = to_gcj02(lng, lat, coord_system)
    w_lng, w_lat = to_wgs84(lng, lat, coord_system)
    return {
        "gcj02": {"lng": round(g_lng, 7), "lat": round(g_lat, 7)},
        "wgs84": {"lng": round(w_lng, 7), "lat": round(w_lat, 7)},
    }


def distance_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance; good enough for "nearest station" within a county."""
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Located:
    unit_id: int
    inside: bool


@dataclass(frozen=True)
class UnitInfo:
    """What a submission needs to know of a unit besides its polygon: loaded with the index."""

    id: int
    name: str
    adcode: str
    phone: str
    kind: str
    ancestor_ids: tuple[int, ...]  # the unit itself first, then up to the root


class JurisdictionIndex:
    """Prepared polygons with their bounding boxes, loaded once per process.

    A change to any polygon bumps a version in the shared cache; every process notices within a few
    seconds and reloads, so an admin upload takes effect without a restart.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded_version: object = None
        self._checked_at = 0.0
        # (entries, fallback unit id); entries: (bounding box min x, min y, max x, max y, unit id, depth,
        # whether it handles the cases in its polygon (county level and below), prepared geometry)
        self._index: tuple = ([], None)
        self._units: dict[int, UnitInfo] = {}

    def invalidate(self) -> None:
        try:
            cache.set(_VERSION_KEY, time.time_ns(), None)
        except Exception:
            pass
        with self._lock:
            self._loaded_version = None
            self._checked_at = 0.0

    def _current_version(self) -> object:
        try:
            return cache.get(_VERSION_KEY, 0)
        except Exception:
            return self._loaded_version

    def _ensure(self) -> None:
        if self._loaded_version is not None and time.monotonic() - self._checked_at < _RECHECK_SECONDS:
            return
        self.refresh()

    def refresh(self) -> None:
        """Look at the shared version now, and reload if it moved."""
        now = time.monotonic()
        version = self._current_version()
        self._checked_at = now
        if version == self._loaded_version and self._index[0]:
            return
        with self._lock:
            self._load(version)

    def _load(self, version: object) -> None:
        from .models import ABOVE_COUNTY, Unit

        entries = []
        root = None
        parents: dict[int, int | None] = {}
        units: list = []
        for unit in Unit.objects.order_by("tree_id", "lft"):
            parents[unit.pk] = unit.parent_id
            units.append(unit)
            if not unit.is_active:
                continue
            if unit.parent_id is None and root is None:
                root = unit.pk
            if not unit.jurisdiction:
                continue
            geom = shape(unit.jurisdiction)
            if not geom.is_valid:
                geom = geom.buffer(0)
            shapely.prepare(geom)
            entries.append((*geom.bounds, unit.pk, unit.level, unit.kind not in ABOVE_COUNTY, geom))
        # One attribute: a lookup on another thread sees the old entries or the new ones, never a mix.
        self._index = (entries, root)
        self._units = {u.pk: UnitInfo(u.pk, u.name, u.adcode, u.phone, u.kind, _chain(u.pk, parents)) for u in units}
        self._loaded_version = version

    def fresh(self, margin: float = 1.0) -> bool:
        """Whether the next `margin` seconds of lookups are served from memory, with no look at the
        shared version (code on an event loop must not wait on the cache or the database)."""
        return (self._loaded_version is not None and bool(self._index[0])
                and time.monotonic() + margin - self._checked_at < _RECHECK_SECONDS)

    def known(self, unit_id: int) -> bool:
        """Whether `unit_info()` answers this unit from memory."""
        return unit_id in self._units

    def unit_info(self, unit_id: int | None) -> UnitInfo | None:
        """Name, adcode, phone and ancestors of a unit, as of the last reload (at most ~10 s old).

        A unit created since the last reload is read from the database (None if it does not exist)."""
        if unit_id is None:
            return None
        self._ensure()
        info = self._units.get(unit_id)
        return info if info is not None else _read_unit_info(unit_id)

    def locate_gcj02(self, lng: float, lat: float) -> Located | None:
        self._ensure()
        best = None
        above: list[tuple[int, int, object]] = []
        entries, fallback_id = self._index
        # A few dozen polygons at most: their bounding boxes are compared here, and only the polygons
        # whose box holds the point are asked, by coordinates (no point geometry is built; for a point,
        # intersecting a polygon is lying inside it or on its border, as `covers` has it).
        for min_x, min_y, max_x, max_y, unit_id, depth, handles, geom in entries:
            if not (min_x <= lng <= max_x and min_y <= lat <= max_y):
                continue
            if not handles:
                above.append((unit_id, depth, geom))
            # The deepest unit wins, so a station polygon inside a county takes precedence.
            elif (best is None or depth > best[1]) and shapely.intersects_xy(geom, lng, lat):
                best = (unit_id, depth)
        if best is not None:
            return Located(best[0], True)
        # Outside every county: the deepest prefecture (or province) whose territory holds the point
        # takes the case for manual transfer; outside all of them, the root of the tree.
        fallback = None
        for unit_id, depth, geom in above:
            if (fallback is None or depth > fallback[1]) and shapely.intersects_xy(geom, lng, lat):
                fallback = (unit_id, depth)
        if fallback is not None:
            return Located(fallback[0], False)
        if fallback_id is None:
            return None
        return Located(fallback_id, False)

    def locate(self, lng: float, lat: float, coord_system: str) -> Located | None:
        g_lng, g_lat = to_gcj02(lng, lat, coord_system)
        return self.locate_gcj02(g_lng, g_lat)


def _read_unit_info(unit_id: int) -> UnitInfo | None:
    from .models import Unit

    unit = Unit.objects.defer("jurisdiction").filter(pk=unit_id).first()
    if unit is None:
        return None
    ancestors = unit.get_ancestors(ascending=True, include_self=True).values_list("pk", flat=True)
    return UnitInfo(unit.pk, unit.name, unit.adcode, unit.phone, unit.kind, tuple(ancestors))


def _chain(unit_id: int, parents: dict[int, int | None]) -> tuple[int, ...]:
    chain: list[int] = []
    current: int | None = unit_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return tuple(chain)


jurisdictions = JurisdictionIndex()
