"""wechatpy clients configured from settings.

`WECHAT_API_BASE_URL` (default WeChat's own host) lets tests point the real client code at a local
fake server. The access token and the JS-SDK ticket live in the shared Django cache (Redis in
production), so every worker process uses the same token instead of fetching its own.
"""

import json

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


class ConfiguredClient(WeChatClient):
    def __init__(self) -> None:
        super().__init__(settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET, session=CacheStorage(), timeout=5)
        self.API_BASE_URL = api_base() + "cgi-bin/"

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
    return oauth
