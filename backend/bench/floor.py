"""A measurement, not a feature: the least CPU the owner submission could cost on this machine.

    python -m bench --only bare,submit --server-app bench.floor:application --keep-db --reuse-db
    python -m bench.cpu --server-app bench.floor:application

This ASGI application answers the two requests of the submission phase, `POST /api/v1/owner/cases`
and `POST /api/v1/owner/cases/{id}/submit`, outside Django: asyncio psycopg on its own pool, each
request in one or two SQL statements (data-modifying CTEs in autocommit), the alert sent from the
event loop. Every other request, `/bench/bare` among them, goes to the project's own application, so
the yardstick is the same as in the normal run. It keeps the Python work a real implementation could
not avoid: the owner token (looked up in a per-process table, as the project's 30-second cache
does), the submit throttle's one Redis round trip, the draft's validation (`parse_draft`), the datum
conversion and the jurisdiction lookup, the completeness check's inputs, the fraud window's rows and
the repeat-plate count, a receipt number, the event, the `case.new` alert and its broadcast to the
unit and its ancestors, the statistics fact and a full JSON answer.

What it leaves out, and a real one could not: error answers in the API's format, idempotent retries
of a submitted case, receipt collisions, fraud warnings and their alert (the run's random plates
rarely repeat), the security headers, request size limits, and a second copy of every rule to keep
in step with the Django one. So it is a lower bound: if this misses the bar, a reimplementation would
too.
"""

import asyncio
import json
import os
import re
from datetime import timedelta

# The process-wide tables the rules read (parameters, insurers, units) reload themselves from the
# database now and then, synchronously; here that happens on the event loop, a few times a minute.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from config.asgi import application as project  # noqa: E402, I001 - sets Django up first

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool
from rest_framework.exceptions import ValidationError

from apps.alerts.services import unit_group
from apps.cases.receipts import new_receipt_no
from apps.cases.validation import parse_draft
from apps.insurers.directory import companies
from apps.system.parameters import params
from apps.units.geo import both_datums, jurisdictions
from apps.wechat.authentication import owner_from_token

SUBMIT_PATH = re.compile(rb"^/api/v1/owner/cases/(\d+)/submit$")
DRAFT_PATH = b"/api/v1/owner/cases"

DRAFT_SQL = """
WITH quota AS (SELECT count(*) < %(limit)s AS ok FROM cases_case WHERE owner_id = %(owner)s AND status = 'draft'),
c AS (
  INSERT INTO cases_case (owner_id, status, receipt_no, unit_id, inside_jurisdiction, checklist, lng, lat, coord_system,
    gcj_lng, gcj_lat, wgs_lng, wgs_lat, address, address_detail, occurred_at, created_at, updated_at, submitted_at,
    decided_at, closed_at, idempotency_key, claimed_by_id, claimed_at, feedback, closing_notes, has_fraud_warning,
    purged_at, liability_suggestion, agreement_confirmations)
  SELECT %(owner)s, 'draft', NULL, %(unit)s, %(inside)s, %(checklist)s, %(lng)s, %(lat)s, %(cs)s, %(glng)s, %(glat)s,
    %(wlng)s, %(wlat)s, %(address)s, %(detail)s, %(occurred)s, %(now)s, %(now)s, NULL, NULL, NULL, '', NULL, NULL, '', '',
    false, NULL, NULL, '{}'::jsonb
  FROM quota WHERE ok RETURNING id),
p AS (
  INSERT INTO cases_party (case_id, "index", plate, plate_normalized, vehicle_type, insurer_id, insurer_name, phone,
    driver_name, liability, occurred_at, counts_for_fraud)
  SELECT c.id, v.i, v.plate, v.plate, v.vt, v.ins, v.iname, v.phone, v.driver, '', NULL, false
  FROM c, unnest(%(idx)s::int[], %(plates)s::text[], %(vts)s::text[], %(inss)s::bigint[], %(inames)s::text[],
                 %(phones)s::text[], %(drivers)s::text[]) AS v(i, plate, vt, ins, iname, phone, driver)
  RETURNING id)
SELECT c.id, (SELECT count(*) FROM p) FROM c
"""

