"""Typed parameters with defaults, read through one cached accessor.

    from apps.system.parameters import params
    params.get("fraud_threshold")

Values are cached per process for a few seconds and invalidated through the shared cache, so a
change made by a city admin takes effect everywhere without a restart.
"""

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError

INT, DURATION, BOOL, TEXT, CHOICE = "int", "duration", "bool", "text", "choice"


@dataclass(frozen=True)
class Definition:
    key: str
    type: str
    default: Any
    description: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    unit: str = ""


DEFINITIONS: dict[str, Definition] = {
    d.key: d
    for d in [
        Definition("fraud_threshold", INT, 3, "骗保预警阈值：同一车辆在统计窗口内的事故次数（含本次）达到该值即预警", 2, 100, unit="次"),
        Definition("fraud_window_days", DURATION, 365, "骗保预警统计窗口", 1, 3650, unit="天"),
        Definition("retention_days", DURATION, 365, "车主数据有效期，到期后按“到期处理方式”处理", 30, 3650, unit="天"),
        Definition(
            "retention_action", CHOICE, "delete", "车主数据到期处理方式",
            choices=(("delete", "删除个人数据和照片视频"), ("invalidate", "标记为无效（保留加密前的原始记录）")),
        ),
        Definition("photo_similarity_bits", INT, 6,
                   "相似照片预警：两张现场照片的感知哈希（64 位）相差不超过该位数即视为同一场景", 0, 12, unit="位"),
        Definition("photo_scan_days", DURATION, 30,
                   "相似照片预警的比对范围：最近多少天内提交的案件（完全相同的照片在整个骗保统计窗口内比对）", 1, 365, unit="天"),
        Definition("exif_time_tolerance_minutes", INT, 120,
                   "照片拍摄时间（EXIF）与申报事故时间相差超过该值即预警", 5, 10080, unit="分钟"),
        Definition("exif_distance_km", INT, 5, "照片拍摄地点（EXIF GPS）与申报事故地点相距超过该值即预警", 1, 500, unit="公里"),
        Definition("phone_plate_threshold", INT, 3,
                   "同一手机号在骗保统计窗口内关联的不同号牌数超过该值即预警", 1, 100, unit="个"),
        Definition("photo_max_mb", INT, 15, "单张照片大小上限", 1, 50, unit="MB"),
        Definition("video_max_mb", INT, 200, "单个视频大小上限", 10, 1024, unit="MB"),
        Definition("max_accident_age_days", DURATION, 7, "可报案的事故最长时间（超过则不能在线报案）", 1, 90, unit="天"),
        Definition(
            "required_media_slots", TEXT, "scene_front,scene_rear,scene_contact",
            "提交前必须上传的照片位（逗号分隔）",
        ),
        Definition("review_service_hours", TEXT, "00:00-24:00", "审核中心服务时间（如 08:00-20:00）"),
        Definition("max_drafts_per_owner", INT, 10, "每位车主同时保留的草稿数上限", 1, 100, unit="份"),
        Definition("max_media_per_case", INT, 40, "每个案件最多上传的文件数", 5, 200, unit="个"),
        # The requirements put no limit on the parties of one accident; this one only stops abuse, and a
        # city can raise it for a pile-up.
        Definition("max_parties", INT, 20, "每起事故最多填写的当事人数", 2, 100, unit="方"),
        Definition(
            "notify_accepted_text", TEXT,
            "您的事故已受理，适用快处快赔。请立即将车辆移至不妨碍交通的地点，双方携带驾驶证、行驶证、保险单到快处快赔服务中心办理。",
            "“适用快处快赔”通知文字",
        ),
        Definition(
            "notify_rejected_text", TEXT,
            "您的事故不适用快处快赔，请开启危险报警闪光灯、在来车方向放置三角警示牌，人员撤至安全处，在现场等候交警处理。",
            "“不适用”通知文字",
        ),
        Definition(
            "notify_voided_text", TEXT, "您提交的资料不符合要求，已作废，请按提示重新提交。", "“作废”通知文字"
        ),
    ]
}

_VERSION_KEY = "system:parameters-version"
_LOCAL_TTL = 5.0


