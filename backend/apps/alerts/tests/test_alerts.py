"""Live alerts over the real ASGI application (in-memory layer locally, Redis in CI)."""


import itertools

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from apps.alerts.models import Alert
from config.asgi import application
from conftest import login, make_submitted_case

pytestmark = pytest.mark.django_db(transaction=True)
HEADERS = [(b"host", b"127.0.0.1"), (b"origin", b"http://127.0.0.1")]


def ticket_for(username: str) -> str:
    client = login(APIClient(), username)
    return client.post("/api/v1/alerts/ticket").json()["ticket"]


async def connect(username: str) -> WebsocketCommunicator:
    ticket = await sync_to_async(ticket_for)(username)
    communicator = WebsocketCommunicator(application, f"/ws/alerts/?ticket={ticket}", headers=HEADERS)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    hello = await communicator.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    return communicator


async def receive_types(communicator, seconds=1.0) -> list[dict]:
    messages = []
    try:
        while True:
            messages.append(await communicator.receive_json_from(timeout=seconds))
    except TimeoutError:
        pass
    return messages


_serial = itertools.count(1)


def owner_and_case(adcode: str):
    client = APIClient()
    token = client.post("/api/v1/owner/session", {}, format="json").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    # Own plates per case: the same pair twice would raise a repeat-pair fraud alert of its own.
    n = next(_serial)
    return client, make_submitted_case(client, adcode, plates=(f"桂L{n:05d}", f"桂LD{n:05d}"))


@pytest.fixture
def seeded(demo):
    return demo


async def test_case_alert_reaches_its_unit_and_ancestors_only(seeded):
    pingguo = await connect("pingguo_officer")
    tiandong = await connect("tiandong_officer")
    admin = await connect("admin")
    _, case = await sync_to_async(owner_and_case)("451082")
    got = await pingguo.receive_json_from(timeout=1)
    assert got["type"] == "case.new" and got["case_id"] == case["id"] and got["receipt_no"] == case["receipt_no"]
    assert (await admin.receive_json_from(timeout=1))["case_id"] == case["id"]
    assert await tiandong.receive_nothing(timeout=0.5)
    for c in (pingguo, tiandong, admin):
        await c.disconnect()


async def test_a_new_case_and_its_fraud_warning_arrive_in_order(seeded):
    from apps.system.models import Parameter
    from apps.system.parameters import params

    await sync_to_async(Parameter.objects.update_or_create)(key="fraud_threshold", defaults={"value": 2})
    await sync_to_async(params.invalidate)()
    pingguo = await connect("pingguo_officer")
    admin = await connect("admin")

    def two_cases_of_one_plate():
        owner = APIClient()
        owner.credentials(HTTP_AUTHORIZATION=f"Bearer {owner.post('/api/v1/owner/session', {}, format='json').json()['token']}")
        make_submitted_case(owner, "451082", key="a", plates=("桂L0W001",), phones=("13600000001",))
        return make_submitted_case(owner, "451082", key="b", plates=("桂L0W001",), phones=("13600000002",))

    second = await sync_to_async(two_cases_of_one_plate)()
    for socket in (pingguo, admin):
        got = [await socket.receive_json_from(timeout=2) for _ in range(3)]  # the first case, then the second
        assert [(m["type"], m["case_id"]) for m in got[1:]] == [("case.new", second["id"]), ("fraud.warning", second["id"])]
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()


async def test_ticket_is_single_use_and_required(seeded):
    ticket = await sync_to_async(ticket_for)("pingguo_officer")
    first = WebsocketCommunicator(application, f"/ws/alerts/?ticket={ticket}", headers=HEADERS)
    assert (await first.connect(timeout=5))[0]
    second = WebsocketCommunicator(application, f"/ws/alerts/?ticket={ticket}", headers=HEADERS)
    connected, _ = await second.connect(timeout=5)
    assert not connected
    nothing = WebsocketCommunicator(application, "/ws/alerts/", headers=HEADERS)
    assert not (await nothing.connect(timeout=5))[0]
    await first.disconnect()


async def test_transfer_retargets_alerts(seeded):
    _, case = await sync_to_async(owner_and_case)("451082")
    tiandong = await connect("tiandong_officer")

    def transfer():
        client = login(APIClient(), "pingguo_officer")
        unit_id = seeded["451022"].pk
        return client.post(f"/api/v1/cases/{case['id']}/transfer", {"unit": unit_id, "reason": "属田东辖区"}, format="json")

    assert (await sync_to_async(transfer)()).status_code == 200
    got = await tiandong.receive_json_from(timeout=1)
    assert got["type"] == "case.transferred" and got["case_id"] == case["id"]
    await tiandong.disconnect()


def test_offline_client_resyncs_with_after(demo):
    officer = login(APIClient(), "pingguo_officer")
    start = officer.get("/api/v1/alerts").json()["last_id"]
    _, a = owner_and_case("451082")
    _, b = owner_and_case("451082")
    owner_and_case("451022")  # not in 平果's scope
    missed = officer.get("/api/v1/alerts", {"after": start}).json()
    assert [m["case_id"] for m in missed["results"]] == [a["id"], b["id"]]
    ids = [m["id"] for m in missed["results"]]
    assert ids == sorted(ids) and missed["unread"] >= 2
    officer.post("/api/v1/alerts/read", {"up_to": ids[-1]}, format="json")
    assert officer.get("/api/v1/alerts").json()["unread"] == 0
    tiandong = login(APIClient(), "tiandong_officer")
    assert a["id"] not in [m["case_id"] for m in tiandong.get("/api/v1/alerts", {"after": start}).json()["results"]]


def test_submission_succeeds_when_the_channel_layer_is_down(demo, settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}}
    channel_layers.backends.clear()
    try:
        _, case = owner_and_case("451082")
    finally:
        channel_layers.backends.clear()
    assert case["status"] == "submitted"
    officer = login(APIClient(), "pingguo_officer")
    assert case["id"] in [m["case_id"] for m in officer.get("/api/v1/alerts", {"after": 0}).json()["results"]]


async def test_disabled_user_socket_is_closed(seeded):
    from apps.accounts.models import User
    from apps.alerts.services import revoke_user_sockets

    officer = await connect("pingguo_officer")
    user = await sync_to_async(User.objects.get)(username="pingguo_officer")
    await sync_to_async(revoke_user_sockets)(user.pk)
    closed = await officer.receive_output(timeout=2)
    assert closed["type"] == "websocket.close" and closed["code"] == 4403


async def test_alerts_are_stored_with_increasing_ids(seeded):
    await sync_to_async(owner_and_case)("451082")
    await sync_to_async(owner_and_case)("451082")
    ids = await sync_to_async(lambda: list(Alert.objects.order_by("id").values_list("id", flat=True)))()
    assert ids == sorted(ids) and len(ids) >= 2
