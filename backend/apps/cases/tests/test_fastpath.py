"""The owner fast path (apps.cases.fastpath) against the Django path: the same rows, the same answer,
the same headers; and every request it must not answer reaches Django and gets Django's answer.

PostgreSQL with Redis only (the fast path is off otherwise); these run in the PostgreSQL suite.
Each request goes through the ASGI application as the server runs it."""

import asyncio
import json
from datetime import timedelta

import psycopg
import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.alerts.models import Alert
from apps.cases import fastpath
from apps.cases.models import Case, CaseEvent, Party
from apps.common.asgi import PooledASGIHandler
from apps.fraud.models import FraudWarning
from apps.stats.models import CaseFact
from conftest import draft_payload, upload

pytestmark = [
    pytest.mark.skipif(not fastpath.enabled(), reason="the owner fast path runs with PostgreSQL and Redis only"),
    pytest.mark.django_db(transaction=True),
]

# What differs between two submissions of the same draft by construction.
# The two runs of the same-rows test use different plates and phones, or the second would be a
# repeat pair of the first (a fraud warning).
VOLATILE = {"id", "receipt_no", "created_at", "updated_at", "submitted_at", "at", "case_id", "idempotency_key",
            "owner_id", "owner", "title", "data", "plate", "plate_normalized", "phone"}


@pytest.fixture
async def apps():
    """(fast, django): the fast path in front of Django's handler, and Django's handler alone."""
    django_app = PooledASGIHandler(3, 2)
    fast = fastpath.OwnerFastPath(django_app)
    assert fast.enabled
    yield fast, django_app
    await fast.close()


class Owner:
    def __init__(self, token: str) -> None:
        self.token = token

    def headers(self, **extra) -> list:
        found = [(b"authorization", f"Bearer {self.token}".encode()), (b"content-type", b"application/json")]
        return found + [(k.replace("_", "-").encode(), v.encode()) for k, v in extra.items()]


@sync_to_async
def new_owner() -> Owner:
    client = APIClient()
    return Owner(client.post("/api/v1/owner/session", {}, format="json").json()["token"])


@sync_to_async
def warm(owner: Owner) -> None:
    """What any owner request through Django does: verify the token, load the in-process tables."""
    from apps.insurers.directory import companies
    from apps.system.parameters import params
    from apps.units.geo import jurisdictions
    from apps.wechat.authentication import owner_from_token

    owner_from_token(owner.token)
    params.all()
    jurisdictions.locate_gcj02(106.618, 23.901)
    companies.active("picc")


async def call(app, path: str, owner: Owner | None = None, body=None, headers=None, method="POST"):
    raw = json.dumps(body).encode() if isinstance(body, dict | list) else (body or b"")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"content-length", str(len(raw)).encode()),
                    *(headers if headers is not None else owner.headers())],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }
    messages = [{"type": "http.request", "body": raw, "more_body": False}]

    async def receive():
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)

    sent = []

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    content = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], dict((k.decode().lower(), v.decode()) for k, v in start["headers"]), content


