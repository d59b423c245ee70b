"""The accident agreement (道路交通事故自行协商协议书).

Once a case is accepted for quick handling, every party confirms it from their own phone: the
receipt number plus the full phone number of that party, exactly like tracking but with the whole
number. A wrong phone answers 404 like an unknown receipt. When every party has confirmed, each of
them may download the PDF; scoped officers and the insurers of a party may download it at any time
after acceptance (it says which confirmations are missing).

The liability printed is the officer's when the case is closed, otherwise the owner's
questionnaire suggestion (apps/cases/liability.py), marked as confirmed by the parties only.
"""

import io
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from apps.common.exceptions import ApiError, Conflict
from apps.system.audit import audit, client_ip

from .models import Case, CaseEvent, Liability, Party, Status
from .plates import mask_name, mask_phone, normalize_phone
from .receipts import normalize_receipt_no
from .selectors import related_rows

OPEN = (Status.ACCEPTED, Status.CLOSED)
TITLE = "道路交通事故自行协商协议书"
USE_NOTE = ("本协议书由各方当事人通过“百色交警”快处快赔在线确认，快处快赔服务中心和保险公司凭此协议书及受理号"
            "办理事故处理和定损理赔。")
LEGAL_NOTE = ("依据《中华人民共和国道路交通安全法》第七十条第三款和《中华人民共和国道路交通安全法实施条例》第八十六条，"
              "仅造成轻微财产损失、当事人对事实及成因无争议的交通事故，当事人可以撤离现场，自行协商损害赔偿事宜。")

SOURCE_OFFICER, SOURCE_SUGGESTION, SOURCE_PENDING = "officer", "suggestion", "pending"
SOURCE_LABELS = {
    SOURCE_OFFICER: "交警认定（案件已办结）",
    SOURCE_SUGGESTION: "当事人依据责任自助判断确认，最终以交警认定为准",
    SOURCE_PENDING: "待交警认定",
}


def _not_found() -> ApiError:
    return ApiError("not_found", "未找到该受理号，或手机号与当事人不符。", 404)


def _party_index(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _find(receipt_no: str, phone: str, party_index=None, lock: bool = False) -> tuple[Case, Party]:
    """The case and the party whose phone this is; anything that does not match is the same 404."""
    receipt = normalize_receipt_no(receipt_no)
    number = normalize_phone(phone if isinstance(phone, str) else "")
    if not (4 <= len(receipt) <= 16) or not (7 <= len(number) <= 20):
        raise _not_found()
    # `of=("self",)`: the unit join is nullable and PostgreSQL cannot lock its side.
    cases = Case.objects.select_for_update(of=("self",)) if lock else Case.objects
    case = cases.filter(receipt_no=receipt).exclude(status=Status.DRAFT).select_related("unit").first()
    if case is None:
        raise _not_found()
    parties = [p for p in Party.objects.filter(case=case).select_related("insurer").order_by("index")
               if p.phone and normalize_phone(p.phone) == number]
    if party_index is not None:
        index = _party_index(party_index)
        parties = [p for p in parties if p.index == index]
    if not parties:
        raise _not_found()
    return case, parties[0]


def _parties(case: Case) -> list[Party]:
    return sorted(related_rows(case, "parties"), key=lambda p: p.index)


def _confirmation(case: Case, index: int) -> dict | None:
    value = (case.agreement_confirmations or {}).get(str(index))
    return value if isinstance(value, dict) else None


def is_complete(case: Case) -> bool:
    parties = _parties(case)
    return bool(parties) and all(_confirmation(case, p.index) for p in parties)


def state(case: Case, with_ip: bool = False) -> dict:
    """For case representations: whether the agreement is open and who confirmed when."""
    rows = []
    for party in _parties(case):
        confirmed = _confirmation(case, party.index)
        row = {"party": party.index, "confirmed_at": confirmed.get("at") if confirmed else None}
        if with_ip:
            row["ip"] = confirmed.get("ip", "") if confirmed else ""
        rows.append(row)
    return {"open": case.status in OPEN, "complete": bool(rows) and all(r["confirmed_at"] for r in rows),
            "confirmations": rows}


def summary(case: Case) -> dict:
    """Counts only, for the public tracking page."""
    rows = state(case)["confirmations"]
    return {"open": case.status in OPEN, "confirmed": sum(1 for r in rows if r["confirmed_at"]), "total": len(rows)}


@dataclass
class LiabilityText:
    source: str
    rows: list[dict]  # [{"party", "liability", "label"}]

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.source]