READ_SQL = """
SELECT c.status, c.checklist, c.gcj_lng, c.gcj_lat, c.occurred_at, c.lng, c.lat, c.coord_system, c.address,
  c.address_detail, c.created_at,
  (SELECT json_agg(json_build_array(p."index", p.plate_normalized, p.phone, p.insurer_id, p.insurer_name,
     p.vehicle_type, p.driver_name) ORDER BY p."index") FROM cases_party p WHERE p.case_id = c.id),
  (SELECT json_agg(m.slot) FROM cases_media m WHERE m.case_id = c.id),
  (SELECT json_agg(json_build_array(o.case_id, o.plate_normalized, o.phone)) FROM cases_party o
   WHERE o.counts_for_fraud AND o.occurred_at > c.occurred_at - %(window)s AND o.occurred_at <= c.occurred_at
     AND o.case_id <> c.id AND (o.plate_normalized = ANY(mine.plates) OR o.phone = ANY(mine.phones)))
FROM cases_case c, LATERAL (SELECT array_agg(plate_normalized) AS plates, array_agg(phone) AS phones
                            FROM cases_party WHERE case_id = c.id) mine
WHERE c.id = %(id)s AND c.owner_id = %(owner)s
"""

WRITE_SQL = """
WITH u AS (
  UPDATE cases_case SET unit_id = %(unit)s, inside_jurisdiction = %(inside)s, status = 'submitted', submitted_at = %(now)s,
    idempotency_key = %(key)s, receipt_no = %(receipt)s, has_fraud_warning = %(fraud)s, updated_at = %(now)s
  WHERE id = %(id)s AND owner_id = %(owner)s AND status = 'draft' RETURNING id, occurred_at),
up AS (UPDATE cases_party SET occurred_at = u.occurred_at, counts_for_fraud = true FROM u WHERE case_id = u.id),
e AS (INSERT INTO cases_caseevent (case_id, at, action, status, note, actor_id, unit_id, data)
      SELECT id, %(now)s, 'submit', 'submitted', %(note)s, NULL, %(unit)s, '{}'::jsonb FROM u RETURNING id),
a AS (INSERT INTO alerts_alert (type, case_id, unit_id, title, data, created_at)
      SELECT 'case.new', id, %(unit)s, %(title)s, %(adata)s, %(now)s FROM u RETURNING id),
f AS (INSERT INTO stats_casefact (case_id, unit_id, adcode, submitted_at, decided_at, status, decision_s,
        inside_jurisdiction, insurers, fraud, occurred_hour, updated_at)
      SELECT id, %(unit)s, %(adcode)s, %(now)s, NULL, 'submitted', NULL, %(inside)s, %(insurers)s, %(fraud)s,
        %(hour)s, %(now)s FROM u
      ON CONFLICT (case_id) DO UPDATE SET unit_id = EXCLUDED.unit_id, submitted_at = EXCLUDED.submitted_at,
        status = EXCLUDED.status, updated_at = EXCLUDED.updated_at
      RETURNING id)
SELECT u.id, (SELECT id FROM a), (SELECT id FROM e), (SELECT id FROM f) FROM u
"""

HEADERS = [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]


