from django.conf import settings
from django.db import models


class Alert(models.Model):
    """A stored alert. The socket message is only a hint; clients resync from here by id."""

    type = models.CharField(max_length=30)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="alerts", db_index=False)  # alert_unit_id
    title = models.CharField(max_length=200)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["unit", "id"], name="alert_unit_id")]


class ReadMark(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_read_mark")
    last_read_id = models.BigIntegerField(default=0)
