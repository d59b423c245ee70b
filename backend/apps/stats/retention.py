"""The daily retention job (SPEC §3 Retention).

Owner data is kept `retention_days` after submission. Then, by `retention_action`:
- `delete`: personal data goes — parties' phone, driver name and plate, the link to the owner,
  every photo and video (rows, stored files and thumbnails), the address text; the coordinates
  are rounded to about a kilometre so the case still counts for its county. Status `expired`.
- `invalidate`: status `expired` and `purged_at`, data kept (marked invalid, no longer served).
Drafts nobody touched for `DRAFT_DAYS` are deleted with their files. The anonymous facts stay, so
statistics do not change. Safe to rerun: a case already handled is not touched again.
"""

from datetime import datetime, timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from apps.alerts.models import Alert
from apps.cases.models import Case, CaseEvent, Media, Party, Status
from apps.fraud.models import FraudWarning
from apps.system.audit import audit
from apps.system.parameters import params

from .rollup import LOCAL_TZ, recompute_days
from .services import record_fact

DRAFT_DAYS = 7
# Two decimals of a degree: about 1.1 km north-south and 1 km east-west at Baise's latitude.
COORD_DECIMALS = 2
BATCH = 200
EXPIRE_NOTE = "数据已超过保存期限，车主个人信息及照片视频已按规定清除。"
INVALIDATE_NOTE = "数据已超过保存期限，已标记为无效。"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, COORD_DECIMALS)


def _still_personal() -> Q:
    """Expired cases that still hold personal data (e.g. invalidated before the action became delete)."""
    media = Media.objects.filter(case=OuterRef("pk"))
    parties = Party.objects.filter(case=OuterRef("pk")).exclude(phone="", driver_name="", plate="")
    return Q(owner__isnull=False) | ~Q(address="") | ~Q(address_detail="") | Q(Exists(media)) | Q(Exists(parties))


def due_cases(action: str, cutoff: datetime) -> QuerySet[Case]:
    old = Case.objects.exclude(status=Status.DRAFT).filter(submitted_at__lt=cutoff)
    if action == "delete":
        return old.filter(Q(purged_at__isnull=True) | (Q(status=Status.EXPIRED) & _still_personal()))
    return old.filter(purged_at__isnull=True)


def delete_files(names: list[str]) -> int:
    """Remove stored files no media row refers to any more (identical uploads share a name)."""
    removed = 0
    for name in names:
        if not name or Media.objects.filter(Q(file=name) | Q(thumbnail=name)).exists():
            continue
        try:
            if default_storage.exists(name):
                default_storage.delete(name)
                removed += 1
        except Exception:
            pass  # storage trouble must not stop the purge; the next run finds nothing left to do
    return removed


def _purge(case: Case, now: datetime) -> tuple[list[str], int]:
    media = list(case.media.all())
    names = [n for m in media for n in (m.file.name, m.thumbnail.name) if n]
    Media.objects.filter(pk__in=[m.pk for m in media]).delete()
    case.parties.update(phone="", driver_name="", plate="", plate_normalized="")
    # Warnings and alerts repeat the plate in their text; the fact keeps the fraud flag.
    FraudWarning.objects.filter(case=case).delete()
    Alert.objects.filter(case=case).delete()
    case.owner = None
    case.address = case.address_detail = ""
    case.lng, case.lat = _round(case.lng), _round(case.lat)
    case.gcj_lng, case.gcj_lat = _round(case.gcj_lng), _round(case.gcj_lat)
    case.wgs_lng, case.wgs_lat = _round(case.wgs_lng), _round(case.wgs_lat)
    case.idempotency_key = ""
    # Confirmations carry the parties' addresses (IP) and the answers describe the accident.
    case.agreement_confirmations = {}
    case.liability_suggestion = None
    return names, len(media)


def _expire(case: Case, action: str, now: datetime) -> tuple[list[str], int]:
    record_fact(case)  # the figures must exist before anything is removed
    names: list[str] = []
    media = 0
    if action == "delete":
        names, media = _purge(case, now)
    newly = case.status != Status.EXPIRED
    case.status = Status.EXPIRED
    case.purged_at = case.purged_at or now
    case.save()
    if newly or action == "delete":
        CaseEvent.objects.create(case=case, action="expire", status=Status.EXPIRED,
                                 note=EXPIRE_NOTE if action == "delete" else INVALIDATE_NOTE)
    return names, media


def _delete_drafts(cutoff: datetime) -> tuple[int, int]:
    drafts = 0
    files = 0
    while True:
        batch = list(Case.objects.filter(status=Status.DRAFT, updated_at__lt=cutoff).order_by("pk")[:BATCH])
        if not batch:
            break
        names = list(Media.objects.filter(case__in=batch).values_list("file", "thumbnail"))
        with transaction.atomic():
            Case.objects.filter(pk__in=[c.pk for c in batch], status=Status.DRAFT).delete()
        files += delete_files([n for pair in names for n in pair])
        drafts += len(batch)
    return drafts, files


def run_retention(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    action = params.get("retention_action")
    days = params.get("retention_days")
    cutoff = now - timedelta(days=days)
    counts = {"action": action, "retention_days": days, "cases": 0, "media": 0, "files": 0, "drafts": 0}
    last_id = 0
    touched = set()  # local days of the expired cases: their roll-up rows are recomputed at the end
    while True:
        ids = list(due_cases(action, cutoff).filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        last_id = ids[-1]
        for case_id in ids:
            with transaction.atomic():
                case = Case.objects.select_for_update().get(pk=case_id)
                names, media = _expire(case, action, now)
            touched.add(case.submitted_at.astimezone(LOCAL_TZ).date())
            counts["cases"] += 1
            counts["media"] += media
            # Files go only after the rows are gone for good: a rollback must not lose evidence.
            counts["files"] += delete_files(names)
    recompute_days(touched)
    counts["drafts"], draft_files = _delete_drafts(now - timedelta(days=DRAFT_DAYS))
    counts["files"] += draft_files
    audit(None, "retention.run", username="system", changes=counts)
    return counts
