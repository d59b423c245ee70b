from django.core.exceptions import ValidationError
from django.db import models
from mptt.models import MPTTModel, TreeForeignKey


class UnitKind(models.TextChoices):
    PROVINCE = "province", "省级总队"
    CITY = "city", "市级支队"
    COUNTY = "county", "县级大队"
    STATION = "station", "派出所"
    SERVICE_CENTRE = "service_centre", "快处快赔服务中心"


# Units above the county brigades: they handle the cases outside every county, and their statistics
# break down by their direct children. A province-wide tree has a province over the prefectures.
ABOVE_COUNTY = frozenset({UnitKind.PROVINCE, UnitKind.CITY})


class Unit(MPTTModel):
    """A police unit. The tree decides who sees what: a unit sees its whole subtree."""

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=UnitKind.choices)
    adcode = models.CharField("行政区划代码", max_length=12, blank=True, db_index=True)
    phone = models.CharField("电话", max_length=40, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    # Point location in GCJ-02 (what Chinese maps and WeChat use).
    lng = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    # GeoJSON geometry (Polygon/MultiPolygon, GCJ-02) of the territory this unit handles.
    jurisdiction = models.JSONField("辖区边界", null=True, blank=True)
    jurisdiction_source = models.CharField("边界来源", max_length=200, blank=True)
    is_active = models.BooleanField("启用", default=True)
    parent = TreeForeignKey(
        "self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class MPTTMeta:
        order_insertion_by = ["adcode", "name"]

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent_id and self.pk:
            if self.parent_id == self.pk or self.parent.is_descendant_of(self):
                raise ValidationError({"parent": "不能把单位移动到它自己或它的下级单位之下。"})

    def summary(self) -> dict:
        return {"id": self.pk, "name": self.name, "adcode": self.adcode, "phone": self.phone}
