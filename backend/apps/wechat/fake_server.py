"""A local stand-in for WeChat's HTTP API, for tests and offline development.

It speaks the real protocol (same paths, query parameters, JSON bodies and `errcode`/`errmsg`
errors) so the real client code (wechatpy through `apps.wechat.client`) is exercised unchanged;
only `WECHAT_API_BASE_URL` / `WECHAT_OAUTH_BASE_URL` point here instead of WeChat.

Implemented:

    GET  /cgi-bin/token?grant_type=client_credential&appid=&secret=
    GET  /sns/oauth2/access_token?appid=&secret=&code=&grant_type=authorization_code
    GET  /cgi-bin/ticket/getticket?access_token=&type=jsapi
    POST /cgi-bin/message/template/send?access_token=     {touser, template_id, url, data}
    GET  /connect/oauth2/authorize?appid=&redirect_uri=&response_type=code&scope=&state=
         (the user-facing page: issues a code and redirects at once, as WeChat does for
         snsapi_base; fake-only `openid=` chooses the user, default `FakeWeChat.default_openid`)

Use in tests::

    with FakeWeChat() as wx:
        wx.add_code("CODE1", "o-openid-1")
        ...  # settings.WECHAT_API_BASE_URL = wx.base_url
        assert wx.calls["/cgi-bin/token"] == 1

Or standalone:  python -m apps.wechat.fake_server --port 8765
"""

from __future__ import annotations

import argparse
import json
import secrets
import threading
import time
from collections import Counter
from urllib.parse import urlencode, urlsplit, urlunsplit

from apps.common.fake_service import FakeHandler, LocalFakeService

DEFAULT_APP_ID = "wx0fake0appid0001"
DEFAULT_SECRET = "fake-app-secret-0123456789abcdef"
DEFAULT_TEMPLATE_ID = "tpl-case-progress-0001"

# The errors WeChat answers with (HTTP 200, JSON body).
ERRORS = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40013: "invalid appid",
    40014: "invalid access_token",
    40029: "invalid code",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    40163: "code been used",
    41001: "access_token missing",
    41008: "missing code",
    42001: "access_token expired",
    44002: "empty post data",
    47001: "data format error",
}


def error(errcode: int, errmsg: str | None = None) -> dict:
    # Recent WeChat appends a request id to every error message.
    return {"errcode": errcode, "errmsg": f"{errmsg or ERRORS.get(errcode, 'error')} rid: {secrets.token_hex(4)}-{secrets.token_hex(6)}"}


