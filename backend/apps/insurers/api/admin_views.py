"""Insurance companies for the city admin (`/api/v1/system/insurers`).

The public list (`/api/v1/insurers`) and the guide's phone list read the same rows, so an edited
hotline shows everywhere at once. Writes are small enough to live here; each is audited.
"""

import re

from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.permissions import IsStaff
from apps.insurers.models import InsuranceCompany
from apps.system.audit import audit

FIELDS = ("code", "name", "full_name", "hotline", "order", "is_active")
HOTLINE = re.compile(r"^[0-9][0-9\- ]{2,29}$")


class InsurerAdminSerializer(serializers.ModelSerializer):
    user_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = InsuranceCompany
        fields = ["id", *FIELDS, "user_count"]
        extra_kwargs = {"order": {"max_value": 100_000}}

    def validate(self, attrs):
        unknown = sorted(set(getattr(self, "initial_data", {}) or {}) - set(FIELDS))
        if unknown:
            raise serializers.ValidationError({key: ["不支持该字段。"] for key in unknown})
        return attrs

    def validate_code(self, value: str) -> str:
        value = value.strip().lower()
        if not re.fullmatch(r"[a-z][a-z0-9_]{1,29}", value):
            raise serializers.ValidationError("代码只能由小写字母、数字和下划线组成，并以字母开头。")
        clash = InsuranceCompany.objects.filter(code=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError("该代码已被其他保险公司使用。")
        return value

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("请填写保险公司名称。")
        return value

    def validate_hotline(self, value: str) -> str:
        value = value.strip()
        if value and not HOTLINE.match(value):
            raise serializers.ValidationError("报案电话只能包含数字、空格和“-”，如 95518 或 0776-1234567。")
        return value


def _snapshot(company: InsuranceCompany) -> dict:
    return {f: getattr(company, f) for f in FIELDS}


@transaction.atomic
def create_company(request, data: dict) -> InsuranceCompany:
    company = InsuranceCompany.objects.create(**data)
    audit(request, "insurer.create", company, changes=_snapshot(company))
    return company


@transaction.atomic
def update_company(request, company: InsuranceCompany, data: dict) -> InsuranceCompany:
    before = _snapshot(company)
    for key, value in data.items():
        setattr(company, key, value)
    company.save()
    after = _snapshot(company)
    audit(request, "insurer.update", company,
          changes={k: {"old": before[k], "new": after[k]} for k in FIELDS if before[k] != after[k]})
    return company


def _companies():
    return InsuranceCompany.objects.annotate(user_count=Count("users")).order_by("order", "code")


class InsurerAdminListView(APIView):
    permission_classes = [IsStaff]
    required_perms = {"GET": ("insurers.change_insurancecompany",), "POST": ("insurers.add_insurancecompany",)}

    @extend_schema(summary="保险公司管理：列表（含停用）", responses=InsurerAdminSerializer(many=True))
    def get(self, request):
        return Response(InsurerAdminSerializer(_companies(), many=True).data)

    @extend_schema(summary="保险公司管理：新增", request=InsurerAdminSerializer, responses={201: InsurerAdminSerializer})
    def post(self, request):
        data = InsurerAdminSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        company = create_company(request, data.validated_data)
        return Response(InsurerAdminSerializer(_companies().get(pk=company.pk)).data, status=status.HTTP_201_CREATED)


class InsurerAdminDetailView(APIView):
    permission_classes = [IsStaff]
    required_perms = ("insurers.change_insurancecompany",)

    @extend_schema(summary="保险公司管理：详情", responses=InsurerAdminSerializer)
    def get(self, request, pk: int):
        return Response(InsurerAdminSerializer(get_object_or_404(_companies(), pk=pk)).data)

    @extend_schema(summary="保险公司管理：修改", request=InsurerAdminSerializer, responses=InsurerAdminSerializer)
    def patch(self, request, pk: int):
        company = get_object_or_404(InsuranceCompany, pk=pk)
        data = InsurerAdminSerializer(company, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        update_company(request, company, data.validated_data)
        return Response(InsurerAdminSerializer(_companies().get(pk=pk)).data)


# Included from apps/system/api/urls.py: the admin screens live under /system/.
urlpatterns = [
    path("system/insurers", InsurerAdminListView.as_view(), name="system-insurers"),
    path("system/insurers/<int:pk>", InsurerAdminDetailView.as_view(), name="system-insurer"),
]
