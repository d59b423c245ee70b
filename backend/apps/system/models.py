from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """Append-only record of every staff action and every login attempt."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField("账号", max_length=150, blank=True, db_index=True)
    unit_name = models.CharField("单位", max_length=100, blank=True)
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    action = models.CharField("操作", max_length=60, db_index=True)
    object_type = models.CharField("对象类型", max_length=60, blank=True)
    object_id = models.CharField("对象", max_length=64, blank=True)
    success = models.BooleanField("成功", default=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("audit entries are append-only")


class Parameter(models.Model):
    """Stored value of a parameter; definitions and defaults live in apps.system.parameters."""

    key = models.CharField(max_length=60, unique=True)
    value = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = "系统参数"
        verbose_name_plural = "系统参数"
