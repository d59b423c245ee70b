"""JS-SDK config signed with a ticket from the fake; ticket and token cached in the Django cache."""

import hashlib
import json

from rest_framework.test import APIClient

PAGE = "https://kckp.example.test/h5/report?step=2"


def _expected_signature(ticket: str, nonce: str, timestamp: int, url: str) -> str:
    # Computed independently of wechatpy: WeChat's documented algorithm.
    raw = f"jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={url}"
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()


def test_jssdk_signature_matches_wechat_algorithm(fake_wechat, wechat_owner):
    owner, _ = wechat_owner()
    response = owner.get("/api/v1/owner/wechat/jssdk", {"url": PAGE + "#/step/2"})
    assert response.status_code == 200, response.content
    cfg = response.json()
    assert set(cfg) == {"appId", "timestamp", "nonceStr", "signature"}
    assert cfg["appId"] == fake_wechat.app_id
    assert isinstance(cfg["timestamp"], int)
    [ticket] = fake_wechat.tickets
    # The fragment is not part of the signed URL.
    assert cfg["signature"] == _expected_signature(ticket, cfg["nonceStr"], cfg["timestamp"], PAGE)


def test_ticket_and_token_fetched_once_across_calls(fake_wechat, wechat_owner):
    owner, _ = wechat_owner()
    other, _ = wechat_owner("o-second")
    first = owner.get("/api/v1/owner/wechat/jssdk", {"url": PAGE}).json()
    second = other.get("/api/v1/owner/wechat/jssdk", {"url": PAGE}).json()
    assert first["nonceStr"] != second["nonceStr"]
    assert fake_wechat.calls["/cgi-bin/token"] == 1
    assert fake_wechat.calls["/cgi-bin/ticket/getticket"] == 1
    [ticket] = fake_wechat.tickets
    for cfg in (first, second):
        assert cfg["signature"] == _expected_signature(ticket, cfg["nonceStr"], cfg["timestamp"], PAGE)


def test_ticket_lives_in_the_shared_django_cache(fake_wechat, wechat_owner):
    from django.core.cache import cache

    owner, _ = wechat_owner()
    owner.get("/api/v1/owner/wechat/jssdk", {"url": PAGE})
    assert json.loads(cache.get(f"wechatpy:{fake_wechat.app_id}_jsapi_ticket")) == fake_wechat.tickets[0]


def test_expired_token_is_refreshed_once_and_shared(fake_wechat, wechat_owner):
    from django.core.cache import cache

    owner, _ = wechat_owner()
    assert owner.get("/api/v1/owner/wechat/jssdk", {"url": PAGE}).status_code == 200
    old_token = json.loads(cache.get(f"wechatpy:{fake_wechat.app_id}_access_token"))
    fake_wechat.expire_access_tokens()  # WeChat now answers 42001 for the cached token
    cache.delete(f"wechatpy:{fake_wechat.app_id}_jsapi_ticket")  # ticket due for renewal
    response = owner.get("/api/v1/owner/wechat/jssdk", {"url": PAGE})
    assert response.status_code == 200, response.content
    assert fake_wechat.calls["/cgi-bin/token"] == 2
    assert fake_wechat.calls["/cgi-bin/ticket/getticket"] == 3  # ok, 42001, ok after refresh
    new_token = json.loads(cache.get(f"wechatpy:{fake_wechat.app_id}_access_token"))
    assert new_token != old_token
    assert fake_wechat.requests[-1]["query"]["access_token"] == new_token
    cfg = response.json()
    assert cfg["signature"] == _expected_signature(fake_wechat.tickets[-1], cfg["nonceStr"], cfg["timestamp"], PAGE)


def test_persistent_invalid_credential_retries_once_then_502(fake_wechat, wechat_owner):
    owner, _ = wechat_owner()
    fake_wechat.inject_error("/cgi-bin/ticket/getticket", 40001, times=5)
    response = owner.get("/api/v1/owner/wechat/jssdk", {"url": PAGE})
    assert fake_wechat.calls["/cgi-bin/token"] <= 2
    assert response.status_code == 502


def test_jssdk_requires_owner_and_full_url(fake_wechat, wechat_owner):
    assert APIClient().get("/api/v1/owner/wechat/jssdk", {"url": PAGE}).status_code in (401, 403)
    owner, _ = wechat_owner()
    bad = owner.get("/api/v1/owner/wechat/jssdk", {"url": "/h5/report"})
    assert bad.status_code == 400 and "完整地址" in bad.json()["detail"]
    assert fake_wechat.calls["/cgi-bin/ticket/getticket"] == 0


def test_wechat_error_on_ticket_is_a_clean_502(fake_wechat, wechat_owner):
    owner, _ = wechat_owner()
    fake_wechat.inject_error("/cgi-bin/ticket/getticket", -1)
    response = owner.get("/api/v1/owner/wechat/jssdk", {"url": PAGE})
    assert response.status_code == 502
    assert response.json() == {"code": "wechat_error", "detail": "获取微信配置失败，请稍后重试。"}


def test_jssdk_404_without_wechat(owner_client, settings):
    settings.WECHAT_ENABLED = False
    response = owner_client().get("/api/v1/owner/wechat/jssdk", {"url": PAGE})
    assert response.status_code == 404 and response.json()["code"] == "wechat_disabled"
