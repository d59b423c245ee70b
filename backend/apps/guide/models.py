from django.conf import settings
from django.db import models

from apps.cases.media_slots import ALL_SLOTS


class Category(models.Model):
    """A section of the 操作指南. Two codes render live data instead of stored text (see contacts.py)."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=40)
    order = models.PositiveIntegerField("排序", default=100)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = "指南分类"
        verbose_name_plural = "指南分类"

    def __str__(self) -> str:
        return self.name


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"


class Article(models.Model):
    category = models.ForeignKey(Category, verbose_name="分类", on_delete=models.PROTECT, related_name="articles")
    # Stable key for the seed, so re-seeding updates its own articles and leaves admin-written ones alone.
    slug = models.SlugField("标识", max_length=60, unique=True, null=True, blank=True)
    title = models.CharField("标题", max_length=80)
    summary = models.CharField("摘要", max_length=200, blank=True)
    body_markdown = models.TextField("正文（Markdown）", blank=True)
    # Rendered and sanitised once on save: the public read path never runs the Markdown parser.
    body_html = models.TextField("正文（HTML）", blank=True, editable=False)
    status = models.CharField("状态", max_length=12, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    order = models.PositiveIntegerField("排序", default=100)
    cover_image = models.CharField("封面图片", max_length=120, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="最后修改人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["category__order", "order", "id"]
        indexes = [models.Index(fields=["category", "status", "order"])]
        verbose_name = "指南文章"
        verbose_name_plural = "指南文章"

    def __str__(self) -> str:
        return self.title


class SlotExample(models.Model):
    """The example photo the H5 shows on a media slot instead of its built-in drawing.

    `slot` is a media slot code of `apps.cases.media_slots.ALL_SLOTS`, checked by the service rather
    than as field choices so the list lives in one place only.
    """

    slot = models.CharField("照片位", max_length=24, unique=True)
    image = models.CharField("示例图片", max_length=120)
    caption = models.CharField("拍摄要点", max_length=60, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="最后修改人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["slot"]
        verbose_name = "拍照示意图"
        verbose_name_plural = "拍照示意图"

    def __str__(self) -> str:
        return self.slot

    @property
    def label(self) -> str:
        return ALL_SLOTS.get(self.slot, self.slot)
