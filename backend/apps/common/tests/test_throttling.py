"""The sliding-window throttle, on whichever cache the settings give (local memory in the
embedded mode, Redis when REDIS_URL is set: CI runs both)."""

from types import SimpleNamespace

import pytest

from apps.common import throttling
from apps.common.throttling import UserScopedThrottle, parse_rate


class Probe(UserScopedThrottle):
    scope = "probe"


@pytest.fixture
def clock(monkeypatch, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                                                          "probe": "5/min"}}
    now = [6_000_000.0]  # the start of a minute
    monkeypatch.setattr(throttling.time, "time", lambda: now[0])
    return now


def request(ident="owner:1"):
    return SimpleNamespace(user=SimpleNamespace(throttle_ident=ident), META={"REMOTE_ADDR": "10.0.0.1"})


def allowed(n, ident="owner:1") -> list[bool]:
    return [Probe().allow_request(request(ident), None) for _ in range(n)]


def test_parse_rate():
    assert parse_rate("30/min") == (30, 60) and parse_rate("2/s") == (2, 1) and parse_rate("100/day") == (100, 86400)


def test_the_rate_passes_and_the_next_is_refused_with_a_wait(clock):
    assert allowed(5) == [True] * 5
    probe = Probe()
    assert probe.allow_request(request(), None) is False
    assert 1 <= probe.wait() <= 60
    assert allowed(1, ident="owner:2") == [True]  # each client has its own count


def test_refused_requests_do_not_count(clock):
    assert allowed(8) == [True] * 5 + [False] * 3
    clock[0] += 60  # next window: the previous one had 5 (not 8), all still weighted in fully at its start
    assert allowed(1) == [False]
    clock[0] += 30  # half of the previous window has slid out: 2.5 + 1 <= 5
    assert allowed(2) == [True, True]
    assert allowed(1) == [False]  # 2.5 + 3 > 5


def test_a_full_period_later_everything_has_slid_out(clock):
    assert allowed(6)[-1] is False
    clock[0] += 120
    assert allowed(5) == [True] * 5


def test_a_cache_outage_lets_requests_through(clock, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(throttling, "_counts", down)
    assert allowed(10) == [True] * 10
