"""Owner-side writes: drafts, evidence, submission."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from rest_framework import serializers

from apps.common import fastsql
from apps.common.exceptions import ApiError, Conflict
from apps.system.parameters import params, required_media_slots
from apps.units.geo import both_datums, jurisdictions
from apps.wechat.models import Owner

from . import hooks
from .checklist import CALL_POLICE_MESSAGE, CHECKLIST_KEYS
from .media_files import check_image, check_video, thumbnail_file
from .media_slots import ALL_SLOTS, MULTI_SLOTS, PARTY_SLOTS, SCENE_SLOTS, VIDEO_SLOTS
from .models import Case, CaseEvent, Media, Party, Status
from .receipts import new_receipt_no
from .validation import check_occurred_at, parse_draft

MB = 1024 * 1024


def _lock_draft(owner: Owner, case_id: int) -> Case:
    case = Case.objects.select_for_update().filter(pk=case_id, owner=owner).first()
    if case is None:
        raise ApiError("not_found", "未找到该报案草稿。", 404)
    if case.status != Status.DRAFT:
        raise Conflict("案件已提交，资料不能再修改。如需更正请联系处理的交警大队。", code="not_draft")
    return case


def create_draft(owner: Owner, data: dict) -> tuple[Case, list[Party]]:
    """A new draft and its parties, written with one INSERT each (the case row, then all parties)."""
    limit = params.get("max_drafts_per_owner")
    if fastsql.count(Case, f"owner_id = %s AND status = '{Status.DRAFT}'", [owner.pk]) >= limit:  # case_owner_drafts
        raise ApiError("quota_exceeded", f"您已有 {limit} 份未提交的草稿，请先提交或删除旧草稿。", 429)
    case, parties = draft_rows(owner, parse_draft(data))
    with transaction.atomic():
        fastsql.insert([case])
        fastsql.insert(parties)
    return case, parties


def draft_rows(owner: Owner, values: dict) -> tuple[Case, list[Party]]:
    """The unsaved case and parties of a new draft, from `parse_draft()`'s values.

    Both writers of a new draft build their rows here: `create_draft()` and the owner fast path
    (`apps.cases.fastpath`)."""
    case = fastsql.new(Case, owner=owner, status=Status.DRAFT)
    _set_fields(case, values)
    items = values["parties"] if "parties" in values else [{}, {}]
    parties = [fastsql.new(Party, case=case, index=index) for index in range(len(items))]
    for party, item in zip(parties, items, strict=True):
        _set_party(party, item)
    return case, parties


def update_draft(owner: Owner, case_id: int, data: dict) -> Case:
    with transaction.atomic():
        case = _lock_draft(owner, case_id)
        _apply(case, data)
    return case


def delete_draft(owner: Owner, case_id: int) -> None:
    with transaction.atomic():
        case = _lock_draft(owner, case_id)
        files = [(m.file.name, m.thumbnail.name) for m in case.media.all()]
        case.delete()
    transaction.on_commit(lambda: _delete_files(files))


def _set_fields(case: Case, values: dict) -> None:
    """The case's own fields from `parse_draft()`'s values (the parties are the caller's)."""
    if "checklist" in values:
        case.checklist = {**case.checklist, **values["checklist"]}
    if "location" in values:
        loc = values["location"]
        if loc is None:
            case.lng = case.lat = case.gcj_lng = case.gcj_lat = case.wgs_lng = case.wgs_lat = None
            case.coord_system = case.address = case.address_detail = ""
            case.unit = None
        else:
            datums = both_datums(loc["lng"], loc["lat"], loc["coord_system"])
            case.lng, case.lat, case.coord_system = loc["lng"], loc["lat"], loc["coord_system"]
            case.gcj_lng, case.gcj_lat = datums["gcj02"]["lng"], datums["gcj02"]["lat"]
            case.wgs_lng, case.wgs_lat = datums["wgs84"]["lng"], datums["wgs84"]["lat"]
            case.address = loc.get("address", case.address)
            case.address_detail = loc.get("detail", case.address_detail)
            located = jurisdictions.locate_gcj02(case.gcj_lng, case.gcj_lat)
            # A preview for the owner; the assignment that counts is made again on submit.
            case.unit_id = located.unit_id if located else None
            case.inside_jurisdiction = located.inside if located else False
    if "occurred_at" in values:
        case.occurred_at = values["occurred_at"]


def _apply(case: Case, data: dict) -> None:
    """Validate and write the fields of a saved draft; the caller reads the case back."""
    values = parse_draft(data)  # plain-Python twin of DraftInput: same data, same ValidationError
    _set_fields(case, values)
    case.save()
    if "parties" in values:
        existing = {p.index: p for p in case.parties.all()}
        keep = set()
        for index, item in enumerate(values["parties"]):
            party = existing.get(index) or Party(case=case, index=index)
            _set_party(party, item)
            party.save()
            keep.add(index)
        removed = [i for i in existing if i not in keep]
        if removed:
            case.parties.filter(index__in=removed).delete()
            stale = list(case.media.filter(party__in=removed))
            files = [(m.file.name, m.thumbnail.name) for m in stale]
            case.media.filter(pk__in=[m.pk for m in stale]).delete()
            transaction.on_commit(lambda: _delete_files(files))


def _set_party(party: Party, item: dict) -> None:
    for name in ("plate", "vehicle_type", "insurer_name", "phone", "driver_name"):
        if name in item:
            setattr(party, name, item[name] or "")
    if "insurer" in item:
        party.insurer = item["insurer"]
    party.plate_normalized = party.plate


def add_media(owner: Owner, case_id: int, slot: str, upload, party: int | None) -> Media:
    if slot not in ALL_SLOTS:
        raise ApiError("invalid_slot", f"未知的照片位：{slot}。", 400, errors={"slot": ["未知的照片位。"]})
    if slot in PARTY_SLOTS:
        if party is None:
            raise ApiError("invalid_party", "驾驶证、行驶证、保险单需指明是哪一方（party）。", 400)
    elif party is not None:
        raise ApiError("invalid_party", "现场照片和视频不属于某一方，请不要指定 party。", 400)
    if upload is None:
        raise ApiError("invalid_file", "请选择要上传的文件。", 400, errors={"file": ["请选择文件。"]})

    # Check the bytes before taking any lock: decoding a photo takes a moment.
    if slot in VIDEO_SLOTS:
        checked = check_video(upload, params.get("video_max_mb") * MB)
    else:
        checked = check_image(upload, params.get("photo_max_mb") * MB)

    stored: list[tuple[str, str]] = []
    try:
        with transaction.atomic():
            case = _lock_draft(owner, case_id)
            if party is not None and not case.parties.filter(index=party).exists():
                raise ApiError("invalid_party", f"第 {party + 1} 方当事人不存在，请先填写当事人信息。", 400)
            if case.media.count() >= params.get("max_media_per_case"):
                raise ApiError("quota_exceeded", "上传的文件数量已达上限。", 429)
            replaced = [] if slot in MULTI_SLOTS else list(case.media.filter(slot=slot, party=party))
            media = Media(
                case=case, slot=slot, party=party, kind=checked.kind, extension=checked.extension,
                content_type=checked.content_type, size=checked.size, sha256=checked.sha256, phash=checked.phash,
                width=checked.width, height=checked.height, exif_taken_at=checked.taken_at,
                exif_lng=checked.lng, exif_lat=checked.lat,
            )
            upload.seek(0)
            media.file.save("upload", upload, save=False)
            thumb = thumbnail_file(checked)
            if thumb is not None:
                media.thumbnail.save(thumb.name, thumb, save=False)
            stored.append((media.file.name, media.thumbnail.name))
            media.save()
            if replaced:
                files = [(m.file.name, m.thumbnail.name) for m in replaced]
                Media.objects.filter(pk__in=[m.pk for m in replaced]).delete()
                transaction.on_commit(lambda: _delete_files(files))
            Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    except Exception:
        # The row was never committed: the stored bytes must not stay behind as orphans.
        _delete_files(stored)
        raise
    return media


def delete_media(owner: Owner, case_id: int, media_id: int) -> None:
    with transaction.atomic():
        case = _lock_draft(owner, case_id)
        media = case.media.filter(pk=media_id).first()
        if media is None:
            raise ApiError("not_found", "未找到该文件。", 404)
        files = [(media.file.name, media.thumbnail.name)]
        media.delete()
        # Every change of a draft moves its updated_at: the fast path's submission writes only a
        # draft still as it read it (apps.cases.fastpath).
        Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    transaction.on_commit(lambda: _delete_files(files))


def _delete_files(files: list[tuple[str, str]]) -> None:
    from django.core.files.storage import default_storage

    for names in files:
        for name in names:
            # Identical bytes uploaded twice share one stored name; keep it while referenced.
            if name and not Media.objects.filter(file=name).exists() and not Media.objects.filter(thumbnail=name).exists():
                try:
                    default_storage.delete(name)
                except Exception:
                    pass


def missing_for_submit(case: Case, media: list[Media] | None = None, parties: list[Party] | None = None) -> list[dict]:
    """Everything that stops a draft from being submitted, in the order the wizard asks for it."""
    missing = []
    answered = case.checklist or {}
    if any(answered.get(key) is True for key in CHECKLIST_KEYS):
        missing.append({"field": "checklist", "message": CALL_POLICE_MESSAGE})
    unanswered = [key for key in CHECKLIST_KEYS if key not in answered]
    if unanswered:
        missing.append({"field": "checklist", "message": "请逐项确认“必须报警的情形”自查问题。"})
    if case.gcj_lng is None:
        missing.append({"field": "location", "message": "请确定事故地点。"})
    if case.occurred_at is None:
        missing.append({"field": "occurred_at", "message": "请填写事故发生时间。"})
    else:
        try:
            check_occurred_at(case.occurred_at, serializers.ValidationError)
        except serializers.ValidationError as exc:
            missing.append({"field": "occurred_at", "message": str(exc.detail[0])})
    present = {m.slot for m in media} if media is not None else set(case.media.values_list("slot", flat=True))
    for slot in required_media_slots():
        if slot not in present:
            missing.append({"field": f"media.{slot}", "message": f"请上传“{SCENE_SLOTS.get(slot, slot)}”照片。"})
    parties = list(case.parties.all()) if parties is None else parties
    if not parties:
        missing.append({"field": "parties", "message": "请至少填写一方当事人的信息。"})
    for party in parties:
        label = f"第 {party.index + 1} 方"
        if not party.plate:
            missing.append({"field": f"parties.{party.index}.plate", "message": f"请填写{label}的车牌号。"})
        if not party.phone:
            missing.append({"field": f"parties.{party.index}.phone", "message": f"请填写{label}的联系电话。"})
        if not party.insurer_id and not party.insurer_name:
            missing.append({"field": f"parties.{party.index}.insurer", "message": f"请选择{label}的保险公司。"})
        if not party.vehicle_type:
            missing.append({"field": f"parties.{party.index}.vehicle_type", "message": f"请选择{label}的车辆类型。"})
    return missing


class _ReceiptTaken(Exception):
    """The random receipt number collided with an existing one: the submission is tried again."""


@dataclass
class Submission:
    case: Case
    created: bool
    # Filled for a new submission: what the response is built from, without reading it back.
    parties: list[Party] = field(default_factory=list)
    media: list[Media] = field(default_factory=list)
    events: list[CaseEvent] = field(default_factory=list)


def submit(owner: Owner, case_id: int, idempotency_key: str = "") -> Submission:
    """Submit a draft once. A retry (same or no Idempotency-Key) returns the same case, not created."""
    key = (idempotency_key or "").strip()[:80]
    for _ in range(5):
        try:
            return _submit_once(owner, case_id, key)
        except _ReceiptTaken:
            continue
    raise ApiError("busy", "系统繁忙，请稍后重试提交。", 503)


# What a submission changes in the case row: its one UPDATE writes these and nothing else.
SUBMIT_FIELDS = ("unit", "inside_jurisdiction", "status", "submitted_at", "idempotency_key", "receipt_no",
                 "has_fraud_warning", "updated_at")


def _parties_with_insurers(case: Case) -> list[Party]:
    from apps.insurers.directory import companies

    parties = fastsql.select(Party, "case_id = %s ORDER BY \"index\"", [case.pk])
    for party in parties:
        party.case = case
        company = companies.get(party.insurer_id) if party.insurer_id else None
        if company is not None:
            party.insurer = company
    return parties


def _submit_once(owner: Owner, case_id: int, key: str) -> Submission:
    from apps.fraud.services import check_submission

    # The statements of this transaction are written without the ORM's compiler (apps.common.fastsql):
    # it is the busiest write of the service. The values go through the model fields all the same.
    with transaction.atomic():
        found = fastsql.select(Case, "id = %s AND owner_id = %s", [case_id, owner.pk], lock=True)
        if not found:
            raise ApiError("not_found", "未找到该报案草稿。", 404)
        case = found[0]
        if case.status != Status.DRAFT:
            if not key or key == case.idempotency_key:
                return Submission(case, created=False)
            raise Conflict("该案件已经提交过了。", code="already_submitted", receipt_no=case.receipt_no)
        media = fastsql.select(Media, "case_id = %s ORDER BY created_at, id", [case.pk])
        parties = _parties_with_insurers(case)
        missing = missing_for_submit(case, media, parties)
        if missing:
            raise ApiError("incomplete", "资料还不完整：" + "；".join(m["message"] for m in missing), 400, missing=missing)

        located = jurisdictions.locate_gcj02(case.gcj_lng, case.gcj_lat)
        if located is None:
            raise ApiError("no_unit", "系统尚未配置处理单位，请拨打 122。", 503)
        unit = jurisdictions.unit_info(located.unit_id)
        event = mark_submitted(case, parties, key, located, unit)
        fraud = check_submission(case, parties, media)  # sets case.has_fraud_warning
        try:
            fastsql.update(case, SUBMIT_FIELDS)
        except IntegrityError as exc:
            if "receipt" not in str(exc).lower():
                raise
            raise _ReceiptTaken from exc
        fastsql.update_where(Party, party_submit_values(case), "case_id = %s", [case.pk])
        fastsql.insert([event])
        hooks.case_submitted(case, parties, unit.adcode, fraud.alert)
    return Submission(case, True, parties, media, [event])


def party_submit_values(case: Case) -> dict:
    """What a submission writes into each of the case's parties: from now on they count for the fraud rules."""
    return {"occurred_at": case.occurred_at, "counts_for_fraud": True}


def mark_submitted(case: Case, parties: list[Party], key: str, located, unit) -> CaseEvent:
    """Turn a complete draft, in memory, into the submitted case: the handling unit (`located`, and its
    `unit` info), a new receipt number, the parties counting from now on. Returns the unsaved
    timeline entry. The caller writes the rows (`SUBMIT_FIELDS`, `party_submit_values()`) after the
    fraud check has set the warning flag: `_submit_once()` here, and the owner fast path."""
    case.unit_id = located.unit_id
    case.inside_jurisdiction = located.inside
    case.status = Status.SUBMITTED
    case.submitted_at = timezone.now()
    case.idempotency_key = key
    case.receipt_no = new_receipt_no()
    for party in parties:
        for name, value in party_submit_values(case).items():
            setattr(party, name, value)
    note = f"报案已提交，由{unit.name}受理审核。"
    if not case.inside_jurisdiction:
        note = "报案已提交。事故地点不在各县区辖区范围内，由市交警支队分派处理。"
    return fastsql.new(CaseEvent, case=case, action="submit", status=Status.SUBMITTED, note=note, unit_id=case.unit_id)


def next_party_index(case: Case) -> int:
    return (case.parties.aggregate(m=Max("index"))["m"] or -1) + 1


LIABILITY_EDITABLE = (Status.DRAFT, Status.SUBMITTED)


def record_liability_suggestion(owner: Owner, case_id: int, answers: dict) -> dict:
    """Store the owner's questionnaire answers and the suggestion they give. Never touches Party.liability."""
    from .liability import NOTICE, InvalidAnswers, clean_answers, suggest

    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id, owner=owner).first()
        if case is None:
            raise ApiError("not_found", "未找到该案件。", 404)
        if case.status not in LIABILITY_EDITABLE:
            raise Conflict("交警已开始审核，不能再修改责任自助判断；责任以交警认定为准。", code="status_conflict")
        party_count = case.parties.count()
        try:
            result = suggest(answers, party_count)
        except InvalidAnswers as exc:
            raise ApiError("invalid", exc.message, 400, errors={exc.field: [exc.message]}) from None
        case.liability_suggestion = {
            "is_suggestion": True,
            "notice": NOTICE,
            "answers": clean_answers(answers, party_count),
            **result,
            "party_count": party_count,
            "created_at": timezone.now().isoformat(),
        }
        case.save(update_fields=["liability_suggestion", "updated_at"])
        if case.status != Status.DRAFT:
            title = result["situation"]["title"] if result["situation"] else "其他情形"
            CaseEvent.objects.create(case=case, action="liability_suggestion", status=case.status, unit_id=case.unit_id,
                                     note=f"当事人填写了责任自助判断（{title}，仅供参考）。")
    return case.liability_suggestion
