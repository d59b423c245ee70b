"""Fixtures that point the real WeChat client code at the local fake (`apps.wechat.fake_server`)."""

import pytest
from rest_framework.test import APIClient

from apps.wechat.fake_server import DEFAULT_TEMPLATE_ID, FakeWeChat

PUBLIC_BASE = "https://kckp.example.test"


@pytest.fixture
def fake_wechat(settings):
    """A running fake WeChat, with every WECHAT_* setting pointing at it.

    `WECHAT_ENABLED` is computed from the app id and secret when settings are imported, so it is
    overridden here together with them.
    """
    with FakeWeChat() as wx:
        settings.WECHAT_APP_ID = wx.app_id
        settings.WECHAT_APP_SECRET = wx.secret
        settings.WECHAT_ENABLED = True
        settings.WECHAT_API_BASE_URL = wx.base_url
        settings.WECHAT_OAUTH_BASE_URL = wx.oauth_base_url
        settings.WECHAT_TEMPLATE_ID = DEFAULT_TEMPLATE_ID
        settings.PUBLIC_BASE_URL = PUBLIC_BASE
        yield wx


def issue_state(client: APIClient, next_path: str = "/h5/report") -> str:
    """Ask the backend for the authorize URL and return the `state` it registered."""
    from urllib.parse import parse_qs, urlsplit

    response = client.get("/api/v1/owner/wechat/oauth-url", {"next": next_path})
    assert response.status_code == 200, response.content
    url = response.json()["url"]
    return parse_qs(urlsplit(url.split("#")[0]).query)["state"][0]


@pytest.fixture
def wechat_owner(db, fake_wechat):
    """`make(openid)` -> (APIClient with an owner token from a real OAuth round trip, session body)."""

    def make(openid: str = "o-owner-0001"):
        client = APIClient()
        state = issue_state(client)
        code = fake_wechat.new_code(openid)
        response = client.post("/api/v1/owner/session", {"code": code, "state": state}, format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
        return client, body

    return make
