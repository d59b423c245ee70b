"""Repeat-accident warnings (seed §3.3.4): a plate with `fraud_threshold` or more non-voided cases
in the trailing `fraud_window_days`, the new case included. The other signals (photos, EXIF,
phones, plate pairs) live in `signals.py` and are raised by the same `check_submission()`."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.alerts.services import publish_case_alert
from apps.cases.models import Party
from apps.common import fastsql
from apps.common.exceptions import ApiError
from apps.common.scoping import unit_in_scope
from apps.stats.services import record_fact
from apps.system.audit import audit
from apps.units.geo import distance_m
from apps.units.models import Unit, UnitKind

from . import signals
from .models import FraudWarning, Kind


def plate_count(plate: str, at, window_days: int) -> int:
    """Cases of this plate in the window ending at `at` (one index range scan on party_plate_fraud)."""
    return (
        Party.objects.filter(
            plate_normalized=plate,
            counts_for_fraud=True,
            occurred_at__gt=at - timedelta(days=window_days),
            occurred_at__lte=at + timedelta(minutes=5),
        )
        .values("case_id")
        .distinct()
        .count()
    )


@dataclass
class FraudCheck:
    """The outcome of the fraud check of one submission: stored warnings and the officers' alert."""

    warnings: list[FraudWarning]
    alert: tuple[str, str, dict] | None  # (type, title, data) for publish_case_alerts


def check_submission(case, parties: list[Party], media: list) -> FraudCheck:
    """The fraud check inside a submission, given the parties and media the submission has loaded.

    Runs before the case row is written: it sets `case.has_fraud_warning` for that one UPDATE and
    inserts every warning at once. One query finds the plate counts, the shared phones and the
    repeat pairs (`signals.window_rows`); the photo checks query only when the case has photos. A
    case being submitted has no warnings yet, so nothing is read back.
    """
    warnings = submission_warnings(case, parties, media, signals.window_rows(case, parties))
    if warnings:
        fastsql.insert(warnings)
    case.has_fraud_warning = bool(warnings)
    return FraudCheck(warnings, fraud_alert(case, warnings))


def submission_warnings(case, parties: list[Party], media: list, rows: list[signals.PartyRow],
                        found: signals.PhotoRows | None = None) -> list[FraudWarning]:
    """The unsaved warnings of a case being submitted: repeat plates, then the other signals.

    `rows` as `signals.window_rows()` gives them; `found`, the photo checks' rows, is read here when
    not given. Statements beyond those: the other cases named by photo and plate-pair matches, which
    the owner fast path leaves to the Django path (`signals.names_other_cases()`)."""
    from apps.system.parameters import params

    threshold = params.get("fraud_threshold")
    window = params.get("fraud_window_days")
    warnings = [
        FraudWarning(
            case=case, kind=Kind.REPEAT_PLATE, plate=plate, unit_id=case.unit_id, count=count, window_days=window,
            active=True, reason=f"车辆 {plate} 在 {window} 天内发生 {count} 起事故（含本次），达到预警阈值 {threshold} 次。",
        )
        for plate, count in repeat_counts(parties, rows).items() if count >= threshold
    ]
    return warnings + [
        FraudWarning(case=case, kind=signal.kind, plate=signal.key[:16], **signals.warning_values(case, signal))
        for signal in signals.compute(case, parties, media, rows, found)
    ]


def repeat_counts(parties: list[Party], rows: list[signals.PartyRow]) -> dict[str, int]:
    """{plate: cases of the plate in the window}, for each plate of the case being submitted. The case
    counts too: its parties are marked as counting in the same write."""
    return {plate: len({case_id for case_id, other, _ in rows if other == plate}) + 1
            for plate in sorted({p.plate_normalized for p in parties if p.plate_normalized})}


def fraud_alert(case, warnings: list[FraudWarning]) -> tuple[str, str, dict] | None:
    """The officers' alert of a submission's warnings (see `_alert`)."""
    repeat = [w for w in warnings if w.kind == Kind.REPEAT_PLATE]
    return _alert(case, repeat, [w for w in warnings if w.kind != Kind.REPEAT_PLATE])


def _alert(case, repeat: list[FraudWarning], raised: list[FraudWarning]) -> tuple[str, str, dict] | None:
    """One live alert per case, naming every reason at once."""
    if not (repeat or raised):
        return None
    parts = [f"{'、'.join(w.plate for w in repeat)} 一年内多次事故"] if repeat else []
    parts += list(dict.fromkeys(Kind(w.kind).label for w in raised))
    return ("fraud.warning", f"骗保预警：{'；'.join(parts)}（{case.receipt_no}）",
            {"plates": [w.plate for w in repeat], "kinds": sorted({w.kind for w in repeat + raised})})


