"""The sliding-window throttle, on whichever cache the settings give (local memory in the
embedded mode, Redis when REDIS_URL is set: CI runs both)."""

import os
import uuid
from types import SimpleNamespace

import pytest
from asgiref.sync import sync_to_async

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


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="the asyncio count is Redis only")
async def test_the_event_loop_counts_the_same_windows(clock, settings):
    """`take_async()` (the owner fast path) and the request handling's throttle count one window
    together, the counter expires after two periods, and a request given back no longer counts."""
    from django.core.cache import caches
    from redis.asyncio import Redis

    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["submit"] = "3/min"
    redis = Redis.from_url(settings.CACHES["default"]["LOCATION"])
    ident = f"owner:{uuid.uuid4().hex}"
    try:
        assert [await sync_to_async(allowed_submit)(ident) for _ in range(2)] == [True, True]
        taken = await throttling.take_async(redis, "submit", ident)
        assert taken is not None
        assert await throttling.take_async(redis, "submit", ident) is None  # the fourth of three
        key = caches["default"].make_and_validate_key(f"throttle:submit:{ident}:{int(clock[0] // 60)}")
        assert int(await redis.get(key)) == 3 and 60 < await redis.ttl(key) <= 120
        await taken.give_back()
        assert await sync_to_async(allowed_submit)(ident) is True
        clock[0] += 60  # the next window: 3 counted in the previous one, all of it still weighted in
        assert await throttling.take_async(redis, "submit", ident) is None
    finally:
        await redis.aclose()


def allowed_submit(ident: str) -> bool:
    return throttling.SubmitThrottle().allow_request(request(ident), None)
