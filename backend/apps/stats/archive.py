"""The nightly copy to the city's own database server (SPEC §3 Archive), and the restore from it.

The archive is a second database (`ARCHIVE_DATABASE_URL`, alias `archive`) migrated with the same
schema (`manage.py migrate --database archive`), and rows keep their primary keys, so a copy is an
upsert by id. Each run:

- picks candidate rows: whole tables for the small reference tables (units, users, roles,
  insurers, parameters, fraud warnings); for the big ones, rows changed since the previous run's
  watermark (`updated_at`, `last_seen_at`, or the id for append-only tables) minus a safety
  overlap, and all child rows (parties, media, events, insurer claims) of the cases that changed;
- compares every candidate with its archived copy and writes only the rows that differ, so a
  rerun writes nothing and reports zeros, and the overlap costs reads, not writes;
- propagates purges: an expired case overwrites its archived copy, its deleted media, fraud
  warnings and cleared party fields follow; drafts deleted in the primary are deleted there too.

Users are copied with their password hashes: the archive is the city's own server and a restore
must give every officer their login back. Media files themselves are not copied, only their
metadata: the object storage has its own replication and backup.

Rows are written with `raw=True` inserts (what `loaddata` uses) so `auto_now` fields keep the
primary's values instead of the time of the copy.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.db.models.constants import OnConflict
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.accounts.models import User
from apps.cases.models import Case, CaseEvent, InsurerClaim, Media, Party, Status
from apps.fraud.models import FraudWarning
from apps.insurers.models import InsuranceCompany
from apps.system.models import AuditEntry, Parameter
from apps.units.models import Unit
from apps.wechat.models import Owner

from .models import ArchiveRun, CaseFact

ARCHIVE = "archive"
PRIMARY = "default"
CHUNK = 2000
# Rows committed a little after the previous run started may carry an older timestamp or id.
TIME_OVERLAP = timedelta(minutes=15)
ID_OVERLAP = 1000
STALE_RUN = timedelta(hours=6)

FULL, SINCE, CHILD = "full", "since", "child"


class ArchiveError(Exception):
    """A refusal with a Chinese message for the operator."""


@dataclass(frozen=True)
class Table:
    label: str
    model: type[models.Model]
    mode: str
    field: str = ""  # SINCE: the timestamp or id that grows when a row changes
    delete_missing: bool = False  # FULL: rows gone from the source are removed from the copy


# In dependency order (the restore writes them in this order too).
TABLES = [
    Table("auth.group", Group, FULL),
    Table("units.unit", Unit, FULL),
    Table("insurers.insurancecompany", InsuranceCompany, FULL),
    Table("accounts.user", User, FULL),
    Table("accounts.user_groups", User.groups.through, FULL, delete_missing=True),
    Table("system.parameter", Parameter, FULL, delete_missing=True),
    Table("wechat.owner", Owner, SINCE, "last_seen_at"),
    Table("cases.case", Case, SINCE, "updated_at"),
    Table("cases.party", Party, CHILD),
    Table("cases.media", Media, CHILD),
    Table("cases.caseevent", CaseEvent, CHILD),
    Table("cases.insurerclaim", InsurerClaim, CHILD),
    Table("fraud.fraudwarning", FraudWarning, FULL, delete_missing=True),
    Table("system.auditentry", AuditEntry, SINCE, "id"),
    Table("stats.casefact", CaseFact, SINCE, "updated_at"),
]


def archive_configured() -> bool:
    return ARCHIVE in settings.DATABASES


def _require_archive() -> None:
    if not archive_configured():
        raise ArchiveError("未配置归档数据库：请设置环境变量 ARCHIVE_DATABASE_URL（如 postgres://user@host:5432/kckp_archive），"
                           "并先执行 python manage.py migrate --database archive。")


def _qs(model: type[models.Model], alias: str) -> models.QuerySet:
    # A plain queryset: custom managers (the unit tree's) must not add their own behaviour here.
    return models.QuerySet(model=model, using=alias)


def _columns(model: type[models.Model]) -> list[str]:
    columns = [f.attname for f in model._meta.concrete_fields]
    # Rows are matched by their first value; every archived table has its id first.
    assert columns[0] == model._meta.pk.attname, model
    return columns


def _upsert(model: type[models.Model], rows: list[tuple], alias: str) -> None:
    if not rows:
        return
    opts = model._meta
    fields = list(opts.concrete_fields)
    objs = [model.from_db(alias, _columns(model), row) for row in rows]
    update = [f for f in fields if not f.primary_key]
    batch = connections[alias].ops.bulk_batch_size(fields, objs) or len(objs)
    for start in range(0, len(objs), batch):
        _qs(model, alias)._insert(
            objs[start:start + batch], fields=fields, raw=True, using=alias, on_conflict=OnConflict.UPDATE,
            update_fields=update, unique_fields=[opts.pk],
        )


def _copy(table: Table, source: models.QuerySet, target: str) -> int:
    """Write the source rows that differ from the target's; returns how many were written."""
    columns = _columns(table.model)
    written = 0
    last = None
    while True:
        page = source.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        rows = list(page.values_list(*columns)[:CHUNK])
        if not rows:
            return written
        last = rows[-1][0]
        existing = {row[0]: row for row in _qs(table.model, target).filter(pk__in=[r[0] for r in rows]).values_list(*columns)}
        changed = [row for row in rows if existing.get(row[0]) != row]
        _upsert(table.model, changed, target)
        written += len(changed)


