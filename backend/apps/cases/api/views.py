from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.cases import agreement, liability, services, workflow
from apps.cases.checklist import CHECKLIST
from apps.cases.media_slots import ALL_SLOTS
from apps.cases.media_urls import read_token
from apps.cases.models import Case, Media, Status
from apps.cases.receipts import normalize_receipt_no
from apps.cases.selectors import (
    owner_case_detail,
    owner_case_written,
    owner_cases,
    staff_case_detail,
    staff_case_rows,
    with_plates_and_warnings,
)
from apps.cases.validation import max_parties
from apps.common.exceptions import ApiError, Conflict
from apps.common.pagination import CaseCursorPagination
from apps.common.permissions import IsOwner, IsStaff
from apps.common.throttling import (
    InsurerLookupThrottle,
    PublicThrottle,
    SubmitThrottle,
    TrackThrottle,
    UploadThrottle,
)
from apps.system.audit import audit
from apps.system.parameters import owner_settings

from .filters import CaseFilter
from .serializers import (
    MediaSerializer,
    OwnerCaseListSerializer,
    OwnerCaseSerializer,
    StaffCaseListSerializer,
    StaffCaseSerializer,
    TrackSerializer,
    media_data,
    owner_case_data,
    staff_case_list_data,
)

DRAFT_EXAMPLE = OpenApiExample(
    "草稿",
    value={
        "checklist": {"injury": False, "no_plate": False},
        "location": {"lng": 106.6189, "lat": 23.9024, "coord_system": "gcj02", "address": "百色市右江区中山二路"},
        "occurred_at": "2026-11-25T09:41:07+08:00",
        "parties": [
            {"plate": "桂L12345", "vehicle_type": "small_car", "insurer": "picc", "phone": "13800138000", "driver_name": "张三"},
            {"plate": "桂LD12345", "vehicle_type": "new_energy_small", "insurer": None, "insurer_name": "某某财险",
             "phone": "13900139000"},
        ],
    },
    request_only=True,
)
DraftRequest = inline_serializer(
    "DraftRequest",
    {
        "checklist": serializers.DictField(child=serializers.BooleanField(), required=False),
        "location": serializers.DictField(required=False),
        "occurred_at": serializers.DateTimeField(required=False),
        "parties": serializers.ListField(child=serializers.DictField(), required=False),
    },
)


LiabilitySuggestion = inline_serializer("LiabilitySuggestion", {
    "is_suggestion": serializers.BooleanField(), "notice": serializers.CharField(), "answers": serializers.DictField(),
    "situation": serializers.DictField(allow_null=True), "liabilities": serializers.ListField(child=serializers.DictField()),
    "explanation": serializers.CharField(), "party_count": serializers.IntegerField(), "created_at": serializers.CharField()})


class LiabilityQuestionsView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [PublicThrottle]

    @extend_schema(summary="责任自助判断问题（常见一方全责情形）", responses=inline_serializer("LiabilityQuestions", {
        "notice": serializers.CharField(), "situation_question": serializers.CharField(),
        "situations": serializers.ListField(child=serializers.DictField()), "other": serializers.DictField(),
        "both_question": serializers.CharField(), "liability_labels": serializers.DictField()}))
    def get(self, request):
        return Response(liability.questions())


class ChecklistView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [PublicThrottle]

    @extend_schema(summary="必须报警情形自查问题（任一为“是”须拨打 122）", responses=inline_serializer(
        "ChecklistItem", {"key": serializers.CharField(), "question": serializers.CharField()}, many=True))
    def get(self, request):
        return Response([{"key": k, "question": q} for k, q in CHECKLIST])


