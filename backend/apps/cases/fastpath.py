"""The owner's draft and submission answered on the server's event loop (PostgreSQL with Redis).

`POST /api/v1/owner/cases` and `POST /api/v1/owner/cases/{id}/submit` are the two requests every
report makes, and the busiest writes of the service. Through Django each costs a thread handoff,
the middleware, DRF's request handling and five to twelve statements, one round trip each; here the
common case is answered before Django sees it, with asyncio psycopg on a pool of its own: a draft
in one statement, a submission in two (one read, one write), or three with photos.

Only the rules' inputs and outputs are handled here. The rules themselves are the ones the Django
views run, called with what this module read:
- the draft: `parse_draft()`, `draft_rows()` (datums, jurisdiction preview, parties);
- the submission: `missing_for_submit()`, `mark_submitted()` (unit, receipt number, timeline
  entry), the fraud check's `submission_warnings()` and `fraud_alert()` over the same window rows
  and photo querysets, `submitted_alerts()`/`case_alert_rows()`, `submitted_fact()`; rows are
  prepared by the model
  fields (`apps.common.fastsql`), so they are the rows the Django path writes, column for column;
- the answer: `owner_case_data()`, rendered by DRF's `JSONRenderer`, with the headers the middleware
  adds (held equal to the Django path's by tests).

Everything else is handed on to Django, untouched, by replaying the request body: any other request;
a request that is not plainly JSON for JSON (a query string, another Accept or Content-Type, a body
over DATA_UPLOAD_MAX_MEMORY_SIZE); a host Django would refuse or an http request it would redirect;
an owner token not verified in this process in the last 30 s; a parameter, insurer or unit table
due for its periodic reload (refreshed on a worker thread ahead of time, so this is rare); a draft
that fails validation or the draft quota; a case that is not a complete draft of this owner; a
submission whose fraud warning names another case (a reused or similar photo, a repeated pair of
plates: naming it takes a read more); the submit throttle's refusal, or Redis not answering;
a draft that changed between the read and the write (the write's condition on `updated_at` finds no
row); a receipt number collision; a statement that fails. So error answers, idempotent retries
and every refusal stay with the one implementation that the rest of the API shares.

Off with SQLite (the embedded mode) and with OWNER_FAST_PATH=0.
"""

import asyncio
import json
import logging
import re
import weakref
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http.request import split_domain_port, validate_host
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer

from apps.alerts.services import alert_message, case_alert_rows, log_failure, send_alerts, unit_groups
from apps.common import fastsql
from apps.common.asyncpool import LoopPool
from apps.common.middleware import PERMISSIONS_POLICY
from apps.common.throttling import take_async
from apps.fraud import signals
from apps.fraud.models import FraudWarning
from apps.fraud.services import fraud_alert, submission_warnings
from apps.insurers.directory import companies
from apps.stats.models import CaseFact
from apps.stats.services import SUBMITTED_FACT_UPSERT, submitted_fact
from apps.system.parameters import params
from apps.units.geo import jurisdictions
from apps.wechat.authentication import PREFIX, cached_owner

from .api.serializers import owner_case_data
from .hooks import submitted_alerts
from .models import Case, CaseEvent, Media, Party, Status
from .selectors import owner_case_written
from .services import SUBMIT_FIELDS, draft_rows, mark_submitted, missing_for_submit, party_submit_values
from .validation import parse_draft

log = logging.getLogger(__name__)

DRAFT_PATH = "/api/v1/owner/cases"
SUBMIT_PATH = re.compile(r"^/api/v1/owner/cases/([0-9]{1,18})/submit$")
# DRF's Allow header of the two routes (the list route also lists, the submit action only posts).
ALLOW = {"draft": "GET, POST, HEAD, OPTIONS", "submit": "POST, OPTIONS"}
JSON_TYPES = {"*/*", "application/*", "application/json"}
READ_HEADERS = {b"host", b"authorization", b"accept", b"content-type", b"content-length", b"idempotency-key"}


def enabled() -> bool:
    from apps.common.redis_cache import SharedPoolRedisCache

    return (getattr(settings, "OWNER_FAST_PATH", False)
            and settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
            and settings.CACHES["default"]["BACKEND"] == f"{SharedPoolRedisCache.__module__}.SharedPoolRedisCache")


