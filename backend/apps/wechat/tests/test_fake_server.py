"""The fake itself answers with WeChat's paths, parameters and error codes (no Django involved)."""

import requests

from apps.wechat.fake_server import DEFAULT_TEMPLATE_ID, FakeWeChat


def _token(wx: FakeWeChat, **overrides) -> dict:
    params = {"grant_type": "client_credential", "appid": wx.app_id, "secret": wx.secret, **overrides}
    return requests.get(wx.base_url + "cgi-bin/token", params=params, timeout=5).json()


def _sns(wx: FakeWeChat, code: str, **overrides) -> dict:
    params = {"appid": wx.app_id, "secret": wx.secret, "code": code, "grant_type": "authorization_code", **overrides}
    return requests.get(wx.base_url + "sns/oauth2/access_token", params=params, timeout=5).json()


def test_token_and_credential_errors():
    with FakeWeChat() as wx:
        ok = _token(wx)
        assert ok["expires_in"] == 7200 and ok["access_token"]
        assert "errcode" not in ok
        assert _token(wx, secret="wrong")["errcode"] == 40125
        assert _token(wx, appid="wx-other")["errcode"] == 40013
        assert _token(wx, grant_type="password")["errcode"] == 40002
        assert wx.calls["/cgi-bin/token"] == 4


def test_oauth_code_is_single_use_and_unknown_codes_fail():
    with FakeWeChat() as wx:
        wx.add_code("CODE-A", "o-a")
        first = _sns(wx, "CODE-A")
        assert first["openid"] == "o-a" and first["scope"] == "snsapi_base"
        assert {"access_token", "expires_in", "refresh_token"} <= set(first)
        assert _sns(wx, "CODE-A")["errcode"] == 40163
        unknown = _sns(wx, "NOPE")
        assert unknown["errcode"] == 40029 and unknown["errmsg"].startswith("invalid code")
        wx.add_code("CODE-B", "o-b")
        assert _sns(wx, "CODE-B", secret="wrong")["errcode"] == 40125
        assert _sns(wx, "CODE-B")["openid"] == "o-b"  # a refused exchange does not burn the code


def test_ticket_and_template_need_a_live_token():
    with FakeWeChat() as wx:
        wx.followers.add("o-a")
        token = _token(wx)["access_token"]
        ticket = requests.get(wx.base_url + "cgi-bin/ticket/getticket",
                              params={"access_token": token, "type": "jsapi"}, timeout=5).json()
        assert ticket["errcode"] == 0 and ticket["errmsg"] == "ok" and ticket["expires_in"] == 7200 and ticket["ticket"]

        send = wx.base_url + "cgi-bin/message/template/send"
        body = {"touser": "o-a", "template_id": DEFAULT_TEMPLATE_ID, "url": "https://x.test/",
                "data": {"keyword1": {"value": "R1"}}}
        ok = requests.post(send, params={"access_token": token}, json=body, timeout=5).json()
        assert ok["errcode"] == 0 and isinstance(ok["msgid"], int)
        assert wx.messages[0]["touser"] == "o-a" and wx.messages[0]["msgid"] == ok["msgid"]

        assert requests.post(send, params={"access_token": "bogus"}, json=body, timeout=5).json()["errcode"] == 40001
        assert requests.post(send, json=body, timeout=5).json()["errcode"] == 41001
        assert requests.post(send, params={"access_token": token}, json={**body, "template_id": "x"},
                             timeout=5).json()["errcode"] == 40037
        assert requests.post(send, params={"access_token": token}, json={**body, "touser": "o-stranger"},
                             timeout=5).json()["errcode"] == 40003
        assert requests.post(send, params={"access_token": token}, json={**body, "data": {"k": "bare"}},
                             timeout=5).json()["errcode"] == 47001
        wx.expire_access_tokens()
        assert requests.post(send, params={"access_token": token}, json=body, timeout=5).json()["errcode"] == 42001
        assert len(wx.messages) == 1


def test_authorize_page_redirects_back_with_a_usable_code():
    with FakeWeChat() as wx:
        r = requests.get(wx.oauth_base_url + "oauth2/authorize", allow_redirects=False, timeout=5, params={
            "appid": wx.app_id, "redirect_uri": "https://kckp.example.test/h5/report?x=1",
            "response_type": "code", "scope": "snsapi_base", "state": "S1", "openid": "o-picked"})
        assert r.status_code == 302
        location = r.headers["Location"]
        assert location.startswith("https://kckp.example.test/h5/report?x=1&code=") and location.endswith("&state=S1")
        code = location.split("code=")[1].split("&")[0]
        assert _sns(wx, code)["openid"] == "o-picked"


def test_injected_error_and_stop_releases_the_port():
    wx = FakeWeChat().start()
    wx.inject_error("/cgi-bin/token", -1)
    assert _token(wx)["errcode"] == -1
    assert "access_token" in _token(wx)
    wx.stop()
    try:
        requests.get(wx.base_url + "cgi-bin/token", timeout=1)
    except requests.ConnectionError:
        pass
    else:  # pragma: no cover
        raise AssertionError("fake still answering after stop()")