OwnerSettings = inline_serializer("OwnerSettings", {
    "required_media_slots": serializers.ListField(child=serializers.CharField(), help_text="必拍照片位代码，如 scene_front"),
    "max_accident_age_days": serializers.IntegerField(), "photo_max_mb": serializers.IntegerField(),
    "video_max_mb": serializers.IntegerField(),
    "review_service_hours": serializers.RegexField(r"^\d{2}:\d{2}-\d{2}:\d{2}$"),
    "max_parties": serializers.IntegerField(help_text="每起事故最多填写的当事人数")})


class OwnerSettingsView(APIView):
    """City-admin parameters the H5 applies before the server would (nothing personal: cacheable)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [PublicThrottle]

    @extend_schema(summary="车主端参数（必拍照片位、可报案天数、文件大小上限、审核服务时间）", responses=OwnerSettings,
                   examples=[OpenApiExample("默认值", value={
                       "required_media_slots": ["scene_front", "scene_rear", "scene_contact"],
                       "max_accident_age_days": 7, "photo_max_mb": 15, "video_max_mb": 200,
                       "review_service_hours": "00:00-24:00", "max_parties": 20}, response_only=True)])
    def get(self, request):
        response = Response(owner_settings())
        response["Cache-Control"] = "public, max-age=60"
        return response


class OwnerCaseViewSet(viewsets.ViewSet):
    """A car owner's own drafts and cases. Another owner's case answers 404."""

    permission_classes = [IsOwner]
    lookup_value_regex = r"[0-9]+"
    queryset = Case.objects.none()  # documents the id parameter; reads go through owner selectors

    def get_throttles(self):
        if self.action == "media":
            return [UploadThrottle()]
        if self.action == "submit":
            return [SubmitThrottle()]
        return super().get_throttles()

    def _detail(self, case_id) -> Case:
        return get_object_or_404(owner_case_detail(self.request.user), pk=case_id)

    @extend_schema(summary="我的案件", responses=OwnerCaseListSerializer(many=True))
    def list(self, request):
        return Response(OwnerCaseListSerializer(owner_cases(request.user)[:100], many=True).data)

    @extend_schema(summary="新建报案草稿", request=DraftRequest, responses={201: OwnerCaseSerializer}, examples=[DRAFT_EXAMPLE])
    def create(self, request):
        case, parties = services.create_draft(request.user, _body(request))
        case = owner_case_written(case, parties, media=[], events=[])
        return Response(owner_case_data(case), status=status.HTTP_201_CREATED)

    @extend_schema(summary="案件详情", responses=OwnerCaseSerializer)
    def retrieve(self, request, pk=None):
        return Response(owner_case_data(self._detail(_int(pk))))

    @extend_schema(summary="修改草稿（提交后不可修改）", request=DraftRequest, responses=OwnerCaseSerializer, examples=[DRAFT_EXAMPLE])
    def partial_update(self, request, pk=None):
        services.update_draft(request.user, _int(pk), _body(request))
        return Response(owner_case_data(self._detail(_int(pk))))

    @extend_schema(summary="删除草稿", responses={204: None})
    def destroy(self, request, pk=None):
        services.delete_draft(request.user, _int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="上传照片或视频",
        request={"multipart/form-data": inline_serializer("MediaUpload", {
            "slot": serializers.ChoiceField(choices=[*ALL_SLOTS]),
            "file": serializers.FileField(), "party": serializers.IntegerField(required=False)})},
        responses={201: MediaSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def media(self, request, pk=None):
        slot = str(request.data.get("slot", "")).strip()
        party_raw = request.data.get("party")
        party = None
        if party_raw not in (None, ""):
            try:
                party = int(party_raw)
            except (TypeError, ValueError):
                raise ApiError("invalid_party", "party 必须是当事人序号（从 0 开始的整数）。", 400) from None
            if party < 0 or party >= max_parties():
                raise ApiError("invalid_party", "当事人序号不正确。", 400)
        upload = request.FILES.get("file")
        media = services.add_media(request.user, _int(pk), slot, upload, party)
        return Response(media_data(media), status=status.HTTP_201_CREATED)

    @extend_schema(summary="删除照片或视频（仅草稿）", responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"media/(?P<media_id>\d+)")
    def delete_media(self, request, pk=None, media_id=None):
        services.delete_media(request.user, _int(pk), _int(media_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="提交报案（幂等）",
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, description="同一次提交的重试使用相同的值")],
        request=None,
        responses={200: OwnerCaseSerializer, 201: OwnerCaseSerializer},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        done = services.submit(request.user, _int(pk), request.headers.get("Idempotency-Key", ""))
        if done.created:
            case = owner_case_written(done.case, done.parties, done.media, done.events)
            return Response(owner_case_data(case), status=status.HTTP_201_CREATED)
        return Response(owner_case_data(self._detail(done.case.pk)), status=status.HTTP_200_OK)

    @extend_schema(
        summary="责任自助判断（仅供参考，不作为责任认定）",
        request=inline_serializer("LiabilityAnswers", {
            "situation": serializers.CharField(help_text="情形代码，或 other（以上都不是）"),
            "at_fault_party": serializers.IntegerField(required=False, help_text="有该情形的一方（从 0 开始）"),
            "both_at_fault": serializers.BooleanField(required=False, help_text="另一方是否也有上述情形")}),
        responses=LiabilitySuggestion,
    )
    @action(detail=True, methods=["post"])
    def liability(self, request, pk=None):
        return Response(services.record_liability_suggestion(request.user, _int(pk), _body(request)))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise ApiError("invalid", "请求内容必须是 JSON 对象。", 400)
    return request.data


class TrackView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [TrackThrottle]

    @extend_schema(summary="按受理号查询进度（需任一方手机号后四位）", parameters=[OpenApiParameter("phone_last4", str, required=True)],
                   responses=TrackSerializer)
    def get(self, request, receipt_no: str):
        last4 = request.query_params.get("phone_last4", "")
        receipt = normalize_receipt_no(receipt_no)
        not_found = ApiError("not_found", "未找到该受理号，或手机号后四位不匹配。", 404)
        if len(last4) != 4 or not last4.isdigit() or not (4 <= len(receipt) <= 16):
            raise not_found
        case = (
            Case.objects.filter(receipt_no=receipt, parties__phone__endswith=last4)
            .exclude(status=Status.DRAFT).select_related("unit").prefetch_related("events", "parties").distinct().first()
        )
        if case is None:
            raise not_found
        return Response(TrackSerializer(case).data)


class StaffCaseViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    permission_classes = [IsStaff]
    required_perms = {"*": ("cases.view_case",), "claim": ("cases.claim_case",), "decision": ("cases.decide_case",),
                      "void": ("cases.void_case",), "transfer": ("cases.transfer_case",), "close": ("cases.close_case",),
                      "evidence_package": ("cases.view_case", "cases.export_evidence")}
    filterset_class = CaseFilter
    pagination_class = CaseCursorPagination

    def get_queryset(self):
        if self.action == "list":
            return staff_case_rows(self.request.user)
        return staff_case_detail(self.request.user)

    def filter_queryset(self, queryset):
        # The unfiltered first page is the officers' main screen and the most frequent staff request:
        # it needs no filter form (building and validating one costs a few milliseconds).
        if self.action == "list" and not any(name in self.request.query_params for name in CaseFilter.base_filters):
            return queryset
        return super().filter_queryset(queryset)

    @property
    def paginator(self):
        if not hasattr(self, "_paginator"):
            self._paginator = CaseCursorPagination()
            if self.request.query_params.get("ordering") == "submitted_at":
                self._paginator.ordering = ("submitted_at", "id")
        return self._paginator

    def get_serializer_class(self):
        return StaffCaseListSerializer if self.action == "list" else StaffCaseSerializer

    @extend_schema(summary="案件列表（按本单位及下级单位范围）", parameters=[
        OpenApiParameter("ordering", str, enum=["-submitted_at", "submitted_at"])])
    def list(self, request, *args, **kwargs):
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(staff_case_list_data(with_plates_and_warnings(rows)))

    @extend_schema(summary="案件详情", responses=StaffCaseSerializer)
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    def _respond(self, case: Case) -> Response:
        # After a transfer out of scope the sender no longer sees the case: answer with the bare facts.
        visible = staff_case_detail(self.request.user).filter(pk=case.pk).first()
        if visible is None:
            return Response({"id": case.pk, "receipt_no": case.receipt_no, "status": case.status,
                             "unit": {"id": case.unit_id, "name": case.unit.name}, "visible": False})
        return Response(StaffCaseSerializer(visible).data)

    @extend_schema(summary="接单", request=None, responses=StaffCaseSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        return self._respond(workflow.claim(request, _int(pk)))

    @extend_schema(summary="审核：适用 / 不适用快处快赔", request=inline_serializer("Decision", {
        "decision": serializers.ChoiceField(choices=["accepted", "rejected"]), "feedback": serializers.CharField(required=False)}),
        responses=StaffCaseSerializer)
    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        data = _body(request)
        return self._respond(workflow.decide(request, _int(pk), str(data.get("decision", "")), str(data.get("feedback", "") or "")))

    @extend_schema(summary="作废", request=inline_serializer("Void", {"reason": serializers.CharField()}), responses=StaffCaseSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        return self._respond(workflow.void(request, _int(pk), str(_body(request).get("reason", "") or "")))

    @extend_schema(summary="转办到其他单位", request=inline_serializer("Transfer", {
        "unit": serializers.IntegerField(), "reason": serializers.CharField()}), responses=StaffCaseSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        data = _body(request)
        try:
            unit_id = int(data.get("unit"))
        except (TypeError, ValueError):
            raise ApiError("invalid", "请选择转办单位。", 400, errors={"unit": ["请选择转办单位。"]}) from None
        return self._respond(workflow.transfer(request, _int(pk), unit_id, str(data.get("reason", "") or "")))

    @extend_schema(summary="办结（认定各方责任）", request=inline_serializer("Close", {
        "liabilities": serializers.ListField(child=serializers.DictField()), "notes": serializers.CharField(required=False)}),
        responses=StaffCaseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = _body(request)
        liabilities = data.get("liabilities")
        if not isinstance(liabilities, list):
            raise ApiError("invalid", "请为每一方当事人认定责任。", 400)
        return self._respond(workflow.close(request, _int(pk), liabilities, str(data.get("notes", "") or "")))

    @extend_schema(summary="下载证据包（原始文件、SHA-256 清单、处理经过、PDF 摘要）",
                   responses={(200, "application/zip"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="evidence-package")
    def evidence_package(self, request, pk=None):
        from apps.cases.evidence import build_package

        case = get_object_or_404(staff_case_detail(request.user), pk=_int(pk))
        package, manifest = build_package(case)
        audit(request, "case.evidence_package", case, changes={
            "manifest_sha256": manifest["manifest_sha256"], "files": len(manifest["files"])})
        # FileResponse streams the temporary file in blocks and closes (thus deletes) it at the end.
        response = FileResponse(package, as_attachment=True, filename=f"evidence-{case.receipt_no}.zip",
                                content_type="application/zip")
        response["Cache-Control"] = "no-store"
        response["X-Manifest-SHA256"] = manifest["manifest_sha256"]
        return response

    @extend_schema(summary="事故协议书 PDF（适用快处快赔后）", operation_id="cases_agreement_pdf",
                   responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"], url_path="agreement.pdf")
    def agreement_pdf(self, request, pk=None):
        case = self.get_object()
        if case.status not in agreement.OPEN:
            raise Conflict("交警认定适用快处快赔后，才能生成事故协议书。", code="agreement_not_open")
        audit(request, "case.agreement_pdf", case)
        return _pdf(case, agreement.render_pdf(case))


def _pdf(case: Case, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{agreement.filename(case)}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


PhoneBody = inline_serializer("AgreementPhone", {"phone": serializers.CharField(help_text="该方当事人的完整手机号")})
AgreementOut = inline_serializer("AgreementOut", {
    "receipt_no": serializers.CharField(), "status": serializers.CharField(), "situation_text": serializers.CharField(),
    "liabilities": serializers.DictField(), "parties": serializers.ListField(child=serializers.DictField()),
    "open": serializers.BooleanField(), "complete": serializers.BooleanField(), "you": serializers.IntegerField()})


def _phone(request) -> str:
    value = _body(request).get("phone", "")
    return value if isinstance(value, str) else ""


class AgreementView(APIView):
    """What a party sees before confirming. POST so the phone number never appears in a URL."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [TrackThrottle]

    @extend_schema(summary="查看事故协议书（当事人凭受理号和本人手机号）", request=PhoneBody, responses=AgreementOut)
    def post(self, request, receipt_no: str):
        case, party = agreement.for_party(receipt_no, _phone(request))
        return Response(agreement.public_view(case, party))


