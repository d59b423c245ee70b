"""wechatpy clients configured from settings.

`WECHAT_API_BASE_URL` (default WeChat's own host) lets tests point the real client code at a local
fake server. The access token and the JS-SDK ticket live in the shared Django cache (Redis in
production), so every worker process uses the same token instead of fetching its own.
"""

import json

import requests
from django.conf import settings
from django.core.cache import cache
from wechatpy import WeChatClient, WeChatOAuth
from wechatpy.session import SessionStorage

DEFAULT_API = "https://api.weixin.qq.com/"
DEFAULT_OAUTH = "https://open.weixin.qq.com/connect/"


class CacheStorage(SessionStorage):
    def __init__(self, prefix: str = "wechatpy") -> None:
        self.prefix = prefix

    def _key(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    def get(self, key, default=None):
        value = cache.get(self._key(key))
        return default if value is None else json.loads(value)

    def set(self, key, value, ttl=None):
        if value is None:
            return
        # WeChat tokens live 7200 s; expire a little early so a token is never used at its edge.
        timeout = max(1, int(ttl) - 300) if ttl else None
        cache.set(self._key(key), json.dumps(value), timeout)

    def delete(self, key):
        cache.delete(self._key(key))


def api_base() -> str:
    return (settings.WECHAT_API_BASE_URL or DEFAULT_API).rstrip("/") + "/"


TIMEOUT_SECONDS = 5


class TimeoutSession(requests.Session):
    """wechatpy passes no timeout on token and OAuth calls; a hung WeChat must not hold a worker."""

    def request(self, method, url, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = TIMEOUT_SECONDS
        return super().request(method, url, **kwargs)


class ConfiguredClient(WeChatClient):
    def __init__(self) -> None:
        super().__init__(settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET, session=CacheStorage(), timeout=TIMEOUT_SECONDS)
        self.API_BASE_URL = api_base() + "cgi-bin/"
        self._http = TimeoutSession()

    def _request(self, method, url_or_endpoint, **kwargs):
        # wechatpy refreshes the token and retries on 40001/42001 without limit; allow one refresh per call
        # (a new client is made per use, so this state is never shared).
        depth = getattr(self, "_depth", 0)
        self._depth, self.auto_retry = depth + 1, depth == 0
        try:
            return super()._request(method, url_or_endpoint, **kwargs)
        finally:
            self._depth, self.auto_retry = depth, True

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=api_base() + "cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def get_client() -> ConfiguredClient:
    return ConfiguredClient()


def get_oauth(redirect_uri: str, state: str = "") -> WeChatOAuth:
    oauth = WeChatOAuth(settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET, redirect_uri, "snsapi_base", state)
    oauth.API_BASE_URL = api_base()
    oauth.OAUTH_BASE_URL = (settings.WECHAT_OAUTH_BASE_URL or DEFAULT_OAUTH).rstrip("/") + "/"
    oauth._http = TimeoutSession()
    return oauth
