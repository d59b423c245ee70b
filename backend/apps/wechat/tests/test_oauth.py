"""OAuth (snsapi_base) through the real endpoints and wechatpy, against the fake WeChat."""

from urllib.parse import parse_qs, urlsplit

import pytest
from rest_framework.test import APIClient

from apps.wechat.models import Owner
from conftest import draft_payload

from .conftest import PUBLIC_BASE, issue_state


def _session(client: APIClient, **body):
    return client.post("/api/v1/owner/session", body, format="json")


def test_oauth_url_points_at_configured_oauth_base(db, fake_wechat):
    response = APIClient().get("/api/v1/owner/wechat/oauth-url", {"next": "/h5/report"})
    assert response.status_code == 200
    url = response.json()["url"]
    assert url.startswith(fake_wechat.oauth_base_url + "oauth2/authorize?")
    assert url.endswith("#wechat_redirect")
    query = parse_qs(urlsplit(url.split("#")[0]).query)
    assert query["appid"] == [fake_wechat.app_id]
    assert query["redirect_uri"] == [PUBLIC_BASE + "/h5/report"]
    assert query["scope"] == ["snsapi_base"]
    assert query["response_type"] == ["code"]
    assert len(query["state"][0]) >= 16


def test_oauth_url_refuses_foreign_next(db, fake_wechat):
    url = APIClient().get("/api/v1/owner/wechat/oauth-url", {"next": "https://evil.test/"}).json()["url"]
    assert parse_qs(urlsplit(url.split("#")[0]).query)["redirect_uri"] == [PUBLIC_BASE + "/h5/"]


def test_session_binds_owner_to_openid_and_is_stable_across_codes(db, fake_wechat):
    first = APIClient()
    state = issue_state(first)
    code = fake_wechat.new_code("o-zhang")
    response = _session(first, code=code, state=state)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["wechat"] is True and body["token"].startswith("ow.")
    owner = Owner.objects.get(openid="o-zhang")
    assert body["owner"]["id"] == str(owner.public_id)
    assert fake_wechat.calls["/sns/oauth2/access_token"] == 1

    first.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    created = first.post("/api/v1/owner/cases", draft_payload(), format="json")
    assert created.status_code == 201, created.content

    # Next day: a new code for the same WeChat user is the same owner and sees the same case.
    second = APIClient()
    again = _session(second, code=fake_wechat.new_code("o-zhang"), state=issue_state(second)).json()
    assert again["owner"]["id"] == body["owner"]["id"]
    assert again["token"] != "" and Owner.objects.filter(openid="o-zhang").count() == 1
    second.credentials(HTTP_AUTHORIZATION=f"Bearer {again['token']}")
    listed = second.get("/api/v1/owner/cases")
    assert listed.status_code == 200
    assert created.json()["id"] in [c["id"] for c in listed.json()]

    # A different WeChat user is a different owner and does not see it.
    other = APIClient()
    other_body = _session(other, code=fake_wechat.new_code("o-li"), state=issue_state(other)).json()
    assert other_body["owner"]["id"] != body["owner"]["id"]
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {other_body['token']}")
    assert other.get("/api/v1/owner/cases").json() == []
    assert other.get(f"/api/v1/owner/cases/{created.json()['id']}").status_code == 404


@pytest.mark.parametrize("state", [None, "", "never-issued"])
def test_missing_or_unknown_state_is_refused(db, fake_wechat, state):
    body = {"code": fake_wechat.new_code("o-a")}
    if state is not None:
        body["state"] = state
    response = _session(APIClient(), **body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_state"
    assert "登录校验失败" in response.json()["detail"]
    assert fake_wechat.calls["/sns/oauth2/access_token"] == 0  # refused before talking to WeChat
    assert not Owner.objects.filter(openid="o-a").exists()


def test_state_is_single_use(db, fake_wechat):
    client = APIClient()
    state = issue_state(client)
    assert _session(client, code=fake_wechat.new_code("o-a"), state=state).status_code == 200
    replay = _session(client, code=fake_wechat.new_code("o-a"), state=state)
    assert replay.status_code == 400 and replay.json()["code"] == "invalid_state"


def test_missing_code_is_refused_in_chinese(db, fake_wechat):
    response = _session(APIClient(), state=issue_state(APIClient()))
    assert response.status_code == 400
    assert response.json()["code"] == "code_required"
    assert "公众号" in response.json()["detail"]


@pytest.mark.parametrize("reuse", [False, True], ids=["unknown-code-40029", "reused-code-40163"])
def test_wechat_refusing_the_code_is_a_clean_502(db, fake_wechat, reuse):
    client = APIClient()
    if reuse:
        code = fake_wechat.new_code("o-a")
        assert _session(client, code=code, state=issue_state(client)).status_code == 200
    else:
        code = "code-wechat-never-issued"
    response = _session(client, code=code, state=issue_state(client))
    assert response.status_code == 502
    assert response.json() == {"code": "wechat_error", "detail": "微信登录失败，请稍后重试。"}
    assert fake_wechat.calls["/sns/oauth2/access_token"] == (2 if reuse else 1)


def test_wrong_secret_is_a_clean_502(db, fake_wechat, settings):
    settings.WECHAT_APP_SECRET = "not-the-secret"
    client = APIClient()
    response = _session(client, code=fake_wechat.new_code("o-a"), state=issue_state(client))
    assert response.status_code == 502 and response.json()["code"] == "wechat_error"


def test_full_browser_round_trip_through_authorize_page(db, fake_wechat):
    """oauth-url -> WeChat's authorize page -> redirect back with code+state -> session."""
    import requests

    url = APIClient().get("/api/v1/owner/wechat/oauth-url", {"next": "/h5/track"}).json()["url"]
    # The fake-only `openid` parameter picks which WeChat user is "logged in".
    hop = requests.get(url.split("#")[0] + "&openid=o-wang", allow_redirects=False, timeout=5)
    assert hop.status_code == 302
    back = urlsplit(hop.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == PUBLIC_BASE + "/h5/track"
    q = parse_qs(back.query)
    response = _session(APIClient(), code=q["code"][0], state=q["state"][0])
    assert response.status_code == 200, response.content
    assert response.json()["owner"]["id"] == str(Owner.objects.get(openid="o-wang").public_id)


def test_demo_session_only_without_wechat(db, settings):
    settings.WECHAT_APP_ID = ""
    settings.WECHAT_APP_SECRET = ""
    settings.WECHAT_ENABLED = False
    demo = _session(APIClient())
    assert demo.status_code == 200 and demo.json()["wechat"] is False
    assert Owner.objects.get(public_id=demo.json()["owner"]["id"]).openid is None
    assert APIClient().get("/api/v1/owner/wechat/oauth-url").status_code == 404
    with_code = _session(APIClient(), code="abc")
    assert with_code.status_code == 400 and with_code.json()["code"] == "wechat_disabled"


def test_demo_session_refused_when_wechat_configured(db, fake_wechat):
    before = Owner.objects.count()
    response = _session(APIClient())
    assert response.status_code == 400
    assert response.json()["code"] == "code_required"
    assert Owner.objects.count() == before


def test_wechat_unreachable_is_a_clean_502_not_500(db, fake_wechat, settings):
    from apps.wechat.fake_server import FakeWeChat

    dead = FakeWeChat()
    dead.stop()  # bound then closed: nothing listens on that port
    settings.WECHAT_API_BASE_URL = dead.base_url
    client = APIClient()
    response = _session(client, code=fake_wechat.new_code("o-a"), state=issue_state(client))
    assert response.status_code == 502
