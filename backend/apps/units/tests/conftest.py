"""Fixtures that point the real AMap client (`apps.units.geocoder`) at the local fake (`apps.units.fake_amap`)."""

import pytest

from apps.units.fake_amap import FakeAMap


@pytest.fixture
def fake_amap(settings):
    """A running fake AMap with GEOCODER_URL / GEOCODER_KEY pointing at it and a short timeout."""
    with FakeAMap() as amap:
        settings.GEOCODER_URL = amap.base_url
        settings.GEOCODER_KEY = amap.key
        settings.GEOCODER_TIMEOUT = 0.5
        yield amap


@pytest.fixture
def no_geocoder(settings):
    settings.GEOCODER_URL = ""
    settings.GEOCODER_KEY = ""