def _delete_missing(model: type[models.Model], source: models.QuerySet, target: models.QuerySet) -> int:
    """Delete target rows (of `target`) whose id no longer exists in `source`."""
    present = set(source.values_list("pk", flat=True))
    gone = [pk for pk in target.values_list("pk", flat=True) if pk not in present]
    deleted = 0
    for start in range(0, len(gone), CHUNK):
        deleted += _qs(model, target.db).filter(pk__in=gone[start:start + CHUNK]).delete()[1].get(model._meta.label, 0)
    return deleted


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _previous_watermarks() -> dict | None:
    run = ArchiveRun.objects.filter(status=ArchiveRun.OK).order_by("-started_at", "-id").first()
    return run.watermarks if run else None


def _since(table: Table, marks: dict) -> models.QuerySet:
    source = _qs(table.model, PRIMARY)
    if table.field == "id":
        return source.filter(pk__gt=max(0, int(marks.get(table.label, 0)) - ID_OVERLAP))
    return source.filter(**{f"{table.field}__gte": parse_datetime(marks["time"]) - TIME_OVERLAP})


def _changed_case_ids(marks: dict) -> list[int]:
    """Cases whose rows or children may have changed: touched cases plus cases with new timeline events
    (an insurer's claim, for one, adds an event without touching the case)."""
    ids = set(_since(Table("cases.case", Case, SINCE, "updated_at"), marks).values_list("pk", flat=True))
    ids |= set(_since(Table("cases.caseevent", CaseEvent, SINCE, "id"), marks).values_list("case_id", flat=True))
    return sorted(ids)


def _deleted_drafts() -> int:
    """Drafts deleted in the primary (by their owner or by retention) disappear from the archive."""
    archived = list(_qs(Case, ARCHIVE).filter(status=Status.DRAFT).values_list("pk", flat=True))
    deleted = 0
    for chunk in _chunks(archived):
        alive = set(_qs(Case, PRIMARY).filter(pk__in=chunk).values_list("pk", flat=True))
        gone = [pk for pk in chunk if pk not in alive]
        if gone:
            deleted += _qs(Case, ARCHIVE).filter(pk__in=gone).delete()[1].get(Case._meta.label, 0)
    return deleted


