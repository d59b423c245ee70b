from django.db import models
from django.db.models import Q


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


class Figures(models.Model):
    """Facts of one unit over one period, added up (the roll-up rows, see `apps.stats.rollup`).

    Derived data, rebuilt from the facts and written nowhere else; not archived.
    """

    unit_id = models.BigIntegerField("处理单位", null=True, blank=True)
    submitted = models.PositiveIntegerField("报案数", default=0)
    accepted = models.PositiveIntegerField("适用快处快赔", default=0)  # accepted or closed
    rejected = models.PositiveIntegerField("不适用", default=0)
    voided = models.PositiveIntegerField("作废", default=0)
    closed = models.PositiveIntegerField("已办结", default=0)
    decided = models.PositiveIntegerField("已审核", default=0)  # accepted, closed or rejected
    fraud = models.PositiveIntegerField("骗保预警", default=0)
    inside = models.PositiveIntegerField("在辖区内", default=0)
    # 24 counts by the hour the accident happened (cases without a time are not counted).
    hours = models.JSONField("事故发生时段", default=list, blank=True)
    # Insurer code -> cases naming it (a case with two insurers counts once for each).
    insurers = models.JSONField("保险公司", default=dict, blank=True)
    # Bucket of the decision time -> cases (see apps.stats.rollup.bucket).
    decision_hist = models.JSONField("审核用时分布", default=dict, blank=True)

    class Meta:
        abstract = True


class DailyFigure(Figures):
    """The facts of one local day (Asia/Shanghai, by submission time) and one unit.

    What the statistics read instead of the facts: a year is a few thousand of these rows.
    """

    day = models.DateField("日期")

    class Meta:
        verbose_name = "每日统计"
        verbose_name_plural = "每日统计"
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["day", "unit_id"], name="figure_day_unit"),
            # A unique index treats NULLs as distinct: the cases without a unit need their own rule.
            models.UniqueConstraint(fields=["day"], condition=Q(unit_id__isnull=True), name="figure_day_no_unit"),
        ]

    def __str__(self) -> str:
        return f"figures {self.day} unit {self.unit_id}"


class MonthlyFigure(Figures):
    """The daily rows of one calendar month and unit, added up: a long range reads its whole months
    from here and only the days at its ends from `DailyFigure`."""

    month = models.DateField("月份")  # the first day of the month

    class Meta:
        verbose_name = "每月统计"
        verbose_name_plural = "每月统计"
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["month", "unit_id"], name="figure_month_unit"),
            models.UniqueConstraint(fields=["month"], condition=Q(unit_id__isnull=True), name="figure_month_no_unit"),
        ]

    def __str__(self) -> str:
        return f"figures {self.month:%Y-%m} unit {self.unit_id}"


class RollupState(models.Model):
    """Where the daily roll-up stands (one row).

    `fingerprint` is the count and total age of the facts updated at or after `checked_from`, taken
    at `checked_at` just before the roll-up was brought up to date: while the same query gives the
    same answer, no fact has changed since.
    """

    checked_from = models.DateTimeField("检查起点", null=True, blank=True)
    checked_at = models.DateTimeField("检查时间", null=True, blank=True)
    fingerprint = models.CharField("指纹", max_length=64, blank=True)
    rebuilt_at = models.DateTimeField("全量重建时间", null=True, blank=True)

    class Meta:
        verbose_name = "统计汇总状态"
        verbose_name_plural = "统计汇总状态"
        default_permissions = ()

    def __str__(self) -> str:
        return f"rollup checked {self.checked_at}"


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