class AgreementConfirmView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [TrackThrottle]

    @extend_schema(summary="当事人确认事故协议书", request=inline_serializer("AgreementConfirm", {
        "phone": serializers.CharField(), "party": serializers.IntegerField(), "agree": serializers.BooleanField()}),
        responses=AgreementOut)
    def post(self, request, receipt_no: str):
        data = _body(request)
        case, party = agreement.confirm(request, receipt_no, _phone(request), data.get("party"), data.get("agree"))
        return Response(agreement.public_view(case, party))


class AgreementPdfView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [TrackThrottle]

    @extend_schema(summary="下载事故协议书 PDF（各方确认后）", request=PhoneBody, responses={(200, "application/pdf"): bytes})
    def post(self, request, receipt_no: str):
        case, _ = agreement.for_party(receipt_no, _phone(request))
        agreement.require_complete(case)
        return _pdf(case, agreement.render_pdf(case))


class InsurerAgreementPdfView(APIView):
    """Through the insurer's own lookup scope: another company's case is the same 404."""

    permission_classes = [IsStaff]
    required_perms = ("insurers.lookup_case",)
    throttle_classes = [InsurerLookupThrottle]

    @extend_schema(summary="保险公司下载事故协议书 PDF", operation_id="insurer_cases_agreement_pdf",
                   responses={(200, "application/pdf"): bytes})
    def get(self, request, receipt_no: str):
        from apps.insurers.services import lookup

        case = lookup(request, receipt_no)
        if case.status not in agreement.OPEN:
            raise Conflict("交警认定适用快处快赔后，才能生成事故协议书。", code="agreement_not_open")
        audit(request, "insurer.agreement_pdf", case)
        return _pdf(case, agreement.render_pdf(case, company_id=request.user.insurer_id))


class MediaFileView(APIView):
    """Serves a file behind a signed, short-lived link (local storage only)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(summary="证据文件（签名短链接）", parameters=[OpenApiParameter("t", str, required=True)],
                   responses={(200, "application/octet-stream"): bytes})
    def get(self, request):
        parsed = read_token(request.query_params.get("t", ""))
        if parsed is None:
            raise ApiError("link_expired", "链接已失效，请刷新页面后重试。", 403)
        media_id, variant = parsed
        media = Media.objects.filter(pk=media_id).first()
        if media is None:
            raise ApiError("not_found", "文件不存在。", 404)
        field = media.thumbnail if variant == "thumb" else media.file
        if not field or not field.name or not default_storage.exists(field.name):
            raise ApiError("not_found", "文件不存在。", 404)
        content_type = "image/jpeg" if variant == "thumb" else media.content_type
        response = FileResponse(default_storage.open(field.name, "rb"), content_type=content_type)
        response["Cache-Control"] = "private, max-age=300"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
        return response