class FakeWeChat(LocalFakeService):
    """State of the fake plus the server thread. Every method is safe to call from the test thread."""

    thread_name = "fake-wechat"

    def __init__(self, app_id: str = DEFAULT_APP_ID, secret: str = DEFAULT_SECRET,
                 template_ids: tuple[str, ...] = (DEFAULT_TEMPLATE_ID,), host: str = "127.0.0.1", port: int = 0,
                 token_ttl: int = 7200) -> None:
        self.app_id = app_id
        self.secret = secret
        self.template_ids = set(template_ids)
        self.token_ttl = token_ttl
        self.default_openid = "o-fake-default-openid"
        self.lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.requests: list[dict] = []  # every request: method, path, query, body
        self.messages: list[dict] = []  # accepted template messages, with their msgid
        self.codes: dict[str, str] = {}  # OAuth code -> openid, not yet used
        self.used_codes: set[str] = set()
        self.followers: set[str] = set()  # openids that may receive template messages
        self.access_tokens: dict[str, float] = {}  # token -> expires_at (monotonic)
        self.tickets: list[str] = []
        self._injected: dict[str, list[dict]] = {}
        self._msgid = 1000
        super().__init__(self._handler_class(), host, port)

    # --- lifecycle -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Value for WECHAT_API_BASE_URL (WeChat's is https://api.weixin.qq.com/)."""
        return f"http://{self.host}:{self.port}/"

    @property
    def oauth_base_url(self) -> str:
        """Value for WECHAT_OAUTH_BASE_URL (WeChat's is https://open.weixin.qq.com/connect/)."""
        return self.base_url + "connect/"

    # --- test controls -------------------------------------------------------------------------

    def add_code(self, code: str, openid: str) -> str:
        """Register an OAuth code as WeChat would hand it to the browser for this user."""
        with self.lock:
            self.codes[code] = openid
            self.followers.add(openid)
        return code

    def new_code(self, openid: str) -> str:
        return self.add_code(secrets.token_hex(16), openid)

    def expire_access_tokens(self) -> None:
        """Every issued access token now answers 42001 (access_token expired)."""
        with self.lock:
            for token in self.access_tokens:
                self.access_tokens[token] = 0

    def revoke_access_tokens(self) -> None:
        """Forget every issued token: they answer 40001, as after a secret reset."""
        with self.lock:
            self.access_tokens.clear()

    def inject_error(self, path: str, errcode: int, errmsg: str | None = None, times: int = 1) -> None:
        """The next `times` calls to `path` answer this error instead of doing their work."""
        with self.lock:
            self._injected.setdefault(path, []).extend([error(errcode, errmsg)] * times)

    def reset_counts(self) -> None:
        with self.lock:
            self.calls.clear()
            self.requests.clear()

    # --- protocol ------------------------------------------------------------------------------

    def _take_injected(self, path: str) -> dict | None:
        queue = self._injected.get(path)
        return queue.pop(0) if queue else None

    def _check_token(self, token: str | None) -> dict | None:
        if not token:
            return error(41001)
        expires_at = self.access_tokens.get(token)
        if expires_at is None:
            return error(40001)
        if expires_at <= time.monotonic():
            return error(42001)
        return None

    def _token(self, q: dict) -> dict:
        if q.get("grant_type") != "client_credential":
            return error(40002)
        if q.get("appid") != self.app_id:
            return error(40013)
        if q.get("secret") != self.secret:
            return error(40125)
        token = "fake-at-" + secrets.token_urlsafe(48)
        self.access_tokens[token] = time.monotonic() + self.token_ttl
        return {"access_token": token, "expires_in": self.token_ttl}

    def _sns_token(self, q: dict) -> dict:
        if q.get("grant_type") != "authorization_code":
            return error(40002)
        if q.get("appid") != self.app_id:
            return error(40013)
        if q.get("secret") != self.secret:
            return error(40125)
        code = q.get("code")
        if not code:
            return error(41008)
        if code in self.used_codes:
            return error(40163)
        openid = self.codes.pop(code, None)
        if openid is None:
            return error(40029)
        self.used_codes.add(code)
        return {"access_token": "fake-sns-" + secrets.token_urlsafe(32), "expires_in": 7200,
                "refresh_token": "fake-rt-" + secrets.token_urlsafe(32), "openid": openid, "scope": "snsapi_base"}

    def _ticket(self, q: dict) -> dict:
        problem = self._check_token(q.get("access_token"))
        if problem:
            return problem
        if q.get("type") not in ("jsapi", "wx_card"):
            return error(40097, "invalid args")
        ticket = "fake-ticket-" + secrets.token_urlsafe(40)
        self.tickets.append(ticket)
        return {"errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": 7200}

    def _template_send(self, q: dict, raw: bytes) -> dict:
        problem = self._check_token(q.get("access_token"))
        if problem:
            return problem
        if not raw:
            return error(44002)
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return error(47001)
        if not isinstance(body, dict) or not isinstance(body.get("data", {}), dict):
            return error(47001)
        if body.get("template_id") not in self.template_ids:
            return error(40037)
        if body.get("touser") not in self.followers:
            return error(40003)
        for value in body.get("data", {}).values():
            if not isinstance(value, dict) or "value" not in value:
                return error(47001)
        self._msgid += 1
        self.messages.append({**body, "msgid": self._msgid})
        return {"errcode": 0, "errmsg": "ok", "msgid": self._msgid}

    def _authorize(self, q: dict) -> tuple[int, dict]:
        """The page WeChat shows (silently, for snsapi_base): redirect back with a fresh code."""
        if q.get("appid") != self.app_id:
            return 200, error(40013)
        redirect_uri = q.get("redirect_uri", "")
        if not redirect_uri.startswith(("http://", "https://")) or q.get("response_type") != "code":
            return 200, error(-1, "redirect_uri 参数错误")
        code = secrets.token_hex(16)
        openid = q.get("openid") or self.default_openid
        self.codes[code] = openid
        self.followers.add(openid)
        parts = urlsplit(redirect_uri)
        query = parts.query + ("&" if parts.query else "") + urlencode({"code": code, "state": q.get("state", "")})
        return 302, {"Location": urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))}

    def handle(self, method: str, path: str, q: dict, raw: bytes) -> tuple[int, dict]:
        with self.lock:
            self.calls[path] += 1
            self.requests.append({"method": method, "path": path, "query": q, "body": raw})
            injected = self._take_injected(path)
            if injected is not None:
                return 200, injected
            if method == "GET" and path == "/cgi-bin/token":
                return 200, self._token(q)
            if method == "GET" and path == "/sns/oauth2/access_token":
                return 200, self._sns_token(q)
            if method == "GET" and path == "/cgi-bin/ticket/getticket":
                return 200, self._ticket(q)
            if method == "POST" and path == "/cgi-bin/message/template/send":
                return 200, self._template_send(q, raw)
            if method == "GET" and path == "/connect/oauth2/authorize":
                return self._authorize(q)
            return 404, {"errcode": 404, "errmsg": "not found"}

    def _handler_class(self):
        fake = self

        class Handler(FakeHandler):
            def _serve(self, method: str) -> None:
                path, q, raw = self._read_request()
                status, payload = fake.handle(method, path, q, raw)
                if status == 302:
                    self.send_response(302)
                    self.send_header("Location", payload["Location"])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self._send_json(status, payload, "application/json; encoding=utf-8")

        return Handler


def main() -> None:  # pragma: no cover - manual use
    parser = argparse.ArgumentParser(description="Fake WeChat API for local development")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--app-id", default=DEFAULT_APP_ID)
    parser.add_argument("--secret", default=DEFAULT_SECRET)
    parser.add_argument("--template-id", default=DEFAULT_TEMPLATE_ID)
    args = parser.parse_args()
    fake = FakeWeChat(args.app_id, args.secret, (args.template_id,), args.host, args.port)
    print(f"fake WeChat on {fake.base_url}  (WECHAT_API_BASE_URL={fake.base_url} "
          f"WECHAT_OAUTH_BASE_URL={fake.oauth_base_url} WECHAT_APP_ID={args.app_id})")
    fake.serve_forever()


if __name__ == "__main__":  # pragma: no cover
    main()