class Floor:
    def __init__(self) -> None:
        self.pool: AsyncConnectionPool | None = None
        self.owners: dict[bytes, int] = {}
        self.redis = None

    async def _pool(self) -> AsyncConnectionPool:
        if self.pool is None:
            self.pool = AsyncConnectionPool(os.environ["DATABASE_URL"], min_size=4, max_size=10,
                                            kwargs={"autocommit": True}, open=False)
            await self.pool.open()
            from redis.asyncio import Redis

            self.redis = Redis.from_url(os.environ["REDIS_URL"])
        return self.pool

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST":
            path = scope["raw_path"]
            match = SUBMIT_PATH.match(path)
            if match or path == DRAFT_PATH:
                body = b""
                while True:
                    message = await receive()
                    body += message.get("body", b"")
                    if not message.get("more_body"):
                        break
                owner = await self._owner(scope)
                if owner is None:
                    return await self._answer(send, 401, {"detail": "unauthorised"})
                if match:
                    return await self._submit(send, owner, int(match.group(1)), scope)
                return await self._draft(send, owner, body)
        return await project(scope, receive, send)

    async def _answer(self, send, status: int, data: dict) -> None:
        await send({"type": "http.response.start", "status": status, "headers": HEADERS})
        await send({"type": "http.response.body", "body": json.dumps(data, ensure_ascii=False).encode()})

    async def _owner(self, scope) -> int | None:
        token = next((v for k, v in scope["headers"] if k == b"authorization"), b"")[7:]
        owner = self.owners.get(token)
        if owner is None:
            found = await sync_to_async(owner_from_token)(token.decode())
            if found is None:
                return None
            owner = self.owners[token] = found.pk
        return owner

    async def _draft(self, send, owner: int, body: bytes) -> None:
        try:
            values = parse_draft(json.loads(body))
        except ValidationError as exc:
            return await self._answer(send, 400, {"code": "invalid", "errors": exc.detail})
        loc = values["location"]
        datums = both_datums(loc["lng"], loc["lat"], loc["coord_system"])
        gcj, wgs = datums["gcj02"], datums["wgs84"]
        located = jurisdictions.locate_gcj02(gcj["lng"], gcj["lat"])
        parties = values["parties"]
        insurer_ids = [p["insurer"].pk if p.get("insurer") else None for p in parties]
        now = timezone.now()
        pool = await self._pool()
        async with pool.connection() as conn:
            row = await (await conn.execute(DRAFT_SQL, {
                "limit": params.get("max_drafts_per_owner"), "owner": owner, "unit": located.unit_id,
                "inside": located.inside, "checklist": Jsonb(values["checklist"]), "lng": loc["lng"], "lat": loc["lat"],
                "cs": loc["coord_system"], "glng": gcj["lng"], "glat": gcj["lat"], "wlng": wgs["lng"], "wlat": wgs["lat"],
                "address": loc.get("address", ""), "detail": loc.get("detail", ""), "occurred": values["occurred_at"],
                "now": now, "idx": list(range(len(parties))), "plates": [p.get("plate") or "" for p in parties],
                "vts": [p.get("vehicle_type") or "" for p in parties], "inss": insurer_ids,
                "inames": [p.get("insurer_name") or "" for p in parties], "phones": [p.get("phone") or "" for p in parties],
                "drivers": [p.get("driver_name") or "" for p in parties],
            })).fetchone()
        if row is None:
            return await self._answer(send, 429, {"code": "quota_exceeded"})
        unit = jurisdictions.unit_info(located.unit_id)
        await self._answer(send, 201, {
            "id": row[0], "receipt_no": None, "status": "draft", "status_label": "草稿", "checklist": values["checklist"],
            "location": {"lng": loc["lng"], "lat": loc["lat"], "coord_system": loc["coord_system"],
                         "gcj02": gcj, "wgs84": wgs, "address": loc.get("address", ""), "detail": loc.get("detail", "")},
            "occurred_at": values["occurred_at"].isoformat(), "parties": [_party(p) for p in parties], "media": [],
            "unit": {"id": unit.id, "name": unit.name, "adcode": unit.adcode}, "inside_jurisdiction": located.inside,
            "timeline": [], "feedback": "", "next_step": None, "fraud_warnings": [], "created_at": now.isoformat(),
            "updated_at": now.isoformat(), "submitted_at": None, "liability_suggestion": None, "agreement": None,
        })

    async def _submit(self, send, owner: int, case_id: int, scope) -> None:
        key = next((v for k, v in scope["headers"] if k == b"idempotency-key"), b"").decode()[:80]
        window = int(timezone.now().timestamp() // 60)
        pool = await self._pool()
        pipe = self.redis.pipeline(transaction=False)
        pipe.incr(f"throttle:submit:{owner}:{window}")
        pipe.expire(f"throttle:submit:{owner}:{window}", 120)
        pipe.get(f"throttle:submit:{owner}:{window - 1}")
        await pipe.execute()
        async with pool.connection() as conn:
            row = await (await conn.execute(READ_SQL, {"id": case_id, "owner": owner, "window": timedelta(
                days=params.get("fraud_window_days"))})).fetchone()
            if row is None or row[0] != "draft":
                return await self._answer(send, 404, {"code": "not_found"})
            (_, checklist, glng, glat, occurred, lng, lat, cs, address, detail, created, parties, slots, others) = row
            if any(checklist.get(k) for k in checklist) or glng is None or not parties:
                return await self._answer(send, 400, {"code": "incomplete"})
            located = jurisdictions.locate_gcj02(glng, glat)
            unit = jurisdictions.unit_info(located.unit_id)
            plates = {p[1] for p in parties}
            counts = {plate: 1 + len({o[0] for o in (others or []) if o[1] == plate}) for plate in plates}
            fraud = any(n >= params.get("fraud_threshold") for n in counts.values())
            receipt = new_receipt_no()
            now = timezone.now()
            insurers = sorted({_insurer_code(p[3]) or "other" for p in parties})
            written = await (await conn.execute(WRITE_SQL, {
                "unit": located.unit_id, "inside": located.inside, "now": now, "key": key, "receipt": receipt,
                "fraud": fraud, "id": case_id, "owner": owner, "note": f"报案已提交，由{unit.name}受理审核。",
                "title": f"新报案 {receipt}", "adata": Jsonb({"receipt_no": receipt, "status": "submitted"}),
                "adcode": unit.adcode, "insurers": Jsonb(insurers), "hour": timezone.localtime(occurred).hour,
            })).fetchone()
        if written is None:
            return await self._answer(send, 409, {"code": "already_submitted"})
        alert_id = written[1]
        message = {"id": alert_id, "type": "case.new", "case_id": case_id, "receipt_no": receipt,
                   "unit": {"id": unit.id, "name": unit.name, "adcode": unit.adcode}, "title": f"新报案 {receipt}",
                   "created_at": now.isoformat(), "status": "submitted"}
        layer = get_channel_layer()
        asyncio.ensure_future(asyncio.gather(*(
            layer.group_send(unit_group(pk), {"type": "alert.message", "message": message}) for pk in unit.ancestor_ids)))
        await self._answer(send, 201, {
            "id": case_id, "receipt_no": receipt, "status": "submitted", "status_label": "待审核", "checklist": checklist,
            "location": {"lng": lng, "lat": lat, "coord_system": cs, "address": address, "detail": detail},
            "occurred_at": occurred.isoformat(),
            "parties": [{"index": p[0], "plate": p[1], "phone": p[2], "insurer": _insurer_code(p[3]),
                         "insurer_name": p[4], "vehicle_type": p[5], "driver_name": p[6]} for p in parties],
            "media": [], "unit": {"id": unit.id, "name": unit.name, "adcode": unit.adcode},
            "inside_jurisdiction": located.inside,
            "timeline": [{"at": now.isoformat(), "action": "submit", "status": "submitted", "label": "待审核",
                          "note": f"报案已提交，由{unit.name}受理审核。"}],
            "feedback": "", "next_step": None, "fraud_warnings": [], "created_at": created.isoformat(),
            "updated_at": now.isoformat(), "submitted_at": now.isoformat(), "liability_suggestion": None,
            "agreement": None,
        })


def _insurer_code(pk: int | None) -> str | None:
    company = companies.get(pk) if pk else None
    return company.code if company else None


def _party(p: dict) -> dict:
    return {"index": p.get("index"), "plate": p.get("plate"), "vehicle_type": p.get("vehicle_type"),
            "insurer": p["insurer"].code if p.get("insurer") else None, "insurer_name": p.get("insurer_name") or "", "phone": p.get("phone"),
            "driver_name": p.get("driver_name") or "", "liability": ""}


application = Floor()
