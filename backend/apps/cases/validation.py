"""Validation of the owner's draft payload, field by field, with Chinese messages.

Two implementations of one contract. `DraftInput` (DRF serializers) documents the API schema and is the
reference; `parse_draft` is the plain-Python validator the write path uses, because building and running
the nested serializers was a measurable share of every submission. Both must return the same validated
data and raise the same `ValidationError.detail` (messages, codes, key order): see
tests/test_draft_validation.py, which compares them on hand-written and generated payloads.
"""

import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.core.validators import ProhibitNullCharactersValidator
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.settings import api_settings
from rest_framework.utils import html
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from apps.insurers.directory import companies
from apps.insurers.models import InsuranceCompany
from apps.system.parameters import DEFINITIONS, params
from apps.units.geo import COORD_SYSTEMS

from .checklist import CHECKLIST_KEYS
from .models import VehicleType
from .plates import is_valid_phone, is_valid_plate, normalize_phone, normalize_plate

MAX_PARTIES = DEFINITIONS["max_parties"].default  # the limit in force is `max_parties()`
CLOCK_SKEW = timedelta(minutes=5)


def max_parties() -> int:
    return params.get("max_parties")


# The messages of our own rules, shared by both implementations.
UNKNOWN_FIELD = "不支持的字段。"
LNG_INVALID, LNG_REQUIRED = "经度必须是数字。", "缺少经度。"
LAT_INVALID, LAT_REQUIRED = "纬度必须是数字。", "缺少纬度。"
COORD_SYSTEM_INVALID, COORD_SYSTEM_REQUIRED = "坐标系只能是 wgs84 或 gcj02。", "缺少坐标系。"
OUT_OF_RANGE = "坐标超出范围：经度应在 -180~180，纬度应在 -90~90 之间。"
OUTSIDE_CHINA = "事故地点不在中国境内，请重新定位或在地图上选择。"
VEHICLE_TYPE_INVALID = "车辆类型不正确。"
PLATE_INVALID = "车牌号格式不正确，例如 桂L12345 或新能源 桂LD12345。"
PHONE_INVALID = "手机号格式不正确，请输入 11 位手机号。"
INSURER_UNKNOWN = "保险公司不在列表中；如是其他公司，请在“其他保险公司”中填写名称。"
OCCURRED_AT_INVALID = "事故时间格式不正确，应精确到秒，例如 2026-11-25T09:41:07+08:00。"


def unknown_checklist_message(keys: list[str]) -> str:
    return f"未知的自查项：{'、'.join(keys)}。"


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know instead of silently dropping them."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: [UNKNOWN_FIELD] for key in unknown})
        return super().to_internal_value(data)


class LocationInput(StrictSerializer):
    lng = serializers.FloatField(error_messages={"invalid": LNG_INVALID, "required": LNG_REQUIRED})
    lat = serializers.FloatField(error_messages={"invalid": LAT_INVALID, "required": LAT_REQUIRED})
    coord_system = serializers.ChoiceField(
        choices=COORD_SYSTEMS, error_messages={"invalid_choice": COORD_SYSTEM_INVALID, "required": COORD_SYSTEM_REQUIRED}
    )
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    detail = serializers.CharField(max_length=300, required=False, allow_blank=True)

    def validate(self, data):
        lng, lat = data["lng"], data["lat"]
        if not (math.isfinite(lng) and math.isfinite(lat)) or not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise serializers.ValidationError(OUT_OF_RANGE)
        if not (73 <= lng <= 136 and 3 <= lat <= 54):
            raise serializers.ValidationError(OUTSIDE_CHINA)
        return data


