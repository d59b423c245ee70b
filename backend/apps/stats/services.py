"""Keeping the anonymous statistics facts in step with the cases.

`record_fact(case)` is called by the case workflow (apps.cases.hooks) whenever a submitted case
changes; `refresh_facts()` rebuilds every fact from the cases and is safe to run at any time.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from apps.cases.models import Case, CaseEvent, Party, Status
from apps.common import fastsql

from .models import CaseFact

# Free-text insurers (not in the insurer list) are counted together under this code.
OTHER_INSURER = "other"
FACT_FIELDS = [
    "unit_id", "adcode", "submitted_at", "decided_at", "status", "decision_s", "inside_jurisdiction",
    "insurers", "fraud", "occurred_hour",
]


def _decision_seconds(submitted_at: datetime | None, decided_at: datetime | None) -> int | None:
    if submitted_at is None or decided_at is None:
        return None
    return max(0, int((decided_at - submitted_at).total_seconds()))


def _insurer_codes(parties: Iterable[Party]) -> list[str]:
    codes = set()
    for party in parties:
        if party.insurer_id:
            codes.add(party.insurer.code)
        elif party.insurer_name:
            codes.add(OTHER_INSURER)
    return sorted(codes)


def _status_before_expiry(case: Case, known: str | None) -> str:
    """`expired` only says the data is old; the figures keep the status the case had reached."""
    if case.status != Status.EXPIRED:
        return case.status
    if known:
        return known
    last = (
        CaseEvent.objects.filter(case_id=case.pk).exclude(status__in=[Status.EXPIRED, Status.DRAFT])
        .order_by("-at", "-id").values_list("status", flat=True).first()
    )
    return last or Status.SUBMITTED


def fact_values(case: Case, known_status: str | None = None, parties: list[Party] | None = None,
                adcode: str | None = None) -> dict:
    occurred = timezone.localtime(case.occurred_at) if case.occurred_at else None
    if adcode is None:
        adcode = case.unit.adcode if case.unit_id else ""
    return {
        "unit_id": case.unit_id,
        "adcode": adcode,
        "submitted_at": case.submitted_at,
        "decided_at": case.decided_at,
        "status": _status_before_expiry(case, known_status),
        "decision_s": _decision_seconds(case.submitted_at, case.decided_at),
        "inside_jurisdiction": case.inside_jurisdiction,
        "insurers": _insurer_codes(case.parties.all() if parties is None else parties),
        "fraud": bool(case.has_fraud_warning),
        "occurred_hour": occurred.hour if occurred else None,
    }


def record_fact(case: Case) -> CaseFact | None:
    """Create or update the fact of one case; drafts have none."""
    if case.status == Status.DRAFT or case.submitted_at is None:
        return None
    # Re-read: callers hold a case whose flags may have been changed by queryset updates.
    case = Case.objects.select_related("unit").defer("unit__jurisdiction").prefetch_related("parties__insurer").get(pk=case.pk)
    known = CaseFact.objects.filter(case_id=case.pk).values_list("status", flat=True).first()
    fact, _ = CaseFact.objects.update_or_create(case_id=case.pk, defaults=fact_values(case, known))
    return fact


def record_submitted_fact(case: Case, parties: list[Party], adcode: str) -> None:
    """The first fact of a case, written by its submission from what it holds in memory: one upsert.

    `parties` must have their insurers loaded.
    """
    fastsql.insert([submitted_fact(case, parties, adcode)], upsert=SUBMITTED_FACT_UPSERT)


# A fact left by an earlier submission attempt that was rolled back cannot exist; the upsert keeps
# even that case right.
SUBMITTED_FACT_UPSERT = (("case_id",), (*FACT_FIELDS, "updated_at"))


def submitted_fact(case: Case, parties: list[Party], adcode: str) -> CaseFact:
    """The unsaved first fact of a case being submitted (`parties` with their insurers loaded)."""
    return fastsql.new(CaseFact, case_id=case.pk, **fact_values(case, Status.SUBMITTED, parties=parties, adcode=adcode))


def refresh_facts(batch_size: int = 1000, since: datetime | None = None) -> dict:
    """(Re)build facts from the cases, in id order and batches; running it twice changes nothing."""
    cases = Case.objects.exclude(status=Status.DRAFT).exclude(submitted_at=None)
    if since is not None:
        cases = cases.filter(updated_at__gte=since)
    cases = cases.select_related("unit").prefetch_related(
        Prefetch("parties", queryset=Party.objects.select_related("insurer"))
    ).order_by("pk")
    created = updated = unchanged = 0
    last_id = 0
    while True:
        batch = list(cases.filter(pk__gt=last_id)[:batch_size])
        if not batch:
            break
        last_id = batch[-1].pk
        existing = {
            row[0]: dict(zip(FACT_FIELDS, row[1:], strict=True))
            for row in CaseFact.objects.filter(case_id__in=[c.pk for c in batch]).values_list("case_id", *FACT_FIELDS)
        }
        now = timezone.now()
        facts = []
        for case in batch:
            old = existing.get(case.pk)
            values = fact_values(case, old["status"] if old else None)
            if old == values:
                # Untouched rows keep their updated_at, so the archive has nothing to copy.
                unchanged += 1
                continue
            created, updated = (created + 1, updated) if old is None else (created, updated + 1)
            facts.append(CaseFact(case_id=case.pk, updated_at=now, **values))
        CaseFact.objects.bulk_create(
            facts, update_conflicts=True, unique_fields=["case_id"], update_fields=[*FACT_FIELDS, "updated_at"]
        )
    return {"created": created, "updated": updated, "unchanged": unchanged}