# The tables the rules read in memory (parameters, jurisdictions and units, insurers) reload now and
# then from the cache and the database. Here a table must stay current for FRESH_S more seconds, and
# one due within REFRESH_AHEAD_S is refreshed on a worker thread.
TABLES = (params, jurisdictions, companies)
FRESH_S = 0.5
REFRESH_AHEAD_S = 2.0


def _refresh_tables() -> None:
    try:
        for table in TABLES:
            if not table.fresh(REFRESH_AHEAD_S):
                table.refresh()
    except Exception:
        log.warning("owner fast path: the tables could not be refreshed", exc_info=True)
    finally:
        connections.close_all()  # this worker thread's connection goes back


class Handover(Exception):
    """This request is Django's to answer."""


class OwnerFastPath:
    """ASGI application in front of `inner` (the project's HTTP application)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.enabled = enabled()
        self.renderer = JSONRenderer()
        self._pools: dict = {}  # per event loop: (psycopg pool, Redis client)
        self._sends: set = set()
        self._refreshing: dict = {}  # per event loop: the table refresh under way
        self.served = 0  # requests answered here (the tests read it)
        # Django's connection and cache handlers keep one object per async context, and each request
        # runs in a context of its own: looked up per request, each would be built anew. Here the
        # database wrapper only lends its field preparation (it is never opened) and the cache backend
        # its key function, so one of each serves every request.
        self.db = connections["default"]
        self.cache = caches["default"]

    async def __call__(self, scope, receive, send):
        if not self.enabled or scope["type"] != "http" or scope["method"] != "POST":
            return await self.inner(scope, receive, send)
        path = scope["path"]
        match = SUBMIT_PATH.match(path) if path != DRAFT_PATH else None
        if path != DRAFT_PATH and match is None:
            return await self.inner(scope, receive, send)
        body, more, gone = await _read(receive, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        if gone:
            return
        self._keep_fresh()
        answer = None
        if not more and self._plain(scope):
            owner = _owner(scope)
            if owner is not None:
                try:
                    if match is None:
                        answer = await self._draft(owner, body, scope)
                    else:
                        answer = await self._submit(owner, int(match.group(1)), scope)
                except Handover:
                    answer = None
        if answer is None:
            return await self.inner(scope, _Replay(body, more, receive), send)
        self.served += 1
        status, data, route = answer
        content = self.renderer.render(data)
        await send({"type": "http.response.start", "status": status, "headers": self._headers(scope, route, content)})
        await send({"type": "http.response.body", "body": content})

    # ---- what Django would do before the view ----------------------------------------------------

    def _plain(self, scope) -> bool:
        """Whether Django would run the view with this request as it stands: host allowed, no https
        redirect, JSON both ways, no query string, and every in-process table fresh."""
        if scope.get("query_string") or settings.DISALLOWED_USER_AGENTS or settings.USE_X_FORWARDED_HOST:
            return False
        # Django joins a repeated header's values with commas; such a request is left to it.
        names = [name for name, _ in scope["headers"] if name in READ_HEADERS]
        if len(names) != len(set(names)):
            return False
        host = _header(scope, b"host")
        domain, _ = split_domain_port(host)
        allowed = settings.ALLOWED_HOSTS
        if settings.DEBUG and not allowed:
            allowed = [".localhost", "127.0.0.1", "[::1]"]
        if not domain or not validate_host(domain, allowed):
            return False
        if settings.SECURE_SSL_REDIRECT and not _secure(scope):
            return False
        accept = _header(scope, b"accept")
        if accept and not any(part.strip() in JSON_TYPES for part in accept.split(",")):
            return False
        return all(table.fresh(FRESH_S) for table in TABLES)

    def _keep_fresh(self) -> None:
        """Refresh the in-process tables on a worker thread before they are due, so that under load the
        requests here never find one stale (and hand over to Django meanwhile)."""
        loop = asyncio.get_running_loop()
        if self._refreshing.get(loop) or all(table.fresh(REFRESH_AHEAD_S) for table in TABLES):
            return
        future = self._refreshing[loop] = loop.run_in_executor(None, _refresh_tables)
        future.add_done_callback(lambda _: self._refreshing.pop(loop, None))

    def _headers(self, scope, route: str, content: bytes) -> list[tuple[bytes, bytes]]:
        headers = [("Content-Type", "application/json"), ("Allow", ALLOW[route]),
                   ("Content-Length", str(len(content)))]
        if settings.SECURE_HSTS_SECONDS and _secure(scope):
            hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
            if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
                hsts += "; includeSubDomains"
            if settings.SECURE_HSTS_PRELOAD:
                hsts += "; preload"
            headers.append(("Strict-Transport-Security", hsts))
        if settings.SECURE_CONTENT_TYPE_NOSNIFF:
            headers.append(("X-Content-Type-Options", "nosniff"))
        if settings.SECURE_REFERRER_POLICY:
            policy = settings.SECURE_REFERRER_POLICY
            headers.append(("Referrer-Policy", policy if isinstance(policy, str) else ",".join(policy)))
        if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
            headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
        headers += [("Cache-Control", "no-store"), ("Permissions-Policy", PERMISSIONS_POLICY),
                    ("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY").upper())]
        return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]

    # ---- connections --------------------------------------------------------------------------

    async def _connections(self):
        loop = asyncio.get_running_loop()
        found = self._pools.get(loop)
        if found is None:
            from redis.asyncio import Redis

            # No check before lending a connection: one the server dropped fails its first statement, the
            # request is handed to Django (which checks its own), and the pool replaces the connection.
            pool = LoopPool(_connect, settings.OWNER_FAST_PATH_POOL)
            redis = Redis.from_url(settings.CACHES["default"]["LOCATION"], socket_connect_timeout=1, socket_timeout=1)
            found = self._pools[loop] = (pool, redis)
        return found

    async def close(self) -> None:
        """Close this event loop's pool and Redis client (tests; the server just exits)."""
        found = self._pools.pop(asyncio.get_running_loop(), None)
        if found is not None:
            await found[0].close()
            await found[1].aclose()

    # ---- the draft ----------------------------------------------------------------------------

    async def _draft(self, owner, body: bytes, scope):
        content_type = _header(scope, b"content-type").split(";")[0].strip().lower()
        if content_type != "application/json" or not _header(scope, b"content-length"):
            raise Handover  # DRF reads no body without a length (chunked): Django answers as it does
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise Handover
            values = parse_draft(data)
            case, parties = draft_rows(owner, values)
            sql = _draft_sql(len(parties))
            db = self.db
            args = [params.get("max_drafts_per_owner"), owner.pk, *fastsql.insert_values(case, connection=db)]
            for party in parties:
                args += fastsql.insert_values(party, skip=("case",), connection=db)
        except (ValueError, ValidationError):
            raise Handover from None  # Django gives the validation's answer
        except Exception as exc:
            log.warning("owner fast path: draft handed on after %s", type(exc).__name__, exc_info=True)
            raise Handover from None
        pool, _ = await self._connections()
        try:
            async with pool.connection() as conn:
                row = await (await _cursor(conn, sql).execute(sql, args)).fetchone()
        except Exception as exc:
            # The statement is one autocommit write: it either ran whole or not at all.
            log.warning("owner fast path: draft handed on after %s", type(exc).__name__)
            raise Handover from None
        if row is None:
            raise Handover  # the draft quota: Django answers it
        case.pk, case._state.adding = row[0], False
        for party, pk in zip(parties, row[1:], strict=True):
            party.pk, party.case_id, party._state.adding = pk, case.pk, False
        return 201, owner_case_data(owner_case_written(case, parties, media=[], events=[])), "draft"

    # ---- the submission -----------------------------------------------------------------------

    async def _submit(self, owner, case_id: int, scope):
        key = _header(scope, b"idempotency-key").strip()[:80]
        pool, redis = await self._connections()
        taken = await take_async(redis, "submit", owner.throttle_ident, self.cache)
        if taken is None:
            raise Handover
        try:
            async with pool.connection() as conn:
                return await self._submit_on(conn, owner, case_id, key)
        except Handover:
            await taken.give_back()
            raise
        except Exception as exc:
            log.warning("owner fast path: submission handed on after %s", type(exc).__name__, exc_info=True)
            await taken.give_back()
            raise Handover from None

    async def _submit_on(self, conn, owner, case_id: int, key: str):
        window = timedelta(days=params.get("fraud_window_days"))
        row = await (await _cursor(conn, _READ_SQL).execute(_READ_SQL, [window, case_id, owner.pk])).fetchone()
        if row is None:
            raise Handover
        case = fastsql.from_json(Case, row[0])
        if case.status != Status.DRAFT:
            raise Handover  # a retry, or a case submitted already: Django's idempotency rules answer
        parties = [fastsql.from_json(Party, p) for p in row[1] or []]
        media = [fastsql.from_json(Media, m) for m in row[2] or []]
        rows = [tuple(r) for r in row[3] or []]
        for party in parties:
            party.case = case
            if party.insurer_id:
                company = companies.cached(party.insurer_id)
                if company is None:
                    raise Handover
                party.insurer = company
        if missing_for_submit(case, media, parties):
            raise Handover
        located = jurisdictions.locate_gcj02(case.gcj_lng, case.gcj_lat)
        if located is None or not jurisdictions.known(located.unit_id):
            raise Handover
        unit = jurisdictions.unit_info(located.unit_id)
        read_at = case.updated_at
        event = mark_submitted(case, parties, key, located, unit)
        found = await _photo_rows(conn, case, media) if media else signals.PhotoRows()
        if signals.names_other_cases(case, parties, media, rows, found):
            raise Handover
        # No photo matches (just checked): the photo part of the warnings has nothing to compare again.
        warnings = submission_warnings(case, parties, media, rows, signals.PhotoRows())
        case.has_fraud_warning = bool(warnings)
        alerts = case_alert_rows(case, submitted_alerts(case, fraud_alert(case, warnings)), unit)
        fact = submitted_fact(case, parties, unit.adcode)
        db = self.db
        party_values = party_submit_values(case)
        args = [
            *fastsql.update_values(case, SUBMIT_FIELDS, connection=db), case.pk, owner.pk, Status.DRAFT, read_at,
            *fastsql.where_values(Party, party_values, connection=db),
            *fastsql.insert_values(event, connection=db),
            *(v for row in (*alerts, *warnings, fact) for v in fastsql.insert_values(row, connection=db)),
        ]
        sql = _write_sql(len(alerts), len(warnings), tuple(party_values))
        written = await (await _cursor(conn, sql).execute(sql, args)).fetchone()
        if written is None:
            raise Handover  # changed since the read, or submitted by another request: Django decides
        event.pk = written[0]
        for alert, pk in zip(alerts, written[1:], strict=True):
            alert.pk = pk
        self._broadcast(unit_groups(unit), [alert_message(alert, unit) for alert in alerts])
        return 201, owner_case_data(owner_case_written(case, parties, media, [event])), "submit"

    def _broadcast(self, groups: list[str], messages: list[dict]) -> None:
        task = asyncio.ensure_future(send_alerts(groups, messages))
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)
        task.add_done_callback(log_failure)


