from django.db import models


class CaseFact(models.Model):
    """One anonymous row per submitted case: what statistics read.

    Nothing here identifies a person, and nothing points at the case with a foreign key, so the
    row outlives the purge of the case's personal data and past figures never move.
    """

    case_id = models.BigIntegerField("案件编号", unique=True)
    unit_id = models.BigIntegerField("处理单位", null=True, blank=True)
    adcode = models.CharField("县区代码", max_length=12, blank=True)
    submitted_at = models.DateTimeField("提交时间")
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    # The last business status; `expired` is never stored, the status before expiry stays.
    status = models.CharField("状态", max_length=16)
    decision_s = models.PositiveIntegerField("提交至审核用时（秒）", null=True, blank=True)
    inside_jurisdiction = models.BooleanField("在辖区内", default=True)
    insurers = models.JSONField("保险公司代码", default=list, blank=True)
    fraud = models.BooleanField("骗保预警", default=False)
    occurred_hour = models.PositiveSmallIntegerField("事故发生时段", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "统计事实"
        verbose_name_plural = "统计事实"
        permissions = [("view_stats", "查看统计")]
        default_permissions = ()
        indexes = [
            models.Index(fields=["unit_id", "submitted_at"], name="fact_unit_submitted"),
            # A city-wide query has no unit filter and ranges over the submission time alone.
            models.Index(fields=["submitted_at"], name="fact_submitted"),
            models.Index(fields=["updated_at"], name="fact_updated"),
        ]

    def __str__(self) -> str:
        return f"fact:{self.case_id}"


class ArchiveRun(models.Model):
    """One run of the nightly archive copy, with the watermarks the next run starts from."""

    RUNNING, OK, FAILED = "running", "ok", "failed"
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    status = models.CharField("结果", max_length=10, default=RUNNING)
    watermarks = models.JSONField("水位", default=dict, blank=True)
    counts = models.JSONField("复制数量", default=dict, blank=True)
    error = models.TextField("错误", blank=True)

    class Meta:
        verbose_name = "归档记录"
        verbose_name_plural = "归档记录"
        ordering = ["-started_at", "-id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"archive {self.started_at:%Y-%m-%d %H:%M} {self.status}"
