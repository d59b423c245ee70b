"""HTTP through the real ASGI application: every request runs whole on one thread of a fixed pool."""

import asyncio
import io
import json
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.testing import HttpCommunicator, WebsocketCommunicator
from django.core import signals
from django.db import connections
from django.http import FileResponse, JsonResponse, StreamingHttpResponse
from django.urls import path
from rest_framework.test import APIClient

from apps.common.asgi import PooledASGIHandler
from apps.system.models import Parameter
from apps.system.parameters import params
from config.asgi import application
from conftest import draft_payload, login

pytestmark = pytest.mark.django_db(transaction=True)
HOST = [(b"host", b"127.0.0.1")]


@pytest.fixture(autouse=True)
async def _owner_fast_path_closed():
    """With PostgreSQL and Redis the owner's drafts and submissions here may be answered by the fast path
    (apps.cases.fastpath), which opens its pool on the test's event loop: closed with the loop."""
    yield
    from config.asgi import owner_fast_path

    await owner_fast_path.close()


async def call(app, method: str, path: str, body: bytes = b"", token: str = "", content_type: bytes = b"") -> dict:
    headers = list(HOST)
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    if content_type:
        headers.append((b"content-type", content_type))
    if body:
        headers.append((b"content-length", str(len(body)).encode()))
    return await HttpCommunicator(app, method, path, body=body, headers=headers).get_response(timeout=10)


def header(response: dict, name: bytes) -> bytes | None:
    return dict((k.lower(), v) for k, v in response["headers"]).get(name)


async def owner_token(app) -> str:
    response = await call(app, "POST", "/api/v1/owner/session", b"{}", content_type=b"application/json")
    assert response["status"] == 200, response["body"]
    return json.loads(response["body"])["token"]


async def test_json_answer_with_the_middleware_headers():
    response = await call(application, "GET", "/api/v1/owner/checklist")
    assert response["status"] == 200
    items = json.loads(response["body"])
    assert items and all(item["question"] for item in items)
    assert header(response, b"cache-control") == b"no-store"
    assert header(response, b"content-type").startswith(b"application/json")


async def test_draft_written_and_read_back_by_the_owner(demo):
    token = await owner_token(application)
    body = json.dumps(draft_payload()).encode()
    created = await call(application, "POST", "/api/v1/owner/cases", body, token, b"application/json")
    assert created["status"] == 201, created["body"]
    case = json.loads(created["body"])
    again = await call(application, "GET", f"/api/v1/owner/cases/{case['id']}", token=token)
    assert again["status"] == 200
    assert [p["plate"] for p in json.loads(again["body"])["parties"]] == ["桂L12345", "桂LD12345"]
    other = await owner_token(application)
    assert (await call(application, "GET", f"/api/v1/owner/cases/{case['id']}", token=other))["status"] == 404


async def test_oversized_json_is_a_chinese_413_not_a_crash(demo):
    token = await owner_token(application)
    body = json.dumps({"parties": [{"driver_name": "张" * 1000}] * 600}).encode()
    assert len(body) > 1024 * 1024
    response = await call(application, "POST", "/api/v1/owner/cases", body, token, b"application/json")
    assert response["status"] == 413
    assert "过大" in json.loads(response["body"])["detail"]


async def test_start_view_and_finish_of_a_request_share_one_pool_thread(demo):
    """The response's close (request_finished, which gives the database connection back) must run on
    the thread whose connection the view used; and no more requests than the handler allows run at once."""
    handler = PooledASGIHandler(3, 2)
    seen: dict[str, list[int]] = {"started": [], "finished": []}
    names: set[str] = set()
    lock = threading.Lock()
    running = {"now": 0, "most": 0}

    def started(**kwargs):
        with lock:
            seen["started"].append(threading.get_ident())
            names.add(threading.current_thread().name)
            running["now"] += 1
            running["most"] = max(running["most"], running["now"])

    def finished(**kwargs):
        with lock:
            seen["finished"].append(threading.get_ident())
            running["now"] -= 1

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        token = await owner_token(handler)
        seen["started"].clear()
        seen["finished"].clear()
        running["most"] = 0
        responses = await asyncio.gather(*(call(handler, "GET", "/api/v1/owner/cases", token=token) for _ in range(12)))
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)
        handler.pool.shutdown()
    assert [r["status"] for r in responses] == [200] * 12
    assert len(seen["started"]) == len(seen["finished"]) == 12
    assert sorted(seen["started"]) == sorted(seen["finished"])
    assert 1 <= running["most"] <= 3
    assert len(set(seen["started"])) <= 5
    assert all(name.startswith("http") for name in names)