# ---- statements ---------------------------------------------------------------------------------

def _q(name: str) -> str:
    return connections["default"].ops.quote_name(name)


@lru_cache(maxsize=128)
def _draft_sql(parties: int) -> str:
    """The draft quota, the case and its parties in one statement: nothing is written when the owner
    has `max_drafts_per_owner` drafts already. Returns the case's id and the parties' ids."""
    case_columns = fastsql.insert_columns(Case)
    party_columns = [_q("case_id"), *fastsql.insert_columns(Party, skip=("case",))]
    row = ", ".join(["%s"] * len(case_columns))
    party_row = ", ".join(["%s"] * (len(party_columns) - 1))
    parts = [
        # The status is written out, so that even the generic plan counts on the partial index case_owner_drafts.
        f"quota AS (SELECT count(*) < %s AS ok FROM {_q(Case._meta.db_table)} WHERE {_q('owner_id')} = %s "
        f"AND {_q('status')} = '{Status.DRAFT}')",
        f"c AS (INSERT INTO {_q(Case._meta.db_table)} ({', '.join(case_columns)}) SELECT {row} FROM quota WHERE ok "
        f"RETURNING {_q('id')})",
    ]
    for index in range(parties):
        parts.append(f"p{index} AS (INSERT INTO {_q(Party._meta.db_table)} ({', '.join(party_columns)}) "
                     f"SELECT c.{_q('id')}, {party_row} FROM c RETURNING {_q('id')})")
    ids = "".join(f", (SELECT {_q('id')} FROM p{index})" for index in range(parties))
    return f"WITH {', '.join(parts)} SELECT c.{_q('id')}{ids} FROM c"


