"""Request rate limits: a sliding-window counter per scope and client in the shared cache.

Each request costs one cache round trip: the current window's counter is incremented and the
previous window's read by one Redis script (`COUNT`), and the rate is estimated as
`previous × (share of the previous window still inside the last period) + current`. This replaces
DRF's `SimpleRateThrottle`, which keeps a list of every request time in the window and reads and
writes that whole list (two round trips and a pickle of up to `rate` floats) on every request.
The estimate assumes the previous window's requests were evenly spread, which is what rate
limiting needs; exactly `rate` requests in a row pass and the next one is refused.
"""

import time

from django.conf import settings
from django.core.cache import cache, caches
from rest_framework.throttling import BaseThrottle

from apps.common.redis_cache import SharedPoolRedisCache

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _rate(scope: str) -> str | None:
    # Read at request time so an operator's (or a test's) settings change applies at once.
    return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(scope)


def parse_rate(rate: str) -> tuple[int, int]:
    """"30/min" -> (30, 60): DRF's rate format, the period's first letter counts."""
    count, period = rate.split("/")
    return int(count), PERIODS[period.strip()[0]]


def _window(period: int) -> tuple[int, float]:
    """The current window's number and how far into it we are (0..1)."""
    now = time.time()
    return int(now // period), (now % period) / period


def _within(limit: int, current: int, previous: int, into: float) -> bool:
    return previous * (1 - into) + current <= limit


# KEYS[1]: this window's counter, KEYS[2]: the previous window's; ARGV[1]: the counter's lifetime in
# seconds. Returns {this window's count after the increment, the previous window's count}.
COUNT = """
local current = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
local previous = redis.call('GET', KEYS[2])
return {current, previous and tonumber(previous) or 0}
"""


def _counts(key: str, window: int, ttl: int) -> tuple[int, int]:
    """Increment this window's counter and read the previous one's: (current, previous)."""
    current_key, previous_key = f"{key}:{window}", f"{key}:{window - 1}"
    backend = caches["default"]
    if isinstance(backend, SharedPoolRedisCache):
        current_key, previous_key = backend.make_and_validate_key(current_key), backend.make_and_validate_key(previous_key)
        current, previous = backend._cache.get_client(current_key, write=True).eval(COUNT, 2, current_key, previous_key, ttl)
        return int(current), int(previous)
    cache.add(current_key, 0, ttl)
    return cache.incr(current_key), int(cache.get(previous_key) or 0)


def _undo(key: str, window: int) -> None:
    cache.decr(f"{key}:{window}")


class WindowThrottle(BaseThrottle):
    """The rate of `scope` from settings, per client identity (`get_ident`, overridden below)."""

    scope = ""

    def get_cache_key(self, request, view) -> str | None:
        return f"throttle:{self.scope}:{self.get_ident(request)}"

    def allow_request(self, request, view) -> bool:
        rate = _rate(self.scope)
        key = self.get_cache_key(request, view) if rate else None
        if key is None:
            return True
        limit, period = parse_rate(rate)
        window, into = _window(period)
        try:
            current, previous = _counts(key, window, 2 * period)
        except Exception:  # a cache outage must not take submissions down with it
            return True
        if _within(limit, current, previous, into):
            return True
        # Refused requests do not count, as with DRF's throttles.
        try:
            _undo(key, window)
        except Exception:
            pass
        self._wait = period * (1 - into)  # at the latest, the next window starts afresh
        return False

    def wait(self) -> float | None:
        return max(1.0, getattr(self, "_wait", 1.0))


class ScopedIPThrottle(WindowThrottle):
    """Throttle by client address whatever the authentication; the scope picks the rate."""


class LoginThrottle(ScopedIPThrottle):
    scope = "login"


class TrackThrottle(ScopedIPThrottle):
    scope = "track"


class OwnerSessionThrottle(ScopedIPThrottle):
    scope = "owner_session"


class PublicThrottle(ScopedIPThrottle):
    scope = "public"


class UserScopedThrottle(WindowThrottle):
    """Throttle by account (owner or staff) where there is one, else by address."""

    def get_cache_key(self, request, view) -> str | None:
        ident = getattr(request.user, "throttle_ident", None) or self.get_ident(request)
        return f"throttle:{self.scope}:{ident}"


class UploadThrottle(UserScopedThrottle):
    scope = "upload"


class SubmitThrottle(UserScopedThrottle):
    scope = "submit"


class InsurerLookupThrottle(UserScopedThrottle):
    scope = "insurer_lookup"


class AddressThrottle(UserScopedThrottle):
    """Per owner: every address lookup may cost a call against the map service's daily quota."""

    scope = "address"


class Taken:
    """A request counted by `take_async()`; `give_back()` uncounts it when the request is handed on to
    the request handling, whose throttle counts it again."""

    def __init__(self, client=None, key: str = "") -> None:
        self.client, self.key = client, key

    async def give_back(self) -> None:
        if self.client is not None:
            try:
                await self.client.decr(self.key)
            except Exception:
                pass
            self.client = None


async def take_async(client, scope: str, ident: str, backend=None) -> Taken | None:
    """The throttle of `scope` for `ident` (a `throttle_ident`), counted with an asyncio Redis client on
    the shared cache's keys: the same sliding window as `WindowThrottle`, for code on an event loop.
    None when the request is over the rate or the cache does not answer: the caller hands such a
    request to the request handling, which refuses it or lets it through as its throttle does.
    `backend`: the default cache, when the caller holds it (it gives the keys their prefix)."""
    rate = _rate(scope)
    if not rate:
        return Taken()
    limit, period = parse_rate(rate)
    window, into = _window(period)
    backend = backend if backend is not None else caches["default"]
    if not isinstance(backend, SharedPoolRedisCache):
        return None
    key = f"throttle:{scope}:{ident}"
    current_key = backend.make_and_validate_key(f"{key}:{window}")
    previous_key = backend.make_and_validate_key(f"{key}:{window - 1}")
    try:
        current, previous = await client.eval(COUNT, 2, current_key, previous_key, 2 * period)
    except Exception:
        return None
    taken = Taken(client, current_key)
    if not _within(limit, int(current), int(previous), into):
        await taken.give_back()
        return None
    return taken
