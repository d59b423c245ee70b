"""Reliability under load and failure, against the real server process (SPEC §6).

- 300 owners submit at once, each submit sent twice concurrently and once more afterwards with the same
  Idempotency-Key: none lost, none duplicated, receipt numbers unique.
- The server is SIGKILLed during a large upload and during submits: no half-submitted case, the draft
  survives and can be submitted.
- Redis stopped and started (own redis-server on port 6390, only with REDIS_URL): submissions succeed,
  alerts missed meanwhile come back on `GET /alerts?after=`.
- PostgreSQL connections dropped (only with DATABASE_URL): the next requests recover.
"""

import asyncio
import io
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from PIL import Image

from conftest import mp4_head

from .conftest import Database, Server, staff_token

pytestmark = pytest.mark.soak

SUBMISSIONS = int(os.environ.get("SOAK_SUBMISSIONS", "300"))
PINGGUO = (107.589, 23.329)
MB = 1024 * 1024


def _jpeg(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (96, 72), (seed % 256, (seed * 7) % 256, 120)).save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def _draft(checklist: list[str], n: int) -> dict:
    occurred = (datetime.now(timezone(timedelta(hours=8))) - timedelta(minutes=10)).replace(microsecond=0)
    return {
        "checklist": {key: False for key in checklist},
        "location": {"lng": PINGGUO[0], "lat": PINGGUO[1], "coord_system": "gcj02", "address": f"平果市压测路口{n}"},
        "occurred_at": occurred.isoformat(),
        "parties": [{"plate": f"桂L{n:05d}", "vehicle_type": "small_car", "insurer": "picc", "phone": f"1380{n:07d}",
                     "driver_name": "压测"},
                    {"plate": f"桂LA{n % 10000:04d}", "vehicle_type": "small_car", "insurer": "pingan",
                     "phone": f"1390{n:07d}", "driver_name": "压测"}],
    }


def _checklist(base: str) -> list[str]:
    return [item["key"] for item in httpx.get(base + "/api/v1/owner/checklist", timeout=30).json()]


