"""Officer actions: the state machine of SPEC §3.

Each action locks the case row, checks the current status, writes the change and its timeline
entry and audit record in one transaction. Two officers acting at once: the second finds the
status already changed and gets a 409.
"""

from django.db import transaction
from django.utils import timezone

from apps.common.exceptions import ApiError, Conflict
from apps.common.scoping import restrict, unit_in_scope
from apps.system.audit import audit
from apps.system.parameters import params
from apps.units.models import Unit, UnitKind

from . import hooks
from .models import Case, CaseEvent, Liability, Status

OPEN = (Status.SUBMITTED, Status.REVIEWING)
DECIDED = (Status.ACCEPTED, Status.REJECTED)


def _lock(user, case_id: int) -> Case:
    case = restrict(Case.objects.select_for_update(), user).filter(pk=case_id).exclude(status=Status.DRAFT).first()
    if case is None:
        raise ApiError("not_found", "未找到该案件。", 404)
    return case


def _status_conflict(case: Case) -> Conflict:
    return Conflict(f"案件当前状态为“{case.get_status_display()}”，不能执行此操作，请刷新后查看。", code="status_conflict")


def _event(case: Case, user, action: str, note: str, **data) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, action=action, status=case.status, note=note, actor=user, unit_id=case.unit_id, data=data
    )


def claim(request, case_id: int) -> Case:
    user = request.user
    with transaction.atomic():
        case = _lock(user, case_id)
        if case.status == Status.REVIEWING and case.claimed_by_id == user.pk:
            return case
        if case.status == Status.REVIEWING:
            raise Conflict("该案件已由其他民警接单处理。", code="already_claimed")
        if case.status != Status.SUBMITTED:
            raise _status_conflict(case)
        case.status = Status.REVIEWING
        case.claimed_by = user
        case.claimed_at = timezone.now()
        case.save(update_fields=["status", "claimed_by", "claimed_at", "updated_at"])
        _event(case, user, "claim", "交警已开始审核您的报案。")
        audit(request, "case.claim", case)
        hooks.case_changed(case, "claim", f"{case.receipt_no} 已接单")
    return case


def decide(request, case_id: int, decision: str, feedback: str) -> Case:
    user = request.user
    feedback = (feedback or "").strip()
    if decision not in (Status.ACCEPTED, Status.REJECTED):
        raise ApiError("invalid", "审核结论只能是 accepted（适用）或 rejected（不适用）。", 400)
    if decision == Status.REJECTED and not feedback:
        raise ApiError("invalid", "不适用快处快赔时必须填写反馈意见。", 400, errors={"feedback": ["请填写反馈意见。"]})
    with transaction.atomic():
        case = _lock(user, case_id)
        if case.status not in OPEN:
            raise _status_conflict(case)
        if case.status == Status.REVIEWING and case.claimed_by_id not in (None, user.pk):
            raise Conflict("该案件已由其他民警接单处理。", code="already_claimed")
        case.status = decision
        case.feedback = feedback
        case.decided_at = timezone.now()
        if case.claimed_by_id is None:
            case.claimed_by, case.claimed_at = user, case.decided_at
        case.save(update_fields=["status", "feedback", "decided_at", "claimed_by", "claimed_at", "updated_at"])
        if decision == Status.ACCEPTED:
            note = params.get("notify_accepted_text")
        else:
            note = params.get("notify_rejected_text")
        if feedback:
            note = f"{note}\n处理意见：{feedback}"
        _event(case, user, "decide", note, decision=decision)
        audit(request, "case.decide", case, changes={"decision": decision, "feedback": feedback})
        hooks.case_changed(case, "decide", f"{case.receipt_no} {case.get_status_display()}")
    return case


def void(request, case_id: int, reason: str) -> Case:
    user = request.user
    reason = (reason or "").strip()
    if not reason:
        raise ApiError("invalid", "请填写作废原因。", 400, errors={"reason": ["请填写作废原因。"]})
    with transaction.atomic():
        case = _lock(user, case_id)
        if case.status not in OPEN + DECIDED:
            raise _status_conflict(case)
        previous = case.status
        case.status = Status.VOIDED
        case.feedback = reason
        case.save(update_fields=["status", "feedback", "updated_at"])
        case.parties.update(counts_for_fraud=False)
        _event(case, user, "void", f"{params.get('notify_voided_text')}\n原因：{reason}", previous=previous)
        audit(request, "case.void", case, changes={"reason": reason, "previous": previous})
        hooks.case_voided(case)
        hooks.case_changed(case, "void", f"{case.receipt_no} 已作废")
    return case


def transfer(request, case_id: int, unit_id: int, reason: str) -> Case:
    user = request.user
    reason = (reason or "").strip()
    if not reason:
        raise ApiError("invalid", "请填写转办原因。", 400, errors={"reason": ["请填写转办原因。"]})
    target = Unit.objects.filter(pk=unit_id, is_active=True).exclude(kind=UnitKind.STATION).first()
    if target is None:
        raise ApiError("invalid", "转办目标单位不存在。", 400, errors={"unit": ["单位不存在。"]})
    with transaction.atomic():
        case = _lock(user, case_id)
        if case.status not in OPEN:
            raise _status_conflict(case)
        if target.pk == case.unit_id:
            raise ApiError("invalid", "案件已在该单位，无需转办。", 400)
        source = case.unit
        case.unit = target
        case.status = Status.SUBMITTED
        case.claimed_by = None
        case.claimed_at = None
        case.save(update_fields=["unit", "status", "claimed_by", "claimed_at", "updated_at"])
        _event(case, user, "transfer", f"案件已转由{target.name}处理。", from_unit=source.pk if source else None,
               to_unit=target.pk, reason=reason)
        audit(request, "case.transfer", case, changes={"from": source.name if source else "", "to": target.name, "reason": reason})
        hooks.case_changed(case, "transfer", f"{case.receipt_no} 转办至{target.name}")
    return case


def close(request, case_id: int, liabilities: list[dict], notes: str) -> Case:
    user = request.user
    valid = set(Liability.values)
    with transaction.atomic():
        case = _lock(user, case_id)
        if case.status != Status.ACCEPTED:
            raise _status_conflict(case)
        parties = {p.index: p for p in case.parties.all()}
        given = {}
        for item in liabilities or []:
            if not isinstance(item, dict) or item.get("party") not in parties or item.get("liability") not in valid:
                raise ApiError("invalid", "责任认定格式不正确：每一方需给出全部/主要/同等/次要/无责任之一。", 400)
            given[item["party"]] = item["liability"]
        if set(given) != set(parties):
            raise ApiError("invalid", "请为每一方当事人认定责任。", 400, errors={"liabilities": ["每一方都需认定责任。"]})
        for index, party in parties.items():
            party.liability = given[index]
            party.save(update_fields=["liability"])
        case.status = Status.CLOSED
        case.closed_at = timezone.now()
        case.closing_notes = (notes or "").strip()[:2000]
        case.save(update_fields=["status", "closed_at", "closing_notes", "updated_at"])
        summary = "；".join(f"第{i + 1}方{Liability(given[i]).label}" for i in sorted(given))
        _event(case, user, "close", f"事故已办结。责任认定：{summary}。", liabilities=given)
        audit(request, "case.close", case, changes={"liabilities": given})
        hooks.case_changed(case, "close", f"{case.receipt_no} 已办结")
    return case


def ensure_unit_writable(user, unit: Unit) -> None:
    if not unit_in_scope(user, unit):
        raise ApiError("not_found", "未找到该单位。", 404)
