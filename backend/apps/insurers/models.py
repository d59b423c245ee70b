from django.db import models


class InsuranceCompany(models.Model):
    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=60)
    full_name = models.CharField("全称", max_length=120, blank=True)
    hotline = models.CharField("报案电话", max_length=30, blank=True)
    order = models.PositiveIntegerField("排序", default=100)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = "保险公司"
        verbose_name_plural = "保险公司"
        permissions = [("lookup_case", "按受理号查询本公司承保的案件"), ("record_claim", "登记理赔受理")]

    def __str__(self) -> str:
        return self.name