def case_voided(case) -> None:
    """A voided case no longer counts: recount the warnings that included it."""
    from apps.system.parameters import params

    threshold = params.get("fraud_threshold")
    FraudWarning.objects.filter(case=case).update(active=False)
    type(case).objects.filter(pk=case.pk).update(has_fraud_warning=False)
    for party in case.parties.all():
        if not party.plate_normalized or party.occurred_at is None:
            continue
        for warning in FraudWarning.objects.filter(
            plate=party.plate_normalized, kind=Kind.REPEAT_PLATE, active=True
        ).select_related("case"):
            count = plate_count(warning.plate, warning.case.occurred_at, warning.window_days)
            warning.count = count
            warning.active = count >= threshold
            warning.save(update_fields=["count", "active"])
            if not warning.active:
                _refresh_flag(warning.case)
    for case_id in signals.case_voided(case):
        _refresh_flag(type(case).objects.get(pk=case_id))


def _refresh_flag(case) -> None:
    """Clear the case's warning flag once none of its warnings is active."""
    if not FraudWarning.objects.filter(case_id=case.pk, active=True).exists():
        type(case).objects.filter(pk=case.pk).update(has_fraud_warning=False, updated_at=timezone.now())
        case.has_fraud_warning = False
        record_fact(case)


def vehicle_history(plate: str, exclude_case_id: int | None = None, window_days: int | None = None) -> list[dict]:
    """Other cases of a plate, across all units, without any personal data."""
    from apps.cases.models import Case, Status

    qs = (
        Case.objects.filter(parties__plate_normalized=plate)
        .exclude(status__in=[Status.DRAFT])
        .select_related("unit")
        .order_by("-occurred_at")
        .distinct()
    )
    if window_days:
        qs = qs.filter(occurred_at__gte=timezone.now() - timedelta(days=window_days))
    if exclude_case_id:
        qs = qs.exclude(pk=exclude_case_id)
    return [
        {"occurred_at": c.occurred_at, "county": c.unit.name if c.unit else "", "status": c.status,
         "status_label": c.get_status_display(), "counts": c.status != Status.VOIDED}
        for c in qs[:50]
    ]


def nearest_station(lng: float | None, lat: float | None, within_unit: Unit | None = None) -> dict | None:
    if lng is None or lat is None:
        return None
    stations = Unit.objects.filter(kind=UnitKind.STATION, is_active=True, lng__isnull=False, lat__isnull=False)
    if within_unit is not None:
        # Only the case's own unit and the units below it: a warning is handled where the case is.
        stations = stations.filter(tree_id=within_unit.tree_id, lft__gte=within_unit.lft, rght__lte=within_unit.rght)
    best = None
    for station in stations:
        d = distance_m(lng, lat, station.lng, station.lat)
        if best is None or d < best[0]:
            best = (d, station)
    if best is None:
        return None
    return {"id": best[1].pk, "name": best[1].name, "phone": best[1].phone, "distance_m": round(best[0])}


def dispatch(request, warning: FraudWarning, station_id: int) -> FraudWarning:
    station = Unit.objects.filter(pk=station_id, kind=UnitKind.STATION, is_active=True).first()
    if station is None:
        raise ApiError("invalid", "请选择一个派出所。", 400, errors={"station": ["派出所不存在。"]})
    if not unit_in_scope(request.user, station):
        # The alert would reach the station and every unit above it: another county's officers.
        raise ApiError("invalid", "只能安排本单位辖区内的派出所出警。", 400, errors={"station": ["不在本单位辖区内。"]})
    with transaction.atomic():
        warning = FraudWarning.objects.select_for_update().get(pk=warning.pk)
        warning.dispatched_station = station
        warning.dispatched_by = request.user
        warning.dispatched_at = timezone.now()
        warning.save(update_fields=["dispatched_station", "dispatched_by", "dispatched_at"])
        audit(request, "fraud.dispatch", warning, changes={"station": station.name, "case": warning.case.receipt_no})
        publish_case_alert(warning.case, "fraud.dispatch", f"请出警核查：{warning.case.receipt_no}（{warning.plate}）", unit=station)
    return warning
