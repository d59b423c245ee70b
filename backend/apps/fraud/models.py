from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    REPEAT_PLATE = "repeat_plate", "同一车辆多次事故"
    SAME_PHOTO = "same_photo", "照片与其他案件完全相同"
    SIMILAR_PHOTO = "similar_photo", "照片与其他案件高度相似"
    EXIF_TIME = "exif_time", "拍摄时间与事故时间不符"
    EXIF_PLACE = "exif_place", "拍摄地点与事故地点不符"
    SHARED_PHONE = "shared_phone", "同一手机号关联多辆车"
    REPEAT_PAIR = "repeat_pair", "同一对车辆再次发生事故"


class FraudWarning(models.Model):
    """One reason to look twice at a case. `plate` is the key within (case, kind): the plate for
    plate counts, the other case's receipt number for photo and pair matches, the masked phone for
    shared phones, empty for EXIF checks."""

    # No index of its own: the unique (case, kind, plate) leads with the case.
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="fraud_warnings", db_index=False)
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.REPEAT_PLATE)
    plate = models.CharField(max_length=16)  # fraud_plate: the list filters by the exact plate
    count = models.PositiveIntegerField()
    window_days = models.PositiveIntegerField()
    reason = models.CharField(max_length=300)
    active = models.BooleanField(default=True)
    # The other case a photo or pair match points at: voiding it withdraws the match.
    related_case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Nullable so that bulk SQL loaders (bench, archive restore) need not know the column.
    data = models.JSONField(default=dict, blank=True, null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_station = models.ForeignKey("units.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("dispatch", "安排派出所出警")]
        constraints = [models.UniqueConstraint(fields=["case", "kind", "plate"], name="fraud_case_kind_plate")]
        # A plain index (db_index would add a pattern-ops twin on PostgreSQL that no query uses).
        indexes = [models.Index(fields=["plate"], name="fraud_plate")]