def liabilities(case: Case) -> LiabilityText:
    parties = _parties(case)
    if case.status == Status.CLOSED and parties and all(p.liability for p in parties):
        return LiabilityText(SOURCE_OFFICER, [
            {"party": p.index, "liability": p.liability, "label": Liability(p.liability).label} for p in parties])
    suggestion = case.liability_suggestion or {}
    rows = suggestion.get("liabilities") or []
    if rows and sorted(r.get("party") for r in rows) == [p.index for p in parties]:
        return LiabilityText(SOURCE_SUGGESTION, sorted(rows, key=lambda r: r["party"]))
    return LiabilityText(SOURCE_PENDING, [])


def situation_text(case: Case) -> str:
    situation = (case.liability_suggestion or {}).get("situation")
    if not situation:
        return "未选择（由交警根据现场证据认定）"
    return situation.get("title", "")


def confirm(request, receipt_no: str, phone: str, party_index, agree) -> tuple[Case, Party]:
    if agree is not True:
        raise ApiError("invalid", "如对事故事实或责任有异议，请不要确认，并联系处理的交警大队。", 400,
                       errors={"agree": ["请确认同意协议内容。"]})
    if _party_index(party_index) is None:
        raise _not_found()
    with transaction.atomic():
        case, party = _find(receipt_no, phone, party_index, lock=True)
        if case.status not in OPEN:
            raise Conflict("交警认定适用快处快赔后，才能确认事故协议书。", code="agreement_not_open")
        if _confirmation(case, party.index):
            return case, party  # confirming twice changes nothing
        confirmations = dict(case.agreement_confirmations or {})
        confirmations[str(party.index)] = {"at": timezone.now().isoformat(), "ip": client_ip(request) or ""}
        case.agreement_confirmations = confirmations
        case.save(update_fields=["agreement_confirmations", "updated_at"])
        CaseEvent.objects.create(case=case, action="agreement_confirm", status=case.status, unit_id=case.unit_id,
                                 note=f"第{party.index + 1}方当事人已确认事故协议书。", data={"party": party.index})
        audit(request, "agreement.confirm", case, changes={"party": party.index})
        if is_complete(case):
            from apps.alerts.services import publish_case_alert

            CaseEvent.objects.create(case=case, action="agreement_complete", status=case.status, unit_id=case.unit_id,
                                     note="各方当事人均已确认事故协议书，可下载协议书（PDF）。")
            publish_case_alert(case, "case.updated", f"{case.receipt_no} 各方已确认协议书")
    return case, party


def for_party(receipt_no: str, phone: str) -> tuple[Case, Party]:
    return _find(receipt_no, phone)


def public_view(case: Case, viewer: Party) -> dict:
    """The agreement as one party sees it before confirming: the others' phone and name masked."""
    liability = liabilities(case)
    parties = []
    for party in _parties(case):
        own = party.index == viewer.index
        confirmed = _confirmation(case, party.index)
        parties.append({
            "index": party.index, "you": own, "plate": party.plate,
            "vehicle_type_label": party.get_vehicle_type_display(), "insurer_label": _insurer(party),
            "phone": party.phone if own else mask_phone(party.phone),
            "driver_name": party.driver_name if own else mask_name(party.driver_name),
            "confirmed_at": confirmed.get("at") if confirmed else None,
        })
    return {
        "receipt_no": case.receipt_no, "status": case.status, "status_label": case.get_status_display(),
        "unit": case.unit.name if case.unit_id else "", "occurred_at": case.occurred_at,
        "address": _address(case), "situation": (case.liability_suggestion or {}).get("situation"),
        "situation_text": situation_text(case),
        "liabilities": {"source": liability.source, "source_label": liability.source_label, "rows": liability.rows},
        "parties": parties, "open": case.status in OPEN, "complete": is_complete(case), "you": viewer.index,
        "notice": USE_NOTE,
    }


def require_complete(case: Case) -> None:
    if case.status not in OPEN:
        raise Conflict("交警认定适用快处快赔后，才能生成事故协议书。", code="agreement_not_open")
    if not is_complete(case):
        raise Conflict("还有当事人未确认事故协议书，全部确认后才能下载。", code="agreement_incomplete")


def _insurer(party: Party) -> str:
    return party.insurer.name if party.insurer_id else party.insurer_name


def _address(case: Case) -> str:
    return " ".join(x for x in (case.address, case.address_detail) if x)