def _columns(model) -> str:
    return ", ".join(_q(f.column) for f in model._meta.concrete_fields)


# The case with its parties, its media and the fraud window's rows, in one statement. The window rows
# are those of `signals.window_rows()`: parties of other counting cases sharing a plate or a phone
# with this case, in the fraud window ending at the declared time (five minutes of clock skew).
_READ_SQL = f"""
SELECT row_to_json(c),
  (SELECT json_agg(row_to_json(p) ORDER BY p."index") FROM cases_party p WHERE p.case_id = c.id),
  (SELECT json_agg(row_to_json(m) ORDER BY m.created_at, m.id) FROM cases_media m WHERE m.case_id = c.id),
  (SELECT json_agg(json_build_array(o.case_id, o.plate_normalized, o.phone)) FROM cases_party o
    WHERE o.counts_for_fraud AND o.occurred_at > c.occurred_at - %s AND o.occurred_at <= c.occurred_at + interval '5 minutes'
      AND o.case_id <> c.id AND (o.plate_normalized = ANY(mine.plates) OR o.phone = ANY(mine.phones)))
FROM (SELECT {_columns(Case)} FROM cases_case WHERE id = %s AND owner_id = %s) c,
  LATERAL (SELECT coalesce(array_agg(DISTINCT plate_normalized) FILTER (WHERE plate_normalized <> ''), '{{}}') AS plates,
                  coalesce(array_agg(DISTINCT phone) FILTER (WHERE phone <> ''), '{{}}') AS phones
           FROM cases_party WHERE case_id = c.id) mine
"""


