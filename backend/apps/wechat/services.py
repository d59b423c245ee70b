import secrets
import time

import requests
from django.conf import settings
from django.core.cache import cache
from wechatpy.exceptions import WeChatException

from apps.common.exceptions import ApiError

from .authentication import issue_owner_token
from .client import get_client, get_oauth
from .models import Owner

_STATE_PREFIX = "wechat:oauth-state:"


def oauth_url(redirect_uri: str) -> str:
    state = secrets.token_urlsafe(16)
    cache.set(_STATE_PREFIX + state, 1, 600)
    return get_oauth(redirect_uri, state).authorize_url


def start_session(code: str | None, state: str | None) -> dict:
    if not settings.WECHAT_ENABLED:
        if code:
            raise ApiError("wechat_disabled", "本系统未配置微信公众号登录，请直接使用。", 400)
        owner = Owner.objects.create()
        return {"token": issue_owner_token(owner), "owner": {"id": str(owner.public_id)}, "wechat": False}
    if not code:
        raise ApiError("code_required", "请从“百色交警”公众号菜单进入。", 400)
    if not state or not cache.delete(_STATE_PREFIX + state):
        raise ApiError("invalid_state", "登录校验失败，请重新从公众号菜单进入。", 400)
    try:
        result = get_oauth("").fetch_access_token(code)
    except (WeChatException, requests.RequestException) as exc:
        raise ApiError("wechat_error", "微信登录失败，请稍后重试。", 502) from exc
    owner, _ = Owner.objects.get_or_create(openid=result["openid"])
    return {"token": issue_owner_token(owner), "owner": {"id": str(owner.public_id)}, "wechat": True}


def jssdk_config(url: str) -> dict:
    if not settings.WECHAT_ENABLED:
        raise ApiError("wechat_disabled", "未配置微信公众号。", 404)
    client = get_client()
    try:
        ticket = client.jsapi.get_jsapi_ticket()
    except (WeChatException, requests.RequestException) as exc:
        raise ApiError("wechat_error", "获取微信配置失败，请稍后重试。", 502) from exc
    nonce = secrets.token_hex(8)
    timestamp = int(time.time())
    signature = client.jsapi.get_jsapi_signature(nonce, ticket, timestamp, url.split("#")[0])
    return {"appId": settings.WECHAT_APP_ID, "timestamp": timestamp, "nonceStr": nonce, "signature": signature}