def _new_draft(base: str, n: int, photos: bool = True) -> tuple[httpx.Client, dict]:
    token = httpx.post(base + "/api/v1/owner/session", json={}, timeout=30).json()["token"]
    client = httpx.Client(base_url=base + "/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    draft = client.post("/owner/cases", json=_draft(_checklist(base), n))
    assert draft.status_code == 201, draft.text
    if photos:
        for i, slot in enumerate(("scene_front", "scene_rear", "scene_contact")):
            r = client.post(f"/owner/cases/{draft.json()['id']}/media", data={"slot": slot},
                            files={"file": ("p.jpg", _jpeg(n + i), "image/jpeg")})
            assert r.status_code == 201, r.text
    return client, draft.json()


def _half_submitted(db: Database) -> list[tuple]:
    """Rows that a crash could leave inconsistent: submitted without a receipt or time, or a draft with one,
    or a submitted case whose 'new case' alert is missing."""
    return db.query(
        "SELECT id, status, receipt_no, submitted_at FROM cases_case WHERE "
        "(status <> 'draft' AND (receipt_no IS NULL OR submitted_at IS NULL)) "
        "OR (status = 'draft' AND (receipt_no IS NOT NULL OR submitted_at IS NOT NULL)) "
        "OR (status <> 'draft' AND NOT EXISTS (SELECT 1 FROM alerts_alert a WHERE a.case_id = cases_case.id))")


# ---------------------------------------------------------------- concurrency + idempotency

async def _one_owner(client: httpx.AsyncClient, checklist: list[str], n: int, attempts: dict) -> dict:
    async def call(method, url, **kwargs):
        for attempt in range(5):  # a phone on a bad network retries; so do we, on transport errors and 5xx
            try:
                response = await client.request(method, url, **kwargs)
            except httpx.TransportError:
                attempts["transport_errors"] += 1
                await asyncio.sleep(0.5 * (attempt + 1))
                continue
            if response.status_code >= 500:
                attempts["server_errors"] += 1
                await asyncio.sleep(0.5 * (attempt + 1))
                continue
            return response
        raise AssertionError(f"{method} {url}: gave up")

    token = (await call("POST", "/api/v1/owner/session", json={})).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    draft = await call("POST", "/api/v1/owner/cases", json=_draft(checklist, n), headers=auth)
    assert draft.status_code == 201, draft.text
    case_id = draft.json()["id"]
    for i, slot in enumerate(("scene_front", "scene_rear", "scene_contact")):
        r = await call("POST", f"/api/v1/owner/cases/{case_id}/media", data={"slot": slot},
                       files={"file": ("p.jpg", _jpeg(n + i), "image/jpeg")}, headers=auth)
        assert r.status_code == 201, r.text
    headers = {**auth, "Idempotency-Key": f"soak-{n}-{uuid.uuid4()}"}
    # The double tap and the retry: two identical submits at once, then the same once more.
    first, second = await asyncio.gather(call("POST", f"/api/v1/owner/cases/{case_id}/submit", headers=headers),
                                         call("POST", f"/api/v1/owner/cases/{case_id}/submit", headers=headers))
    third = await call("POST", f"/api/v1/owner/cases/{case_id}/submit", headers=headers)
    answers = [first, second, third]
    assert all(r.status_code in (200, 201) for r in answers), [(r.status_code, r.text[:200]) for r in answers]
    receipts = {r.json()["receipt_no"] for r in answers}
    assert len(receipts) == 1 and None not in receipts, receipts
    return {"case_id": case_id, "receipt_no": receipts.pop(), "key": headers["Idempotency-Key"]}


async def _submit_all(base: str, count: int) -> tuple[list[dict], dict]:
    checklist = _checklist(base)
    attempts = {"transport_errors": 0, "server_errors": 0}
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    async with httpx.AsyncClient(base_url=base, timeout=180, limits=limits) as client:
        results = await asyncio.gather(*(_one_owner(client, checklist, 10_000 + n, attempts) for n in range(count)))
    return results, attempts


def test_hundreds_of_concurrent_submissions_with_retries(soak_server):
    started = time.monotonic()
    results, attempts = asyncio.run(_submit_all(soak_server.url, SUBMISSIONS))
    elapsed = time.monotonic() - started
    print(f"\n{SUBMISSIONS} owners × (session, draft, 3 photos, 3 submits) in {elapsed:.1f}s; retries: {attempts}")

    receipts = [r["receipt_no"] for r in results]
    assert len(set(receipts)) == SUBMISSIONS, "receipt numbers must be unique"
    assert len({r["case_id"] for r in results}) == SUBMISSIONS
    rows = soak_server.db.query("SELECT status, receipt_no FROM cases_case WHERE idempotency_key LIKE ?", ("soak-%",))
    assert len(rows) == SUBMISSIONS, f"{len(rows)} submitted cases for {SUBMISSIONS} owners (lost or duplicated)"
    assert all(status == "submitted" for status, _ in rows), {s for s, _ in rows}
    assert sorted(r for _, r in rows) == sorted(receipts)
    assert not _half_submitted(soak_server.db)
    # each case raised exactly one 'new case' alert
    alerts = soak_server.db.query("SELECT case_id, count(*) FROM alerts_alert WHERE type = 'case.new' "
                                  "AND case_id IN (SELECT id FROM cases_case WHERE idempotency_key LIKE ?) "
                                  "GROUP BY case_id", ("soak-%",))
    assert len(alerts) == SUBMISSIONS and all(n == 1 for _, n in alerts)


# ---------------------------------------------------------------- SIGKILL mid-upload and mid-submit

def _multipart_video(total: int, sent: dict, boundary: str):
    yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"slot\"\r\n\r\nvideo\r\n"
           f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"v.mp4\"\r\n"
           f"Content-Type: video/mp4\r\n\r\n").encode()
    yield mp4_head(total, brand=b"mp42")  # a valid MP4 whose mdat holds the `total` bytes sent below
    chunk = os.urandom(MB)
    while sent["bytes"] < total:
        sent["bytes"] += len(chunk)
        yield chunk
        time.sleep(0.01)
    yield f"\r\n--{boundary}--\r\n".encode()


def test_server_killed_mid_upload_keeps_the_draft(soak_server):
    owner, draft = _new_draft(soak_server.url, 1)
    boundary = uuid.uuid4().hex
    sent = {"bytes": 0}
    outcome = {}

    def big_upload():
        try:
            outcome["response"] = owner.post(
                f"/owner/cases/{draft['id']}/media", content=_multipart_video(150 * MB, sent, boundary),
                headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}, timeout=120)
        except httpx.HTTPError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=big_upload)
    thread.start()
    while sent["bytes"] < 40 * MB and thread.is_alive():
        time.sleep(0.05)
    soak_server.kill()
    thread.join(60)
    assert "error" in outcome, f"the upload should have been cut off, got {outcome}"
    soak_server.start()

    case = owner.get(f"/owner/cases/{draft['id']}").json()
    assert case["status"] == "draft"
    assert sorted(m["slot"] for m in case["media"]) == ["scene_contact", "scene_front", "scene_rear"]
    assert not soak_server.db.query("SELECT id FROM cases_media WHERE case_id = ? AND slot = 'video'", (draft["id"],))
    response = owner.post(f"/owner/cases/{draft['id']}/submit", headers={"Idempotency-Key": "after-upload-kill"})
    assert response.status_code in (200, 201), response.text
    assert response.json()["receipt_no"]
    assert not _half_submitted(soak_server.db)


