"""The access token lives in the Django cache (Redis in production), shared by every client object
and therefore by every worker process, not in a per-object MemoryStorage."""

import json
import time

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache

from apps.wechat.client import CacheStorage, ConfiguredClient, get_client


def test_second_client_reuses_the_cached_token(fake_wechat):
    first = ConfiguredClient()
    token = first.access_token
    assert fake_wechat.calls["/cgi-bin/token"] == 1
    assert token in fake_wechat.access_tokens

    second = ConfiguredClient()
    assert second is not first
    assert second.access_token == token
    assert get_client().access_token == token
    assert fake_wechat.calls["/cgi-bin/token"] == 1


def test_token_is_stored_in_django_cache_with_early_expiry(fake_wechat):
    token = ConfiguredClient().access_token
    key = f"wechatpy:{fake_wechat.app_id}_access_token"
    assert json.loads(cache.get(key)) == token
    # A worker that starts later (empty memory, same cache) gets it without calling WeChat.
    assert CacheStorage().get(f"{fake_wechat.app_id}_access_token") == token
    # expires_in 7200 -> cached for 6900 s so it is never used at its very edge.
    backend = caches["default"]
    if isinstance(backend, LocMemCache):  # the test cache: read the stored expiry directly
        expiry = backend._expire_info[backend.make_and_validate_key(key)]
        assert 6890 <= expiry - time.time() <= 6900


def test_cleared_cache_fetches_a_new_token(fake_wechat):
    before = ConfiguredClient().access_token
    cache.clear()
    after = ConfiguredClient().access_token
    assert before != after
    assert fake_wechat.calls["/cgi-bin/token"] == 2


def test_client_requests_go_to_the_configured_base(fake_wechat):
    client = ConfiguredClient()
    assert client.API_BASE_URL == fake_wechat.base_url + "cgi-bin/"
    client.jsapi.get_jsapi_ticket()
    assert [r["path"] for r in fake_wechat.requests] == ["/cgi-bin/token", "/cgi-bin/ticket/getticket"]
    assert fake_wechat.requests[0]["query"] == {"grant_type": "client_credential", "appid": fake_wechat.app_id,
                                               "secret": fake_wechat.secret}
    assert fake_wechat.requests[1]["query"]["type"] == "jsapi"


def test_cache_storage_roundtrip_and_delete(db):
    storage = CacheStorage(prefix="t")
    assert storage.get("missing", "dflt") == "dflt"
    storage.set("k", {"a": 1}, 7200)
    assert storage.get("k") == {"a": 1}
    storage.set("none", None)
    assert storage.get("none") is None
    storage.delete("k")
    assert storage.get("k") is None