def _start_run(now: datetime) -> ArchiveRun:
    with transaction.atomic():
        running = ArchiveRun.objects.select_for_update().filter(status=ArchiveRun.RUNNING, started_at__gt=now - STALE_RUN)
        if running.exists():
            raise ArchiveError("已有归档任务正在运行，请稍后再试。")
        return ArchiveRun.objects.create(started_at=now)


def run_archive(now: datetime | None = None) -> dict:
    """Copy what changed since the last successful run; returns {table: {"written", "deleted"}, "total": ...}."""
    _require_archive()
    now = now or timezone.now()
    marks = _previous_watermarks()
    run = _start_run(now)
    new_marks = {
        "time": now.isoformat(),
        "cases.caseevent": CaseEvent.objects.aggregate(m=models.Max("pk"))["m"] or 0,
        "system.auditentry": AuditEntry.objects.aggregate(m=models.Max("pk"))["m"] or 0,
    }
    counts: dict[str, dict[str, int]] = {}
    try:
        with transaction.atomic(using=ARCHIVE):
            changed_cases = None if marks is None else _changed_case_ids(marks)
            for table in TABLES:
                written = deleted = 0
                if table.mode == FULL or marks is None:
                    source = _qs(table.model, PRIMARY).all()
                    written = _copy(table, source, ARCHIVE)
                    if table.delete_missing:
                        deleted = _delete_missing(table.model, source, _qs(table.model, ARCHIVE).all())
                elif table.mode == SINCE:
                    written = _copy(table, _since(table, marks), ARCHIVE)
                else:
                    for chunk in _chunks(changed_cases):
                        source = _qs(table.model, PRIMARY).filter(case_id__in=chunk)
                        written += _copy(table, source, ARCHIVE)
                        deleted += _delete_missing(table.model, source, _qs(table.model, ARCHIVE).filter(case_id__in=chunk))
                if table.label == "cases.case":
                    deleted = _deleted_drafts()
                counts[table.label] = {"written": written, "deleted": deleted}
    except Exception as exc:
        ArchiveRun.objects.filter(pk=run.pk).update(status=ArchiveRun.FAILED, finished_at=timezone.now(),
                                                    counts=counts, error=str(exc)[:2000])
        raise
    counts["total"] = {
        "written": sum(c["written"] for c in counts.values()),
        "deleted": sum(c["deleted"] for c in counts.values()),
    }
    ArchiveRun.objects.filter(pk=run.pk).update(status=ArchiveRun.OK, finished_at=timezone.now(), counts=counts,
                                                watermarks=new_marks)
    return counts


def reset_sequences(alias: str = PRIMARY) -> None:
    """After rows were inserted with explicit ids, PostgreSQL's sequences must move past them."""
    connection = connections[alias]
    statements = connection.ops.sequence_reset_sql(no_style(), [t.model for t in TABLES] + [ArchiveRun])
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def restore_from_archive(force: bool = False) -> dict:
    """Rebuild the primary from the archive. Refuses when the primary already has cases, unless forced
    (then archived rows overwrite primary rows with the same id; nothing else is removed)."""
    _require_archive()
    if Case.objects.exists() and not force:
        raise ArchiveError("主数据库中已有案件数据，拒绝恢复。确认要用归档数据覆盖时请加 --force。")
    if not _qs(Unit, ARCHIVE).exists():
        raise ArchiveError("归档数据库中没有数据，无法恢复。")
    counts = {}
    with transaction.atomic(using=PRIMARY):
        for table in TABLES:
            counts[table.label] = _copy(table, _qs(table.model, ARCHIVE).all(), PRIMARY)
        reset_sequences(PRIMARY)

        from apps.accounts.roles import ensure_roles

        # Role permissions are not archived (permission ids differ between databases): re-apply the table.
        ensure_roles()
    from apps.system.parameters import params
    from apps.units.geo import jurisdictions

    params.invalidate()
    jurisdictions.invalidate()
    # The daily roll-up is derived data and not archived: rebuilt from the restored facts.
    from .rollup import rebuild_rollup

    rebuild_rollup()
    counts["total"] = sum(counts.values())
    return counts