@lru_cache(maxsize=64)
def _write_sql(alerts: int, warnings: int, party_fields: tuple[str, ...]) -> str:
    """The submission's writes in one statement, all conditional on the case row still being the
    draft that was read (same owner, status and updated_at): the case, its parties, the timeline
    entry, the alerts, the fraud warnings and the statistics fact. Returns the entry's and the
    alerts' ids, or no row."""
    table = _q(Case._meta.db_table)
    parts = [
        f"u AS (UPDATE {table} SET {fastsql.update_assignments(Case, SUBMIT_FIELDS)} WHERE {_q('id')} = %s "
        f"AND {_q('owner_id')} = %s AND {_q('status')} = %s AND {_q('updated_at')} = %s RETURNING {_q('id')})",
        f"p AS (UPDATE {_q(Party._meta.db_table)} SET {fastsql.update_assignments(Party, party_fields)} "
        f"WHERE {_q('case_id')} IN (SELECT {_q('id')} FROM u))",
        _insert_from_u("e", CaseEvent),
        *(_insert_from_u(f"a{index}", _alert_model()) for index in range(alerts)),
        *(_insert_from_u(f"w{index}", FraudWarning) for index in range(warnings)),
        _insert_from_u("f", CaseFact, fastsql.upsert_clause(CaseFact, SUBMITTED_FACT_UPSERT)),
    ]
    ids = ", ".join(f"(SELECT {_q('id')} FROM {name})" for name in ["e", *(f"a{i}" for i in range(alerts))])
    return f"WITH {', '.join(parts)} SELECT {ids} FROM u"


def _alert_model():
    from apps.alerts.models import Alert

    return Alert


def _insert_from_u(name: str, model, tail: str = "") -> str:
    columns = fastsql.insert_columns(model)
    values = ", ".join(["%s"] * len(columns))
    return (f"{name} AS (INSERT INTO {_q(model._meta.db_table)} ({', '.join(columns)}) SELECT {values} FROM u "
            f"{tail} RETURNING {_q('id')})")


async def _photo_rows(conn, case: Case, media: list[Media]) -> signals.PhotoRows:
    """The photo checks' rows, from the querysets `signals.photo_queries()` gives, compiled by the ORM
    and run on this connection."""
    same, candidates = signals.photo_queries(case, media)
    found = signals.PhotoRows()
    if same is not None:
        found.same = [tuple(r) for r in await _fetch(conn, same)]
    for queryset in candidates:
        found.candidates.update(tuple(r) for r in await _fetch(conn, queryset))
    return found


async def _fetch(conn, queryset) -> list:
    sql, args = queryset.query.sql_with_params()
    return await (await conn.execute(sql, args)).fetchall()


# A cursor per connection and statement, kept while the connection lives. `conn.execute()` builds a
# cursor, and in it the statement's adaptation context, on every call; a cursor that runs the same
# statement text again keeps both, and with them the dumpers it looked up for the parameters' types.
# The statements here are a handful of fixed texts (the ORM-compiled photo queries are not kept).
_CURSORS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_CURSORS_PER_CONNECTION = 32