class PartyInput(StrictSerializer):
    plate = serializers.CharField(max_length=16, required=False, allow_blank=True)
    vehicle_type = serializers.ChoiceField(
        choices=VehicleType.choices, required=False, allow_blank=True, error_messages={"invalid_choice": VEHICLE_TYPE_INVALID}
    )
    insurer = serializers.CharField(max_length=30, required=False, allow_null=True, allow_blank=True)
    insurer_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    driver_name = serializers.CharField(max_length=30, required=False, allow_blank=True)
    index = serializers.IntegerField(required=False, min_value=0)  # echoed back by clients; ignored

    def validate_plate(self, value: str) -> str:
        if value and not is_valid_plate(value):
            raise serializers.ValidationError(PLATE_INVALID)
        return normalize_plate(value)

    def validate_phone(self, value: str) -> str:
        if value and not is_valid_phone(value):
            raise serializers.ValidationError(PHONE_INVALID)
        return normalize_phone(value)

    def validate_insurer(self, value):
        if not value:
            return None
        # One query per request for all parties: the active companies are a short list.
        active = self.context.get("active_insurers")
        if active is None:
            active = {c.code: c for c in InsuranceCompany.objects.filter(is_active=True)}
            self.context["active_insurers"] = active
        company = active.get(value)
        if company is None:
            raise serializers.ValidationError(INSURER_UNKNOWN)
        return company