def coerce(definition: Definition, value: Any) -> Any:
    """Validate and convert a submitted value; raises ValidationError with a Chinese message."""
    if definition.type in (INT, DURATION):
        if isinstance(value, bool):
            raise ValidationError("请输入整数。")
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError) as exc:
            raise ValidationError("请输入整数。") from exc
        if definition.minimum is not None and number < definition.minimum:
            raise ValidationError(f"不能小于 {definition.minimum}。")
        if definition.maximum is not None and number > definition.maximum:
            raise ValidationError(f"不能大于 {definition.maximum}。")
        return number
    if definition.type == BOOL:
        if isinstance(value, bool):
            return value
        raise ValidationError("请选择是或否。")
    if definition.type == CHOICE:
        allowed = [code for code, _ in definition.choices]
        if value not in allowed:
            raise ValidationError(f"取值必须是以下之一：{'、'.join(allowed)}。")
        return value
    if not isinstance(value, str):
        raise ValidationError("请输入文字。")
    value = value.strip()
    if len(value) > 500:
        raise ValidationError("文字不能超过 500 个字符。")
    if definition.key == "required_media_slots":
        from apps.cases.media_slots import SCENE_SLOTS

        slots = [s.strip() for s in value.split(",") if s.strip()]
        unknown = [s for s in slots if s not in SCENE_SLOTS]
        if unknown:
            raise ValidationError(f"未知的照片位：{'、'.join(unknown)}。")
        return ",".join(slots)
    if definition.key == "review_service_hours":
        return _service_hours(value)
    return value


_HOURS = re.compile(r"^(\d{1,2})[:：](\d{2})\s*[-－–—~～至]\s*(\d{1,2})[:：](\d{2})$")


def _service_hours(value: str) -> str:
    """"08:00-20:00" (24:00 allowed as the end of the day); normalised to HH:MM-HH:MM."""
    match = _HOURS.match(value)
    if not match:
        raise ValidationError("请按“08:00-20:00”的格式填写服务时间。")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if h1 > 23 or m1 > 59 or m2 > 59 or end > 24 * 60:
        raise ValidationError("服务时间不是有效的时刻（00:00 至 24:00）。")
    if start >= end:
        raise ValidationError("服务时间的开始时刻必须早于结束时刻。")
    return f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"


class Parameters:
    def __init__(self) -> None:
        self._values: dict[str, Any] | None = None
        self._version: Any = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def _load(self) -> dict[str, Any]:
        from .models import Parameter

        values = {key: d.default for key, d in DEFINITIONS.items()}
        for row in Parameter.objects.all():
            if row.key in DEFINITIONS:
                values[row.key] = row.value
        return values

    def _shared_version(self) -> Any:
        try:
            return cache.get(_VERSION_KEY, 0)
        except Exception:
            return self._version

    def all(self) -> dict[str, Any]:
        if self._values is None or time.monotonic() - self._checked > _LOCAL_TTL:
            self.refresh()
        return self._values

    def refresh(self) -> None:
        """Look at the shared version now, and reload if it moved."""
        now = time.monotonic()
        version = self._shared_version()
        with self._lock:
            if self._values is None or version != self._version:
                self._values = self._load()
                self._version = version
            self._checked = now

    def fresh(self, margin: float = 1.0) -> bool:
        """Whether the next `margin` seconds of reads are served from memory, with no look at the shared
        version (code on an event loop must not wait on the cache or the database)."""
        return self._values is not None and time.monotonic() + margin - self._checked <= _LOCAL_TTL

    def get(self, key: str) -> Any:
        if key not in DEFINITIONS:
            raise KeyError(key)
        return self.all()[key]

    def invalidate(self) -> None:
        try:
            cache.set(_VERSION_KEY, time.time_ns(), None)
        except Exception:
            pass
        self._values = None


params = Parameters()


def required_media_slots() -> list[str]:
    """The photo slots a draft must have before it is submitted, in order."""
    return [s.strip() for s in str(params.get("required_media_slots")).split(",") if s.strip()]

# What the car-owner H5 needs before a session exists (GET /api/v1/owner/settings). Nothing personal.
OWNER_KEYS = ("required_media_slots", "max_accident_age_days", "photo_max_mb", "video_max_mb", "review_service_hours",
              "max_parties")


def owner_settings() -> dict[str, Any]:
    values = {key: params.get(key) for key in OWNER_KEYS}
    values["required_media_slots"] = required_media_slots()
    try:  # a row saved before the value was validated must not break every owner page
        values["review_service_hours"] = _service_hours(str(values["review_service_hours"]).strip())
    except ValidationError:
        values["review_service_hours"] = DEFINITIONS["review_service_hours"].default
    return values
