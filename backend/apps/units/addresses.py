"""Standardised accident addresses: the map service when there is one, the county polygons otherwise.

`county` is always the project's own answer (the county whose polygon holds the point, the one the case
would be routed to), even when the text comes from the map: near a border the two may differ by a few
hundred metres, and the brigade that handles the case is what the owner is told elsewhere.

No coordinates or query text are logged at INFO: an accident location is personal data.
"""

from __future__ import annotations

import logging

from . import geocoder
from .baise import COUNTIES
from .geo import GCJ02, jurisdictions, to_gcj02
from .models import UnitKind

log = logging.getLogger(__name__)

PREFIX = "广西壮族自治区百色市"
BRIGADE_SUFFIX = "交警大队"
MAX_RESULTS = 10
COUNTY_BY_ADCODE = {adcode: county for adcode, county, _ in COUNTIES}

SOURCE_MAP, SOURCE_JURISDICTION = "map", "jurisdiction"


def county_at(lng: float, lat: float) -> str:
    """Administrative name of the Baise county holding a GCJ-02 point ("平果市"), "" outside all of them.

    A station polygon inside a county counts for that county. The name comes from the county unit's
    adcode (`baise.COUNTIES`), or from its brigade name ("平果市交警大队") for an adcode we do not know.
    """
    located = jurisdictions.locate_gcj02(lng, lat)
    if located is None or not located.inside:
        return ""
    info = jurisdictions.unit_info(located.unit_id)
    for unit_id in info.ancestor_ids if info else ():
        unit = jurisdictions.unit_info(unit_id)
        if unit is None or unit.kind != UnitKind.COUNTY:
            continue
        if unit.adcode in COUNTY_BY_ADCODE:
            return COUNTY_BY_ADCODE[unit.adcode]
        return unit.name.removesuffix(BRIGADE_SUFFIX)
    return ""


def jurisdiction_address(county: str) -> str:
    """"广西壮族自治区百色市平果市" inside a county; "" outside Baise (the owner types the address)."""
    return PREFIX + county if county else ""


def address_at(lng: float, lat: float, coord_system: str = GCJ02) -> dict:
    """-> {"address", "county", "source"}. Never raises for a map failure: falls back to the polygons."""
    g_lng, g_lat = to_gcj02(lng, lat, coord_system)
    county = county_at(g_lng, g_lat)
    if geocoder.is_configured():
        try:
            found = geocoder.reverse(g_lng, g_lat)
        except geocoder.GeocoderError as exc:
            log.warning("reverse geocoding failed, using the jurisdiction address: %s %s", exc.info, exc.infocode)
        else:
            if found["formatted_address"]:
                return {"address": found["formatted_address"], "county": county, "source": SOURCE_MAP}
    return {"address": jurisdiction_address(county), "county": county, "source": SOURCE_JURISDICTION}


def search_places(q: str) -> list[dict]:
    """Places inside Baise's county polygons matching `q` (GCJ-02), at most MAX_RESULTS.

    Raises geocoder.GeocoderError (GeocoderNotConfigured without a map service)."""
    rows = []
    for place in geocoder.search(q):
        county = county_at(place["lng"], place["lat"])
        if not county:  # AMap's city filter goes by its own records; the polygons decide
            continue
        rows.append({"name": place["name"], "address": place["address"], "lng": place["lng"], "lat": place["lat"],
                     "coord_system": GCJ02, "county": county})
    return rows[:MAX_RESULTS]