def scrub(value):
    """The answer or row without what differs by construction (ids, times, receipt numbers)."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


@sync_to_async
def rows_of(case_id: int) -> dict:
    case = Case.objects.filter(pk=case_id).values().get()
    return {
        "case": scrub(case),
        "parties": scrub(list(Party.objects.filter(case_id=case_id).order_by("index").values())),
        "events": scrub(list(CaseEvent.objects.filter(case_id=case_id).values())),
        "alerts": scrub(list(Alert.objects.filter(case_id=case_id).values())),
        "alert_data": [{k: v for k, v in a["data"].items() if k not in ("receipt_no", "plates")}
                       for a in Alert.objects.filter(case_id=case_id).values("data")],
        "facts": scrub(list(CaseFact.objects.filter(case_id=case_id).values())),
        "warnings": list(FraudWarning.objects.filter(case_id=case_id).order_by("kind", "plate").values_list("kind", flat=True)),
        "warning_rows": scrub(list(FraudWarning.objects.filter(case_id=case_id).order_by("kind", "plate").values(
            "kind", "count", "window_days", "active", "unit_id", "related_case_id", "data"))),
        "receipt_ok": bool(case["receipt_no"]) and all(
            a["title"].endswith(case["receipt_no"]) for a in Alert.objects.filter(case_id=case_id).values("title")),
    }


async def flow(app, owner: Owner, body: dict, key: str = "k-1"):
    status, headers, content = await call(app, "/api/v1/owner/cases", owner, body)
    assert status == 201, content
    draft = json.loads(content)
    submitted = await call(app, f"/api/v1/owner/cases/{draft['id']}/submit", owner,
                           headers=owner.headers(idempotency_key=key))
    return (status, headers, draft), submitted


async def test_same_rows_answers_and_headers_both_ways(apps, demo):
    fast, django_app = apps
    await set_parameter("required_media_slots", "")  # the photos' own test is below
    results = {}
    occurred = (timezone.localtime() - timedelta(minutes=20)).replace(microsecond=0)
    for n, (name, app) in enumerate((("fast", fast), ("django", django_app))):
        body = draft_payload("451082", plates=(f"桂L7F{n}01", f"桂L7F{n}02"), phones=(f"1370000{n}001", f"1370000{n}002"),
                             occurred=occurred)
        owner = await new_owner()
        await warm(owner)
        before = fast.served
        (d_status, d_headers, draft), (s_status, s_headers, content) = await flow(app, owner, body)
        submitted = json.loads(content)
        results[name] = {
            "draft": (d_status, scrub(draft), sorted(k for k in d_headers if k != "content-length")),
            "submit": (s_status, scrub(submitted), sorted(k for k in s_headers if k != "content-length")),
            "header_values": {k: v for k, v in {**d_headers}.items() if k != "content-length"},
            "submit_header_values": {k: v for k, v in s_headers.items() if k != "content-length"},
            "rows": await rows_of(draft["id"]),
            "served": fast.served - before,
        }
        assert submitted.get("status") == "submitted" and submitted["receipt_no"], submitted
        assert [(p["plate"], p["phone"]) for p in submitted["parties"]] == [
            (p["plate"], p["phone"]) for p in body["parties"]]
        assert int(d_headers["content-length"]) > 0 and int(s_headers["content-length"]) == len(content)
    assert results["fast"]["served"] == 2 and results["django"]["served"] == 0
    for part in ("draft", "submit", "header_values", "submit_header_values", "rows"):
        assert results["fast"][part] == results["django"][part], part
    assert results["fast"]["rows"]["receipt_ok"] and len(results["fast"]["rows"]["alerts"]) == 1
    assert results["fast"]["rows"]["facts"][0]["insurers"] == ["picc", "pingan"]


async def test_cold_tables_and_unknown_tokens_go_to_django(apps, demo):
    fast, _ = apps
    owner = await new_owner()  # tables not loaded, token not verified in this process
    status, _, content = await call(fast, "/api/v1/owner/cases", owner, draft_payload())
    assert status == 201 and fast.served == 0
    # Django's request verified the token and loaded the tables: the next one is answered here.
    status, _, content = await call(fast, "/api/v1/owner/cases", owner, draft_payload())
    assert status == 201 and fast.served == 1
    stranger = Owner("ow.not-a-token")
    status, _, content = await call(fast, "/api/v1/owner/cases", stranger, draft_payload())
    assert status == 401 and "登录" in json.loads(content)["detail"] and fast.served == 1


async def test_refusals_are_djangos_answers(apps, demo, settings):
    fast, _ = apps
    owner, other = await new_owner(), await new_owner()
    await warm(owner)
    await warm(other)
    bad = draft_payload()
    bad["location"]["lng"] = 200
    status, _, content = await call(fast, "/api/v1/owner/cases", owner, bad)
    assert status == 400 and json.loads(content)["code"] == "invalid"
    status, _, content = await call(fast, "/api/v1/owner/cases", owner, b"[1, 2]")
    assert status == 400 and "JSON" in json.loads(content)["detail"], content
    status, _, content = await call(fast, "/api/v1/owner/cases", owner, b"{not json")
    assert status == 400
    # An incomplete draft (no photos while photos are required) is refused with the missing list.
    status, _, content = await call(fast, "/api/v1/owner/cases", owner, draft_payload())
    case_id = json.loads(content)["id"]
    status, _, content = await call(fast, f"/api/v1/owner/cases/{case_id}/submit", owner)
    assert status == 400 and json.loads(content)["code"] == "incomplete"
    # Another owner's case is not found.
    status, _, content = await call(fast, f"/api/v1/owner/cases/{case_id}/submit", other)
    assert status == 404
    # Not JSON for JSON.
    status, _, _ = await call(fast, "/api/v1/owner/cases", owner, draft_payload(),
                              headers=owner.headers(accept="text/html"))
    assert status == 406
    # A header twice: Django joins the values, so two tokens are no token.
    status, _, _ = await call(fast, "/api/v1/owner/cases", owner, draft_payload(),
                              headers=[*owner.headers(), (b"authorization", f"Bearer {other.token}".encode())])
    assert status == 401
    assert fast.served == 1  # only the incomplete draft, which is valid
    assert await sync_to_async(Case.objects.filter(owner__isnull=False, status="submitted").count)() == 0


async def set_parameter(key: str, value) -> None:
    from apps.system.models import Parameter
    from apps.system.parameters import params

    await sync_to_async(Parameter.objects.update_or_create)(key=key, defaults={"value": value})
    await sync_to_async(params.invalidate)()
    await sync_to_async(params.all)()


async def test_submission_retries_quota_and_throttle(apps, demo, settings):
    fast, _ = apps
    await set_parameter("required_media_slots", "")
    owner = await new_owner()
    await warm(owner)
    _, (status, _, content) = await flow(fast, owner, draft_payload(plates=("桂L7R001",), phones=("13700000011",)))
    first = json.loads(content)
    assert status == 201 and fast.served == 2
    # The same key again: Django answers with the case (200); another key: 409.
    status, _, content = await call(fast, f"/api/v1/owner/cases/{first['id']}/submit", owner,
                                    headers=owner.headers(idempotency_key="k-1"))
    assert status == 200 and json.loads(content)["receipt_no"] == first["receipt_no"]
    status, _, content = await call(fast, f"/api/v1/owner/cases/{first['id']}/submit", owner,
                                    headers=owner.headers(idempotency_key="k-2"))
    assert status == 409 and json.loads(content)["code"] == "already_submitted"
    assert fast.served == 2
    # The draft quota: Django's 429.
    await set_parameter("max_drafts_per_owner", 1)
    status, _, _ = await call(fast, "/api/v1/owner/cases", owner, draft_payload())
    assert status == 201
    status, _, content = await call(fast, "/api/v1/owner/cases", owner, draft_payload())
    assert status == 429 and json.loads(content)["code"] == "quota_exceeded"
    # The submit throttle counts the fast path's submissions: the third of two a minute is refused.
    await set_parameter("max_drafts_per_owner", 10)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "submit": "2/min"}}
    limited = await new_owner()
    await warm(limited)
    answers = []
    for _ in range(3):
        _, (status, _, _) = await flow(fast, limited, draft_payload(plates=("桂L7R002",), phones=("13700000012",)))
        answers.append(status)
    assert answers == [201, 201, 429]


async def test_fraud_warnings_both_ways(apps, demo):
    """A repeat plate and a phone behind many plates are warned about here, as Django warns about them;
    a repeated pair of plates names the other case and is left to Django."""
    fast, django_app = apps
    await set_parameter("required_media_slots", "")
    await set_parameter("fraud_threshold", 2)
    await set_parameter("phone_plate_threshold", 1)
    # One accident time for both runs: each would otherwise take the clock's second when it starts.
    occurred = (timezone.localtime() - timedelta(minutes=20)).replace(microsecond=0)
    results = {}
    for n, (name, app) in enumerate((("fast", fast), ("django", django_app))):
        plate, phone = f"桂L7W{n}01", f"1370000{n}021"
        owners = [await new_owner() for _ in range(2)]
        for owner in owners:
            await warm(owner)
        _, (status, _, _) = await flow(fast, owners[0], draft_payload(plates=(plate,), phones=(phone,), occurred=occurred))
        assert status == 201
        before = fast.served
        _, (status, _, content) = await flow(app, owners[1], draft_payload(plates=(plate, f"桂L7W{n}02"),
                                                                           phones=(phone, phone), occurred=occurred))
        answer = json.loads(content)
        assert status == 201
        results[name] = {"served": fast.served - before, "answer": scrub(answer), "rows": await rows_of(answer["id"])}
    assert results["fast"]["served"] == 2 and results["django"]["served"] == 0
    assert results["fast"]["rows"]["warnings"] == ["repeat_plate", "shared_phone"]
    assert [a["type"] for a in results["fast"]["rows"]["alerts"]] == ["case.new", "fraud.warning"]
    assert results["fast"]["rows"]["case"]["has_fraud_warning"] and results["fast"]["rows"]["facts"][0]["fraud"]
    for part in ("answer", "rows"):
        assert results["fast"][part] == results["django"][part], part
    # The same two plates again: the pair names the earlier case, so Django checks this one.
    owner = await new_owner()
    await warm(owner)
    before = fast.served
    _, (status, _, content) = await flow(fast, owner, draft_payload(plates=("桂L7W001", "桂L7W002"),
                                                                     phones=("13700009991", "13700009992")))
    assert status == 201 and fast.served == before + 1
    assert "repeat_pair" in (await rows_of(json.loads(content)["id"]))["warnings"]


def scene(seed: int) -> bytes:
    """A photo with detail (a plain colour is a blank frame, which the photo checks leave alone)."""
    import io
    import random

    from PIL import Image

    rng = random.Random(seed)
    image = Image.new("RGB", (64, 48))
    image.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(64 * 48)])
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


@sync_to_async
def add_photos(owner: Owner, case_id: int, seeds) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {owner.token}")
    for slot, seed in zip(("scene_front", "scene_rear", "scene_contact"), seeds, strict=True):
        assert upload(client, case_id, slot, scene(seed)).status_code == 201


async def test_photos_are_checked_here_and_a_reused_photo_goes_to_django(apps, demo):
    fast, _ = apps
    owner = await new_owner()
    await warm(owner)
    ids = []
    for n in range(2):
        status, _, content = await call(fast, "/api/v1/owner/cases", owner,
                                        draft_payload(plates=(f"桂L7P00{n}",), phones=(f"1370000003{n}",)))
        ids.append(json.loads(content)["id"])
    await add_photos(owner, ids[0], [1, 2, 3])
    await add_photos(owner, ids[1], [1, 4, 5])  # the first photo is the other case's file
    await warm(owner)
    served = fast.served
    status, _, content = await call(fast, f"/api/v1/owner/cases/{ids[0]}/submit", owner)
    assert status == 201 and fast.served == served + 1
    assert len(json.loads(content)["media"]) == 3
    status, _, content = await call(fast, f"/api/v1/owner/cases/{ids[1]}/submit", owner)
    assert status == 201 and fast.served == served + 1
    assert (await rows_of(ids[1]))["warnings"] == ["same_photo"]


async def test_a_draft_changed_between_read_and_write_is_submitted_by_django(apps, demo, monkeypatch):
    fast, _ = apps
    await set_parameter("required_media_slots", "")
    owner = await new_owner()
    await warm(owner)
    status, _, content = await call(fast, "/api/v1/owner/cases", owner, draft_payload())
    case_id = json.loads(content)["id"]
    real = fastpath.submission_warnings
    params = connection.get_connection_params()
    dsn = {k: params[k] for k in ("dbname", "user", "host", "port", "password") if params.get(k)}

    def meanwhile(*args):
        # The owner corrects a plate from another tab while the submission is between its statements.
        with psycopg.connect(**dsn, autocommit=True) as other:
            other.execute("UPDATE cases_party SET plate = '桂L7C999', plate_normalized = '桂L7C999' "
                          "WHERE case_id = %s AND \"index\" = 0", [case_id])
            other.execute("UPDATE cases_case SET updated_at = now() WHERE id = %s", [case_id])
        return real(*args)

    monkeypatch.setattr(fastpath, "submission_warnings", meanwhile)
    served = fast.served
    status, _, content = await call(fast, f"/api/v1/owner/cases/{case_id}/submit", owner)
    assert status == 201 and fast.served == served
    answer = json.loads(content)
    assert answer["parties"][0]["plate"] == "桂L7C999"
    assert len((await rows_of(case_id))["events"]) == 1


async def test_concurrent_submissions_with_retries(apps, demo):
    fast, _ = apps
    await set_parameter("required_media_slots", "")
    owners = [await new_owner() for _ in range(8)]
    for owner in owners:
        await warm(owner)
    drafts = []
    for i, owner in enumerate(owners * 3):
        status, _, content = await call(fast, "/api/v1/owner/cases", owner,
                                        draft_payload(plates=(f"桂L7K{i:03d}",), phones=(f"137000010{i:02d}",)))
        drafts.append((owner, json.loads(content)["id"]))
    calls = [call(fast, f"/api/v1/owner/cases/{case_id}/submit", owner,
                  headers=owner.headers(idempotency_key=f"key-{case_id}")) for owner, case_id in drafts]
    calls += [call(fast, f"/api/v1/owner/cases/{case_id}/submit", owner,
                   headers=owner.headers(idempotency_key=f"key-{case_id}")) for owner, case_id in drafts[:10]]
    answers = await asyncio.gather(*calls)
    assert sorted({status for status, _, _ in answers}) in ([200, 201], [201])
    assert sum(1 for status, _, _ in answers if status == 201) == len(drafts)
    ids = [case_id for _, case_id in drafts]
    receipts = await sync_to_async(lambda: list(Case.objects.filter(pk__in=ids).values_list("receipt_no", flat=True)))()
    assert len(set(receipts)) == len(drafts) and all(receipts)
    events = await sync_to_async(CaseEvent.objects.filter(case_id__in=ids, action="submit").count)()
    facts = await sync_to_async(CaseFact.objects.filter(case_id__in=ids).count)()
    alerts = await sync_to_async(Alert.objects.filter(case_id__in=ids, type="case.new").count)()
    assert events == facts == alerts == len(drafts)


async def test_the_new_case_alert_reaches_the_units_sockets(apps, demo):
    from channels.layers import get_channel_layer

    fast, _ = apps
    await set_parameter("required_media_slots", "")
    layer = get_channel_layer()
    channel = await layer.new_channel()
    unit_id = demo["451082"].pk
    await layer.group_add(f"unit.{unit_id}", channel)
    owner = await new_owner()
    await warm(owner)
    _, (status, _, content) = await flow(fast, owner, draft_payload("451082", plates=("桂L7A001",),
                                                                     phones=("13700000041",)))
    assert status == 201 and fast.served == 2
    message = await asyncio.wait_for(layer.receive(channel), 10)
    assert message["message"]["type"] == "case.new"
    assert message["message"]["receipt_no"] == json.loads(content)["receipt_no"]
    await layer.group_discard(f"unit.{unit_id}", channel)


async def test_tables_are_refreshed_ahead_of_time(apps, demo):
    from apps.system.parameters import params

    fast, _ = apps
    owner = await new_owner()
    await warm(owner)
    params._checked -= 10  # due for its look at the shared version
    assert not params.fresh()
    status, _, _ = await call(fast, "/api/v1/owner/cases", owner, draft_payload())
    assert status == 201 and fast.served == 0  # Django answered, and a worker thread refreshed the table
    for _ in range(50):
        if params.fresh():
            break
        await asyncio.sleep(0.05)
    status, _, _ = await call(fast, "/api/v1/owner/cases", owner, draft_payload())
    assert status == 201 and fast.served == 1
    params._checked -= 4  # not stale yet, but due within the refresh margin: answered here, refreshed meanwhile
    status, _, _ = await call(fast, "/api/v1/owner/cases", owner, draft_payload())
    assert status == 201 and fast.served == 2
    for _ in range(50):
        if params.fresh(3):
            break
        await asyncio.sleep(0.05)
    assert params.fresh(3)


async def test_behind_a_tls_proxy_the_same_headers_and_http_is_redirected(demo, settings):
    """Production's transport security: HSTS on answers that came over https, the plain-http request
    redirected by Django (the middleware reads these settings when it is built, so both apps are built
    after them)."""
    owners = [await new_owner(), await new_owner()]  # over plain http, before the redirect is on
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD = 31536000, True, True
    settings.SECURE_SSL_REDIRECT = True
    django_app = PooledASGIHandler(3, 2)
    fast = fastpath.OwnerFastPath(django_app)
    try:
        await set_parameter("required_media_slots", "")
        found = {}
        for owner, (name, app) in zip(owners, (("fast", fast), ("django", django_app)), strict=True):
            await warm(owner)
            status, headers, _ = await call(app, "/api/v1/owner/cases", owner, draft_payload(),
                                            headers=owner.headers(x_forwarded_proto="https"))
            assert status == 201
            found[name] = {k: v for k, v in headers.items() if k != "content-length"}
        assert fast.served == 1
        assert found["fast"] == found["django"]
        assert found["fast"]["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
        status, headers, _ = await call(fast, "/api/v1/owner/cases", owner, draft_payload())
        assert status == 301 and headers["location"].startswith("https://") and fast.served == 1
    finally:
        await fast.close()
