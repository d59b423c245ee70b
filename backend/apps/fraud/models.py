from django.conf import settings
from django.db import models


class FraudWarning(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="fraud_warnings")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, default="repeat_plate")
    plate = models.CharField(max_length=16, db_index=True)
    count = models.PositiveIntegerField()
    window_days = models.PositiveIntegerField()
    reason = models.CharField(max_length=300)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_station = models.ForeignKey("units.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("dispatch", "安排派出所出警")]
        constraints = [models.UniqueConstraint(fields=["case", "kind", "plate"], name="fraud_case_kind_plate")]