def _when(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        from django.utils.dateparse import parse_datetime

        value = parse_datetime(value)
        if value is None:
            return ""
    return timezone.localtime(value).strftime("%Y年%m月%d日 %H:%M:%S")


def filename(case: Case) -> str:
    return f"agreement-{case.receipt_no}.pdf"


def render_pdf(case: Case, company_id: int | None = None) -> bytes:
    """The PDF. With `company_id` (an insurer) other companies' parties have phone and name masked."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))  # built into reportlab: no font file to ship
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=12)
    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=12)
    heading = ParagraphStyle("heading", parent=body, fontSize=11.5, leading=18, spaceBefore=6, spaceAfter=3)
    title = ParagraphStyle("title", parent=body, fontSize=17, leading=24, alignment=TA_CENTER, spaceAfter=8)

    def p(text: str, style=cell) -> Paragraph:
        from xml.sax.saxutils import escape

        # STSong-Light has no glyph for U+00B7 / U+2022 (names such as 阿卜杜·热合曼): use the CJK middle dot.
        text = (text or "").replace("\u00b7", "\u30fb").replace("\u2022", "\u30fb")
        return Paragraph(escape(text), style)

    def grid(rows: list[list], widths: list[float], header: bool = True) -> Table:
        table = Table([[c if isinstance(c, Paragraph) else p(str(c)) for c in row] for row in rows], colWidths=widths)
        style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
        table.setStyle(TableStyle(style))
        return table

    parties = _parties(case)
    blank = "________"
    story = [Paragraph(TITLE, title)]
    story.append(grid([
        [p("受理号"), p(case.receipt_no or ""), p("处理单位"), p(case.unit.name if case.unit_id else "")],
        [p("事故时间"), p(_when(case.occurred_at)), p("天气"), p(blank)],
        [p("事故地点"), p(_address(case)), "", ""],
    ], [22 * mm, 68 * mm, 22 * mm, 68 * mm], header=False))
    story[-1].setStyle(TableStyle([("SPAN", (1, 2), (3, 2))]))

    story.append(Paragraph("当事人信息", heading))
    rows = [["当事人", "姓名", "驾驶证号", "联系电话", "号牌号码", "车辆类型", "保险公司"]]
    for party in parties:
        masked = company_id is not None and party.insurer_id != company_id
        rows.append([f"第{party.index + 1}方", mask_name(party.driver_name) if masked else (party.driver_name or blank),
                     blank, mask_phone(party.phone) if masked else party.phone, party.plate,
                     party.get_vehicle_type_display(), _insurer(party)])
    story.append(grid(rows, [14 * mm, 20 * mm, 34 * mm, 27 * mm, 24 * mm, 26 * mm, 35 * mm]))

    story.append(Paragraph("事故情形", heading))
    situation = (case.liability_suggestion or {}).get("situation") or {}
    text = situation_text(case)
    if situation.get("basis"):
        text += f"。{situation['basis']}"
    story.append(p(text, body))

    liability = liabilities(case)
    story.append(Paragraph("责任认定", heading))
    if liability.rows:
        plates = {party.index: party.plate for party in parties}
        story.append(grid([["当事人", "号牌号码", "责任"]] + [
            [f"第{r['party'] + 1}方", plates.get(r["party"], ""), r["label"]] for r in liability.rows
        ], [30 * mm, 50 * mm, 100 * mm]))
        story.append(Spacer(1, 2 * mm))
    story.append(p(f"认定方式：{liability.source_label}", body))

    story.append(Paragraph("当事人确认", heading))
    rows = [["当事人", "号牌号码", "确认时间"]]
    for party in parties:
        confirmed = _confirmation(case, party.index)
        rows.append([f"第{party.index + 1}方", party.plate, _when(confirmed.get("at")) if confirmed else "尚未确认"])
    story.append(grid(rows, [30 * mm, 50 * mm, 100 * mm]))
    story.append(Spacer(1, 2 * mm))
    story.append(p("各方当事人对上述事故事实、情形和责任无异议，自愿按本协议自行协商处理损害赔偿事宜。", body))

    story.append(Spacer(1, 4 * mm))
    story.append(p(USE_NOTE, small))
    story.append(p(LEGAL_NOTE, small))
    story.append(p(f"生成时间：{_when(timezone.now())}", small))

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"{TITLE} {case.receipt_no}", author="百色交警快处快赔")
    doc.build(story)
    return buffer.getvalue()
