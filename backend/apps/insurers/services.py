from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.cases.models import Case, CaseEvent, InsurerClaim, Status
from apps.cases.receipts import normalize_receipt_no
from apps.cases.selectors import cases_for_insurer
from apps.common.exceptions import ApiError
from apps.system.audit import audit


def company_of(user):
    if user.insurer_id is None or not user.has_role("insurer"):
        raise ApiError("not_found", "未找到该受理号对应的本公司承保案件。", 404)
    return user.insurer


def lookup(request, receipt_no: str) -> Case:
    """Only when a party is insured by the user's company; otherwise exactly like an unknown receipt."""
    company = company_of(request.user)
    receipt = normalize_receipt_no(receipt_no)
    case = (
        cases_for_insurer(company.pk).filter(receipt_no=receipt).select_related("unit")
        .prefetch_related("parties__insurer", "media", "events", "insurer_claims__company").first()
    )
    audit(request, "insurer.lookup", case, success=case is not None, changes={"receipt_no": receipt[:16]})
    if case is None:
        raise ApiError("not_found", "未找到该受理号对应的本公司承保案件。", 404)
    return case


def record_claim(request, receipt_no: str, claim_no: str, accepted_at) -> InsurerClaim:
    company = company_of(request.user)
    claim_no = (claim_no or "").strip()
    if not claim_no or len(claim_no) > 40:
        raise ApiError("invalid", "请填写理赔受理号（不超过 40 个字符）。", 400, errors={"claim_no": ["请填写理赔受理号。"]})
    when = parse_datetime(accepted_at) if isinstance(accepted_at, str) and accepted_at else timezone.now()
    if when is None:
        raise ApiError("invalid", "受理时间格式不正确。", 400, errors={"accepted_at": ["时间格式不正确。"]})
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > timezone.now() + timezone.timedelta(minutes=5):
        raise ApiError("invalid", "受理时间不能晚于当前时间。", 400)
    with transaction.atomic():
        case = cases_for_insurer(company.pk).filter(receipt_no=normalize_receipt_no(receipt_no)).first()
        if case is None:
            raise ApiError("not_found", "未找到该受理号对应的本公司承保案件。", 404)
        if case.status == Status.VOIDED:
            # The owner reports again and gets a new receipt number; the claim belongs to that case.
            raise ApiError("case_voided", "该报案已作废，车主重新报案后请用新的受理号登记理赔。", 409)
        claim, _ = InsurerClaim.objects.update_or_create(
            case=case, company=company, defaults={"claim_no": claim_no, "accepted_at": when, "recorded_by": request.user}
        )
        CaseEvent.objects.create(case=case, action="insurer_claim", status=case.status, actor=request.user,
                                 note=f"{company.name}已受理理赔。", data={"company": company.code})
        audit(request, "insurer.record_claim", case, changes={"company": company.code, "claim_no": claim_no})
    return claim