@pytest.mark.parametrize("delay", [0.0, 0.01, 0.03, 0.08])
def test_server_killed_mid_submit_leaves_no_half_submitted_case(soak_server, delay):
    owner, draft = _new_draft(soak_server.url, 2 + int(delay * 1000))
    key = f"kill-{uuid.uuid4()}"
    thread = threading.Thread(target=lambda: _swallow(lambda: owner.post(
        f"/owner/cases/{draft['id']}/submit", headers={"Idempotency-Key": key})))
    thread.start()
    time.sleep(delay)
    soak_server.kill()
    thread.join(30)
    soak_server.start()

    assert not _half_submitted(soak_server.db)
    before = owner.get(f"/owner/cases/{draft['id']}").json()
    assert before["status"] in ("draft", "submitted")
    assert len(before["media"]) == 3, "the draft's photos survive"
    retry = owner.post(f"/owner/cases/{draft['id']}/submit", headers={"Idempotency-Key": key})
    assert retry.status_code in (200, 201), retry.text
    if before["status"] == "submitted":
        assert retry.json()["receipt_no"] == before["receipt_no"], "the retry returns the same receipt"
    assert not _half_submitted(soak_server.db)
    print(f"\nkill after {delay * 1000:.0f} ms: case was {before['status']} at restart")


def _swallow(call):
    try:
        call()
    except httpx.HTTPError:
        pass


# ---------------------------------------------------------------- Redis down

REDIS_PORT = 6390


def _redis(*args: str) -> None:
    subprocess.run(["redis-cli", "-p", str(REDIS_PORT), *args], check=False, capture_output=True, timeout=10)


def _start_redis() -> None:
    subprocess.run(["redis-server", "--port", str(REDIS_PORT), "--save", "", "--appendonly", "no", "--daemonize", "yes",
                    "--bind", "127.0.0.1"], check=True, capture_output=True)
    for _ in range(50):
        if subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True, text=True).stdout.strip() == "PONG":
            return
        time.sleep(0.1)
    raise RuntimeError("redis-server did not start")


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="only with REDIS_URL (the embedded mode has no Redis)")
def test_redis_down_submissions_succeed_and_alerts_resync(soak_server):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server not installed")
    tmp = Path(tempfile.mkdtemp(prefix="kckp-soak-redis-"))
    _start_redis()
    server = Server(tmp, soak_server.db, f"redis://127.0.0.1:{REDIS_PORT}/0")  # same database, own Redis
    try:
        server.start()
        officer = httpx.Client(base_url=server.url + "/api/v1", timeout=60,
                               headers={"Authorization": f"Bearer {staff_token(server.url, 'pingguo_officer')}"})
        last = officer.get("/alerts").json()["results"]
        after = last[-1]["id"] if last else 0

        _redis("shutdown", "nosave")
        time.sleep(0.5)
        submitted = []
        for n in range(3):
            owner, draft = _new_draft(server.url, 900 + n)
            response = owner.post(f"/owner/cases/{draft['id']}/submit", headers={"Idempotency-Key": f"redis-down-{n}"})
            assert response.status_code in (200, 201), response.text
            submitted.append(response.json()["receipt_no"])
        assert officer.get("/cases", params={"receipt_no": submitted[0]}).status_code == 200

        _start_redis()
        missed = officer.get("/alerts", params={"after": after}).json()["results"]
        got = {a["receipt_no"] for a in missed if a["type"] == "case.new"}
        assert set(submitted) <= got, (submitted, got)
        assert all(a["id"] > after for a in missed)
    finally:
        server.stop()
        _redis("shutdown", "nosave")


# ---------------------------------------------------------------- PostgreSQL connections dropped

@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="only with DATABASE_URL (PostgreSQL)")
@pytest.mark.parametrize("pool", [False, True], ids=["no-pool", "psycopg-pool"])
def test_database_connections_dropped_then_requests_recover(soak_server, pool):
    tmp = Path(tempfile.mkdtemp(prefix="kckp-soak-pg-"))
    server = Server(tmp, soak_server.db, os.environ.get("REDIS_URL"), {"DB_POOL": "1" if pool else "0"})
    try:
        server.start()
        officer = httpx.Client(base_url=server.url + "/api/v1", timeout=60,
                               headers={"Authorization": f"Bearer {staff_token(server.url, 'pingguo_officer')}"})
        assert officer.get("/cases").status_code == 200
        terminated = soak_server.db.terminate_server_connections()
        statuses = [officer.get("/cases").status_code for _ in range(20)]
        print(f"\npool={pool}: terminated {terminated} connections; next answers {statuses}")
        assert statuses[2:] == [200] * 18, statuses  # at most the first two may fail
        assert all(s in (200, 503) for s in statuses), "a dropped connection is never a 500"
        if pool:
            # The pool tries each connection before lending it: a dropped one never reaches a request.
            assert statuses == [200] * 20, statuses
        owner, draft = _new_draft(server.url, 950 + int(pool))
        assert owner.post(f"/owner/cases/{draft['id']}/submit", headers={"Idempotency-Key": f"pg-{pool}"}).status_code in (200, 201)
    finally:
        server.stop()
