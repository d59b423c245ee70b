from django.conf import settings
from django.db import models


class Status(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审核"
    REVIEWING = "reviewing", "审核中"
    ACCEPTED = "accepted", "适用快处快赔"
    REJECTED = "rejected", "不适用"
    VOIDED = "voided", "作废"
    CLOSED = "closed", "已办结"
    EXPIRED = "expired", "已过期"


class VehicleType(models.TextChoices):
    SMALL_CAR = "small_car", "小型汽车"
    LARGE_CAR = "large_car", "大型汽车"
    NEW_ENERGY_SMALL = "new_energy_small", "小型新能源汽车"
    NEW_ENERGY_LARGE = "new_energy_large", "大型新能源汽车"
    MOTORCYCLE = "motorcycle", "摩托车"
    TRUCK = "truck", "货车"
    OTHER = "other", "其他"


class Liability(models.TextChoices):
    FULL = "full", "全部责任"
    MAJOR = "major", "主要责任"
    EQUAL = "equal", "同等责任"
    MINOR = "minor", "次要责任"
    NONE = "none", "无责任"


class Case(models.Model):
    # The owner's and the unit's lookups use the composite indexes below, which lead with these columns;
    # a second index of the column alone would only be one more to write on every insert and submit.
    owner = models.ForeignKey("wechat.Owner", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases",
                              db_index=False)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    receipt_no = models.CharField("受理号", max_length=16, unique=True, null=True, blank=True)
    unit = models.ForeignKey("units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="cases",
                             db_index=False)
    inside_jurisdiction = models.BooleanField("在辖区内", default=True)

    checklist = models.JSONField("必须报警情形自查", default=dict, blank=True)
    # As given by the client, plus both datums; polygons and maps use GCJ-02.
    lng = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    coord_system = models.CharField(max_length=8, blank=True)
    gcj_lng = models.FloatField(null=True, blank=True)
    gcj_lat = models.FloatField(null=True, blank=True)
    wgs_lng = models.FloatField(null=True, blank=True)
    wgs_lat = models.FloatField(null=True, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    address_detail = models.CharField("补充说明", max_length=300, blank=True)
    occurred_at = models.DateTimeField("事故时间", null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    idempotency_key = models.CharField(max_length=80, blank=True)

    # Not indexed: no query filters by it (migration 0006).
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="claimed_cases",
        db_index=False,
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    feedback = models.TextField("处理意见", blank=True)
    closing_notes = models.TextField("办结备注", blank=True)
    has_fraud_warning = models.BooleanField("骗保预警", default=False)
    purged_at = models.DateTimeField("个人数据清除时间", null=True, blank=True)
    # The owner's questionnaire answers and what they suggest (apps/cases/liability.py). Only a
    # suggestion: the liability that counts is Party.liability, set by an officer on closing.
    liability_suggestion = models.JSONField("责任自助判断（仅供参考）", null=True, blank=True)
    # {"<party index>": {"at": iso time, "ip": address}}: who confirmed the 自行协商协议书 (apps/cases/agreement.py).
    agreement_confirmations = models.JSONField("协议书确认", default=dict, blank=True)

    class Meta:
        verbose_name = "案件"
        verbose_name_plural = "案件"
        indexes = [
            models.Index(fields=["unit", "-submitted_at", "-id"], name="case_unit_submitted"),
            models.Index(fields=["-submitted_at", "-id"], name="case_submitted"),
            models.Index(fields=["status", "-submitted_at"], name="case_status_submitted"),
            models.Index(fields=["owner", "-created_at"], name="case_owner_created"),
            # The draft quota counts an owner's drafts at every new draft; an owner's submitted cases,
            # however many, stay out of that count's way (the statement names the status literally).
            models.Index(fields=["owner"], condition=models.Q(status="draft"), name="case_owner_drafts"),
        ]
        permissions = [
            ("claim_case", "接单"),
            ("decide_case", "审核案件"),
            ("void_case", "作废案件"),
            ("transfer_case", "转办案件"),
            ("close_case", "办结案件"),
            ("export_evidence", "下载证据包"),
        ]

    def __str__(self) -> str:
        return self.receipt_no or f"草稿 {self.pk}"


class Party(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties", db_index=False)  # party_case_index
    index = models.PositiveSmallIntegerField()
    plate = models.CharField("号牌", max_length=16, blank=True)
    plate_normalized = models.CharField(max_length=16, blank=True)
    vehicle_type = models.CharField("车辆类型", max_length=20, choices=VehicleType.choices, blank=True)
    insurer = models.ForeignKey(
        "insurers.InsuranceCompany", null=True, blank=True, on_delete=models.PROTECT, related_name="parties"
    )
    insurer_name = models.CharField("保险公司（自填）", max_length=60, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)
    driver_name = models.CharField("驾驶人", max_length=30, blank=True)
    liability = models.CharField("责任", max_length=8, choices=Liability.choices, blank=True)
    # Copied from the case on submit so the fraud count is one index range scan.
    occurred_at = models.DateTimeField(null=True, blank=True)
    counts_for_fraud = models.BooleanField(default=False)

    class Meta:
        ordering = ["case", "index"]
        constraints = [models.UniqueConstraint(fields=["case", "index"], name="party_case_index")]
        indexes = [
            models.Index(
                fields=["plate_normalized", "occurred_at"],
                name="party_plate_fraud",
                condition=models.Q(counts_for_fraud=True),
            ),
            # The shared-phone fraud signal looks parties up by phone within the same window.
            models.Index(
                fields=["phone", "occurred_at"],
                name="party_phone_fraud",
                condition=models.Q(counts_for_fraud=True),
            ),
        ]


def media_path(instance: "Media", filename: str) -> str:
    # The stored name never uses the uploaded file name: it may carry paths or personal data.
    return f"cases/{instance.case_id}/{instance.sha256[:2]}/{instance.sha256}{instance.extension}"


class Media(models.Model):
    IMAGE, VIDEO = "image", "video"
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="media")
    slot = models.CharField(max_length=20)
    party = models.PositiveSmallIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=8)
    file = models.FileField(upload_to=media_path, max_length=200)
    thumbnail = models.FileField(upload_to="thumbs/", max_length=200, blank=True)
    extension = models.CharField(max_length=8)
    content_type = models.CharField(max_length=60)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    phash = models.CharField(max_length=16, blank=True, db_index=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    exif_taken_at = models.DateTimeField(null=True, blank=True)
    exif_lng = models.FloatField(null=True, blank=True)
    exif_lat = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class CaseEvent(models.Model):
    """The timeline. `note` is shown to owners; the actor is shown only to staff."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=30)
    status = models.CharField(max_length=16, choices=Status.choices)
    note = models.TextField(blank=True)
    # Not indexed: entries are only read by their case (migration 0006).
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              db_index=False)
    unit = models.ForeignKey("units.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             db_index=False)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]


class InsurerClaim(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="insurer_claims")
    company = models.ForeignKey("insurers.InsuranceCompany", on_delete=models.PROTECT, related_name="claims")
    claim_no = models.CharField("理赔受理号", max_length=40)
    accepted_at = models.DateTimeField("受理时间")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "company"], name="claim_case_company")]
