"""Validation of the owner's draft payload, field by field, with Chinese messages."""

import math
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from apps.insurers.models import InsuranceCompany
from apps.system.parameters import params
from apps.units.geo import COORD_SYSTEMS

from .checklist import CHECKLIST_KEYS
from .models import VehicleType
from .plates import is_valid_phone, is_valid_plate, normalize_phone, normalize_plate

MAX_PARTIES = 20
CLOCK_SKEW = timedelta(minutes=5)


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know instead of silently dropping them."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: ["不支持的字段。"] for key in unknown})
        return super().to_internal_value(data)


class LocationInput(StrictSerializer):
    lng = serializers.FloatField(error_messages={"invalid": "经度必须是数字。", "required": "缺少经度。"})
    lat = serializers.FloatField(error_messages={"invalid": "纬度必须是数字。", "required": "缺少纬度。"})
    coord_system = serializers.ChoiceField(
        choices=COORD_SYSTEMS, error_messages={"invalid_choice": "坐标系只能是 wgs84 或 gcj02。", "required": "缺少坐标系。"}
    )
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    detail = serializers.CharField(max_length=300, required=False, allow_blank=True)

    def validate(self, data):
        lng, lat = data["lng"], data["lat"]
        if not (math.isfinite(lng) and math.isfinite(lat)) or not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise serializers.ValidationError("坐标超出范围：经度应在 -180~180，纬度应在 -90~90 之间。")
        if not (73 <= lng <= 136 and 3 <= lat <= 54):
            raise serializers.ValidationError("事故地点不在中国境内，请重新定位或在地图上选择。")
        return data


class PartyInput(StrictSerializer):
    plate = serializers.CharField(max_length=16, required=False, allow_blank=True)
    vehicle_type = serializers.ChoiceField(
        choices=VehicleType.choices, required=False, allow_blank=True, error_messages={"invalid_choice": "车辆类型不正确。"}
    )
    insurer = serializers.CharField(max_length=30, required=False, allow_null=True, allow_blank=True)
    insurer_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    driver_name = serializers.CharField(max_length=30, required=False, allow_blank=True)
    index = serializers.IntegerField(required=False, min_value=0)  # echoed back by clients; ignored

    def validate_plate(self, value: str) -> str:
        if value and not is_valid_plate(value):
            raise serializers.ValidationError("车牌号格式不正确，例如 桂L12345 或新能源 桂LD12345。")
        return normalize_plate(value)

    def validate_phone(self, value: str) -> str:
        if value and not is_valid_phone(value):
            raise serializers.ValidationError("手机号格式不正确，请输入 11 位手机号。")
        return normalize_phone(value)

    def validate_insurer(self, value):
        if not value:
            return None
        # One query per request for all parties: the active companies are a short list.
        companies = self.context.get("active_insurers")
        if companies is None:
            companies = {c.code: c for c in InsuranceCompany.objects.filter(is_active=True)}
            self.context["active_insurers"] = companies
        company = companies.get(value)
        if company is None:
            raise serializers.ValidationError("保险公司不在列表中；如是其他公司，请在“其他保险公司”中填写名称。")
        return company


class DraftInput(StrictSerializer):
    checklist = serializers.DictField(child=serializers.BooleanField(), required=False)
    location = LocationInput(required=False, allow_null=True)
    occurred_at = serializers.CharField(required=False, allow_null=True, max_length=40)
    parties = PartyInput(many=True, required=False, max_length=MAX_PARTIES)

    def validate_checklist(self, value: dict) -> dict:
        unknown = [key for key in value if key not in CHECKLIST_KEYS]
        if unknown:
            raise serializers.ValidationError(f"未知的自查项：{'、'.join(unknown)}。")
        return value

    def validate_occurred_at(self, value):
        if value in (None, ""):
            return None
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is None:
            raise serializers.ValidationError("事故时间格式不正确，应精确到秒，例如 2026-11-25T09:41:07+08:00。")
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
        return check_occurred_at(parsed, serializers.ValidationError)


def check_occurred_at(value: datetime, error=serializers.ValidationError) -> datetime:
    now = timezone.now()
    if value > now + CLOCK_SKEW:
        raise error("事故时间不能晚于当前时间。")
    days = params.get("max_accident_age_days")
    if value < now - timedelta(days=days):
        raise error(f"事故发生已超过 {days} 天，不能在线快处，请到交警大队办理。")
    return value