def _cursor(conn, sql: str):
    kept = _CURSORS.get(conn)
    if kept is None:
        kept = _CURSORS[conn] = {}
    cursor = kept.get(sql)
    if cursor is None:
        cursor = conn.cursor()
        if len(kept) < _CURSORS_PER_CONNECTION:
            kept[sql] = cursor
    return cursor


# ---- the pool's connections ------------------------------------------------------------------------

def _connection_kwargs() -> dict:
    """Django's own connection settings for the default database (its test database under tests)."""
    found = settings.DATABASES["default"]
    kwargs = {key: value for key, value in found.get("OPTIONS", {}).items()
              if key not in ("pool", "server_side_binding", "prepare_threshold", "cursor_factory", "context",
                             "isolation_level", "assume_role")}
    kwargs.update(dbname=connections["default"].settings_dict["NAME"], autocommit=True,
                  prepare_threshold=found.get("OPTIONS", {}).get("prepare_threshold", 5), cursor_factory=_cursor_class())
    for name, key in (("USER", "user"), ("PASSWORD", "password"), ("HOST", "host"), ("PORT", "port")):
        if found.get(name):
            kwargs[key] = str(found[name])
    return kwargs


def _cursor_class():
    """psycopg keeps the conversion of a statement's placeholders in a cache, except for statements with
    more than 50 parameters (ORM bulk inserts of varying length). The few statements here are fixed and
    have up to a hundred; converting one anew each time took a tenth of this module's CPU. The cursor
    here uses the cache for all of them; with a psycopg whose internals differ, the plain cursor."""
    from psycopg import AsyncCursor

    try:
        from psycopg._queries import PostgresQuery, _query2pg
    except ImportError:
        return AsyncCursor
    if not all(hasattr(PostgresQuery, name) for name in ("_ensure_bytes", "dump")):
        return AsyncCursor

    class CachedQuery(PostgresQuery):
        def convert(self, query, vars) -> None:
            if vars is None or not isinstance(query, str | bytes):
                return super().convert(query, vars)
            query = self._ensure_bytes(query)
            self.query, self._want_formats, self._order, self._parts = _query2pg(query, self._tx.encoding)
            self.dump(vars)

    class CachedCursor(AsyncCursor):
        _query_cls = CachedQuery

    return CachedCursor


async def _connect():
    from psycopg import AsyncConnection

    conn = await AsyncConnection.connect(**_connection_kwargs())
    try:
        await _configure(conn)
    except BaseException:
        await conn.close()
        raise
    return conn


async def _configure(conn) -> None:
    # Django keeps its sessions in UTC: the JSON of the read gives timestamps with a +00:00 offset.
    # The statements here are a handful, each prepared once per connection; their plans do not depend
    # on the values (one case, its parties, the window's index ranges), so PostgreSQL plans each once
    # instead of five times before it settles on the generic plan.
    await conn.execute("SET TIME ZONE 'UTC'")
    await conn.execute("SET plan_cache_mode = force_generic_plan")


# ---- the request -----------------------------------------------------------------------------------

async def _read(receive, limit: int) -> tuple[bytes, bool, bool]:
    """The body up to `limit` bytes: (body, more to come, client gone)."""
    parts, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", False, True
        chunk = message.get("body", b"")
        parts.append(chunk)
        size += len(chunk)
        more = message.get("more_body", False)
        if not more or size > limit:
            return b"".join(parts), more, False


class _Replay:
    """The `receive` of a request whose first part was read here: that part, then the rest."""

    def __init__(self, body: bytes, more: bool, receive) -> None:
        self.first = {"type": "http.request", "body": body, "more_body": more}
        self.receive = receive

    async def __call__(self):
        if self.first is not None:
            message, self.first = self.first, None
            return message
        return await self.receive()


def _header(scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return ""


def _secure(scope) -> bool:
    proxy = settings.SECURE_PROXY_SSL_HEADER
    if proxy:
        header, secure_value = proxy
        name = header.removeprefix("HTTP_").replace("_", "-").lower().encode("latin-1")
        value = _header(scope, name)
        if value:
            return value.split(",", 1)[0].strip() == secure_value
    return scope.get("scheme") == "https"


def _owner(scope):
    parts = _header(scope, b"authorization").split()
    if len(parts) != 2 or parts[0] != "Bearer" or not parts[1].startswith(PREFIX):
        return None
    return cached_owner(parts[1])