class DraftInput(StrictSerializer):
    checklist = serializers.DictField(child=serializers.BooleanField(), required=False)
    location = LocationInput(required=False, allow_null=True)
    occurred_at = serializers.CharField(required=False, allow_null=True, max_length=40)
    parties = PartyInput(many=True, required=False, max_length=MAX_PARTIES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parties"].max_length = max_parties()  # a parameter the city admin can change

    def validate_checklist(self, value: dict) -> dict:
        unknown = [key for key in value if key not in CHECKLIST_KEYS]
        if unknown:
            raise serializers.ValidationError(unknown_checklist_message(unknown))
        return value

    def validate_occurred_at(self, value):
        if value in (None, ""):
            return None
        parsed = parse_time(value) if isinstance(value, str) else None
        if parsed is None:
            raise serializers.ValidationError(OCCURRED_AT_INVALID)
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
        return check_occurred_at(parsed, serializers.ValidationError)


def parse_time(text: str) -> datetime | None:
    """An ISO time, or None when it is not one, including well-formed impossible dates
    ("2026-02-30T10:00:00"), for which `parse_datetime` raises instead."""
    try:
        return parse_datetime(text)
    except ValueError:
        return None


def check_occurred_at(value: datetime, error=serializers.ValidationError) -> datetime:
    now = timezone.now()
    if value > now + CLOCK_SKEW:
        raise error("事故时间不能晚于当前时间。")
    days = params.get("max_accident_age_days")
    if value < now - timedelta(days=days):
        raise error(f"事故发生已超过 {days} 天，不能在线快处，请到交警大队办理。")
    return value


# --------------------------------------------------------------------------------------------------------
# parse_draft: DraftInput's contract in plain Python.
#
# DRF behaviour reproduced on purpose (each point is exercised against DraftInput by the tests):
# - CharField checks for blank first, on the untrimmed value, so "   " is blank; otherwise it accepts str,
#   int and float but not bool (123 becomes "123"), trims, then reports max_length, NUL characters and lone
#   surrogates together, measured on the trimmed text.
# - occurred_at does not allow blank: "" gets CharField's "该字段不能为空。", never None. Being a CharField it
#   takes numbers too, and parse_datetime (datetime.fromisoformat first) reads 20261125 as that midnight;
#   a well-formed but impossible date ("2026-02-30T10:00:00") raises ValueError out of both validators.
# - The validate_<field> hooks also run on None when the field allows null (insurer, occurred_at).
# - FloatField takes bools and numeric strings (" 12 ", "1e2", "1_0"), refuses "nan"/"inf", and for an int
#   too large for a float answers with DRF's (untranslated) overflow message.
# - IntegerField takes "3", "3.0", 3.0 and "3.  ", not 3.5 or True.
# - BooleanField takes True/False, 1/0, 1.0/0.0 and the strings of BooleanField.TRUE_VALUES/FALSE_VALUES in
#   any case; None is the "null" error, not "invalid".
# - ChoiceField does not trim; vehicle_type allows exactly "".
# - A nested serializer that is not given a dict answers {"non_field_errors": [...]} under its key; errors in
#   the list of parties are a dict keyed by the int index; a null party gets a bare list.
# - A null body gets {"non_field_errors": ["No data provided"]}, in English (Serializer.errors special case).
# DRF's own messages are read from its classes at call time, so they are translated exactly as the fields'.
# --------------------------------------------------------------------------------------------------------

_NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY
_MISSING = object()
_DRAFT_FIELDS = frozenset(("checklist", "location", "occurred_at", "parties"))
_LOCATION_FIELDS = frozenset(("lng", "lat", "coord_system", "address", "detail"))
_PARTY_FIELDS = frozenset(("plate", "vehicle_type", "insurer", "insurer_name", "phone", "driver_name", "index"))
_CHECKLIST_KEYS = frozenset(CHECKLIST_KEYS)
_COORD_SYSTEMS = {str(value): value for value in COORD_SYSTEMS}
_VEHICLE_TYPES = {str(value): value for value, _label in VehicleType.choices}
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Invalid(Exception):
    """One field's errors, already shaped as DRF files them under the field's key."""

    def __init__(self, detail) -> None:
        super().__init__(detail)
        self.detail = detail


def _drf_error(field_class, key: str, **kwargs) -> list[ErrorDetail]:
    """DRF's own message `key` of `field_class`, formatted as Field.fail does; the code is the key."""
    return [ErrorDetail(str(field_class.default_error_messages[key]).format(**kwargs), code=key)]


def _own_error(message: str, code: str = "invalid") -> list[ErrorDetail]:
    return [ErrorDetail(message, code=code)]


def _rejected(message: str) -> _Invalid:
    """What a `raise serializers.ValidationError(message)` in a validate hook produces."""
    return _Invalid(_own_error(message))


def _null() -> _Invalid:
    return _Invalid(_drf_error(serializers.Field, "null"))


def _unknown_keys(data: dict, known: frozenset) -> _Invalid:
    return _Invalid({key: _own_error(UNKNOWN_FIELD) for key in sorted(set(data) - known)})


def _not_a_dict(data) -> _Invalid:
    message = str(serializers.Serializer.default_error_messages["invalid"]).format(datatype=type(data).__name__)
    return _Invalid({_NON_FIELD: _own_error(message)})


def _char(value, max_length: int, *, allow_blank: bool = True, allow_null: bool = False) -> str | None:
    """A sent value through serializers.CharField(max_length=..., trim_whitespace=True)."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            if allow_blank:
                return ""
            raise _Invalid(_drf_error(serializers.CharField, "blank"))
    elif value is None:
        if allow_null:
            return None
        raise _null()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        text = str(value)
    else:
        raise _Invalid(_drf_error(serializers.CharField, "invalid"))
    if len(text) <= max_length and "\x00" not in text and not _SURROGATE.search(text):
        return text
    # DRF runs all of the field's validators and reports every failure, in this order.
    errors = []
    if len(text) > max_length:
        errors += _drf_error(serializers.CharField, "max_length", max_length=max_length)
    if "\x00" in text:
        errors += _own_error(str(ProhibitNullCharactersValidator.message), ProhibitNullCharactersValidator.code)
    if surrogate := _SURROGATE.search(text):
        message = str(ProhibitSurrogateCharactersValidator.message).format(code_point=ord(surrogate.group()))
        errors += _own_error(message, ProhibitSurrogateCharactersValidator.code)
    raise _Invalid(errors)


def _float(value, invalid: str) -> float:
    """A sent, non-null value through serializers.FloatField with our "invalid" message."""
    if isinstance(value, str) and len(value) > serializers.FloatField.MAX_STRING_LENGTH:
        raise _Invalid(_drf_error(serializers.FloatField, "max_string_length"))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _Invalid(_own_error(invalid))
    except OverflowError:
        raise _Invalid(_drf_error(serializers.FloatField, "overflow"))
    if not math.isfinite(number):
        raise _Invalid(_own_error(invalid))
    return number


def _boolean(value) -> bool:
    """A value through serializers.BooleanField() (not nullable)."""
    if value is None:
        raise _null()
    if isinstance(value, str):
        value = value.lower()
    try:
        if value in serializers.BooleanField.TRUE_VALUES:
            return True
        if value in serializers.BooleanField.FALSE_VALUES:
            return False
    except TypeError:  # unhashable: a list or a dict
        pass
    raise _Invalid(_drf_error(serializers.BooleanField, "invalid"))


def _checklist(value) -> dict:
    if value is None:
        raise _null()
    if not isinstance(value, dict):
        raise _Invalid(_drf_error(serializers.DictField, "not_a_dict", input_type=type(value).__name__))
    result, errors = {}, {}
    for key, item in value.items():
        key = str(key)
        try:
            result[key] = _boolean(item)
        except _Invalid as exc:
            errors[key] = exc.detail
    if errors:
        raise _Invalid(errors)
    unknown = [key for key in result if key not in _CHECKLIST_KEYS]
    if unknown:
        raise _rejected(unknown_checklist_message(unknown))
    return result


def _location(value) -> dict | None:
    if value is None:
        return None
    if isinstance(value, dict) and not _LOCATION_FIELDS.issuperset(value):
        raise _unknown_keys(value, _LOCATION_FIELDS)
    if not isinstance(value, Mapping):
        raise _not_a_dict(value)
    result, errors = {}, {}
    for name, invalid, required in (("lng", LNG_INVALID, LNG_REQUIRED), ("lat", LAT_INVALID, LAT_REQUIRED)):
        raw = value.get(name, _MISSING)
        if raw is _MISSING:
            errors[name] = _own_error(required, "required")
        elif raw is None:
            errors[name] = _null().detail
        else:
            try:
                result[name] = _float(raw, invalid)
            except _Invalid as exc:
                errors[name] = exc.detail
    raw = value.get("coord_system", _MISSING)
    if raw is _MISSING:
        errors["coord_system"] = _own_error(COORD_SYSTEM_REQUIRED, "required")
    elif raw is None:
        errors["coord_system"] = _null().detail
    elif (coord_system := _COORD_SYSTEMS.get(str(raw))) is None:
        errors["coord_system"] = _own_error(COORD_SYSTEM_INVALID, "invalid_choice")
    else:
        result["coord_system"] = coord_system
    for name, max_length in (("address", 200), ("detail", 300)):
        raw = value.get(name, _MISSING)
        if raw is not _MISSING:
            try:
                result[name] = _char(raw, max_length)
            except _Invalid as exc:
                errors[name] = exc.detail
    if errors:
        raise _Invalid(errors)
    # LocationInput.validate; the floats are finite already. Its errors are non-field errors.
    lng, lat = result["lng"], result["lat"]
    if not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise _Invalid({_NON_FIELD: _own_error(OUT_OF_RANGE)})
    if not (73 <= lng <= 136 and 3 <= lat <= 54):
        raise _Invalid({_NON_FIELD: _own_error(OUTSIDE_CHINA)})
    return result


def _occurred_at(value) -> datetime | None:
    text = _char(value, 40, allow_blank=False, allow_null=True)
    if text is None:
        return None
    parsed = parse_time(text)
    if parsed is None:
        raise _rejected(OCCURRED_AT_INVALID)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return check_occurred_at(parsed, _rejected)


def _plate(value) -> str:
    plate = _char(value, 16)
    if plate and not is_valid_plate(plate):
        raise _rejected(PLATE_INVALID)
    return normalize_plate(plate)


def _vehicle_type(value) -> str:
    if value is None:
        raise _null()
    if value == "":
        return ""
    choice = _VEHICLE_TYPES.get(str(value))
    if choice is None:
        raise _Invalid(_own_error(VEHICLE_TYPE_INVALID, "invalid_choice"))
    return choice


def _insurer(value) -> InsuranceCompany | None:
    code = _char(value, 30, allow_null=True)
    if not code:
        return None
    company = companies.active(code)  # the process's insurer directory: no query per draft
    if company is None:
        raise _rejected(INSURER_UNKNOWN)
    return company


def _phone(value) -> str:
    phone = _char(value, 20)
    if phone and not is_valid_phone(phone):
        raise _rejected(PHONE_INVALID)
    return normalize_phone(phone)


def _insurer_name(value) -> str:
    return _char(value, 60)


def _driver_name(value) -> str:
    return _char(value, 30)


def _index(value) -> int:
    """serializers.IntegerField(min_value=0)."""
    if value is None:
        raise _null()
    if isinstance(value, str) and len(value) > serializers.IntegerField.MAX_STRING_LENGTH:
        raise _Invalid(_drf_error(serializers.IntegerField, "max_string_length"))
    try:
        number = int(serializers.IntegerField.re_decimal.sub("", str(value)))
    except (ValueError, TypeError):
        raise _Invalid(_drf_error(serializers.IntegerField, "invalid"))
    if number < 0:
        raise _Invalid(_drf_error(serializers.IntegerField, "min_value", min_value=0))
    return number


# In declaration order: the order of keys in both the result and the errors.
_PARTY_CHECKS = (
    ("plate", _plate),
    ("vehicle_type", _vehicle_type),
    ("insurer", _insurer),
    ("insurer_name", _insurer_name),
    ("phone", _phone),
    ("driver_name", _driver_name),
    ("index", _index),
)


def _party(value) -> dict:
    if value is None:
        raise _null()
    if isinstance(value, dict) and not _PARTY_FIELDS.issuperset(value):
        raise _unknown_keys(value, _PARTY_FIELDS)
    if not isinstance(value, Mapping):
        raise _not_a_dict(value)
    return _fields(value, _PARTY_CHECKS)


def _parties(value) -> list[dict]:
    if value is None:
        raise _null()
    if not isinstance(value, list):
        message = str(serializers.ListSerializer.default_error_messages["not_a_list"]).format(input_type=type(value).__name__)
        raise _Invalid({_NON_FIELD: _own_error(message, "not_a_list")})
    limit = max_parties()
    if len(value) > limit:
        message = str(serializers.ListSerializer.default_error_messages["max_length"]).format(max_length=limit)
        raise _Invalid({_NON_FIELD: _own_error(message, "max_length")})
    result, errors = [], {}
    for index, item in enumerate(value):
        try:
            result.append(_party(item))
        except _Invalid as exc:
            errors[index] = exc.detail
    if errors:
        raise _Invalid(errors)
    return result


_DRAFT_CHECKS = (
    ("checklist", _checklist),
    ("location", _location),
    ("occurred_at", _occurred_at),
    ("parties", _parties),
)


def _fields(data: Mapping, checks) -> dict:
    """Every sent field through its check; keys not sent stay absent. All fields' errors are reported."""
    result, errors = {}, {}
    for name, check in checks:
        raw = data.get(name, _MISSING)
        if raw is _MISSING:
            continue
        try:
            result[name] = check(raw)
        except _Invalid as exc:
            errors[name] = exc.detail
    if errors:
        raise _Invalid(errors)
    return result


def parse_draft(data) -> dict:
    """The owner's draft payload, validated: what `DraftInput(data=data).validated_data` is, or the same
    `ValidationError` that `DraftInput(data=data).is_valid(raise_exception=True)` raises."""
    if html.is_html_input(data):
        # A form-encoded body (QueryDict): DRF reads it with its HTML-form rules ("location.lng" keys, absent
        # booleans as False...). Clients send JSON; leave that rare path to the serializer itself.
        serializer = DraftInput(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
    if data is None:
        raise serializers.ValidationError({_NON_FIELD: [ErrorDetail("No data provided", code="null")]})
    try:
        if isinstance(data, dict) and not _DRAFT_FIELDS.issuperset(data):
            raise _unknown_keys(data, _DRAFT_FIELDS)
        if not isinstance(data, Mapping):
            raise _not_a_dict(data)
        return _fields(data, _DRAFT_CHECKS)
    except _Invalid as exc:
        raise serializers.ValidationError(exc.detail) from None