# A URL configuration of its own for the two tests below.
release_stream = threading.Event()
file_reads: list[bool] = []


def slow_stream(request):
    def parts():
        yield b"first,"
        # The client is slow: the rest comes only when the test says so.
        assert release_stream.wait(10)
        yield b"last"

    return StreamingHttpResponse(parts(), content_type="text/plain")


def quick(request):
    return JsonResponse({"ok": True})


class WatchedFile(io.BytesIO):
    """Records, on each read, whether the reading thread still holds a database connection."""

    def read(self, size=-1):
        file_reads.append(connections["default"].connection is not None)
        return super().read(size)


def file_after_query(request):
    Parameter.objects.exists()  # the view uses the database, as the media view does
    return FileResponse(WatchedFile(b"x" * 100_000), content_type="application/octet-stream")


urlpatterns = [path("slow-stream", slow_stream), path("quick", quick), path("file", file_after_query)]


async def test_a_response_streaming_to_a_slow_client_leaves_its_place_to_other_requests(settings):
    settings.ROOT_URLCONF = __name__
    release_stream.clear()
    handler = PooledASGIHandler(1, 1)
    try:
        stream = HttpCommunicator(handler, "GET", "/slow-stream", headers=HOST)
        await stream.send_input({"type": "http.request", "body": b""})
        start = await stream.receive_output(5)
        assert start["type"] == "http.response.start" and start["status"] == 200
        assert (await stream.receive_output(5))["body"] == b"first,"
        # The only place is free again while the stream waits for its client.
        answer = await call(handler, "GET", "/quick")
        assert answer["status"] == 200 and json.loads(answer["body"]) == {"ok": True}
        release_stream.set()
        rest = b""
        while True:
            message = await stream.receive_output(5)
            rest += message.get("body", b"")
            if not message.get("more_body"):
                break
        assert rest == b"last"
    finally:
        release_stream.set()
        handler.pool.shutdown()


@pytest.mark.django_db(transaction=True)
async def test_a_file_response_gives_its_database_connection_back_before_sending(settings):
    settings.ROOT_URLCONF = __name__
    file_reads.clear()
    handler = PooledASGIHandler(1, 1)
    try:
        response = await call(handler, "GET", "/file")
    finally:
        handler.pool.shutdown()
    assert response["status"] == 200 and len(response["body"]) == 100_000
    assert file_reads and not any(file_reads)


async def test_streaming_csv_is_sent_in_parts_from_the_thread_that_reads_it(demo):
    client = await sync_to_async(login)(APIClient(), "admin")
    token = client._credentials["HTTP_AUTHORIZATION"].split()[1]
    response = await call(application, "GET", "/api/v1/system/audit/export", token=token)
    assert response["status"] == 200
    assert header(response, b"content-type").startswith(b"text/csv")
    text = response["body"].decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) >= 2 and "auth.login" in text


async def test_health_reaches_the_channel_layer_on_the_server_loop():
    response = await call(application, "GET", "/api/v1/health")
    assert response["status"] == 200, response["body"]
    assert json.loads(response["body"])["channel_layer"] == "ok"


async def test_submission_over_http_alerts_the_officer_socket(demo):
    def setup():
        Parameter.objects.update_or_create(key="required_media_slots", defaults={"value": ""})
        params.invalidate()
        return login(APIClient(), "pingguo_officer").post("/api/v1/alerts/ticket").json()["ticket"]

    ticket = await sync_to_async(setup)()
    socket = WebsocketCommunicator(application, f"/ws/alerts/?ticket={ticket}",
                                   headers=[*HOST, (b"origin", b"http://127.0.0.1")])
    assert (await socket.connect(timeout=5))[0]
    assert (await socket.receive_json_from(timeout=5))["type"] == "hello"
    token = await owner_token(application)
    body = json.dumps(draft_payload("451082")).encode()
    created = json.loads((await call(application, "POST", "/api/v1/owner/cases", body, token, b"application/json"))["body"])
    submitted = await call(application, "POST", f"/api/v1/owner/cases/{created['id']}/submit", token=token)
    assert submitted["status"] == 201, submitted["body"]
    receipt = json.loads(submitted["body"])["receipt_no"]
    alert = await socket.receive_json_from(timeout=5)
    assert alert["type"] == "case.new" and alert["receipt_no"] == receipt
    await socket.disconnect()
