from rest_framework import serializers

from apps.guide.models import Article, ArticleStatus, Category, SlotExample
from apps.guide.services import IMAGE_NAME, image_url


class StrictSerializerMixin:
    """Unknown fields are refused rather than silently dropped, so a typo does not look like success."""

    def validate(self, attrs):
        unknown = sorted(set(getattr(self, "initial_data", {}) or {}) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({key: ["不支持该字段。"] for key in unknown})
        return super().validate(attrs)


class CategorySerializer(serializers.ModelSerializer):
    article_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Category
        fields = ["code", "name", "order", "article_count"]


class PublicArticleListSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code")

    class Meta:
        model = Article
        fields = ["id", "category", "title", "summary", "updated_at"]


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()


class PublicArticleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    category = serializers.CharField()
    category_name = serializers.CharField()
    title = serializers.CharField()
    cover_url = serializers.CharField()
    body_html = serializers.CharField()
    contacts = ContactSerializer(many=True, allow_null=True)
    updated_at = serializers.DateTimeField()


class AdminArticleSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.all(),
                                            error_messages={"does_not_exist": "分类“{value}”不存在。"})
    status = serializers.ChoiceField(choices=ArticleStatus.choices, required=False,
                                     error_messages={"invalid_choice": "状态只能是 draft（草稿）或 published（已发布）。"})
    category_label = serializers.CharField(source="category.name", read_only=True)
    cover_url = serializers.SerializerMethodField()
    updated_by = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = ["id", "category", "category_label", "title", "summary", "body_markdown", "body_html", "status", "order", "cover_image",
                  "cover_url", "updated_by", "created_at", "updated_at"]
        read_only_fields = ["body_html", "created_at", "updated_at"]
        extra_kwargs = {"body_markdown": {"max_length": 50_000}, "order": {"max_value": 100_000}}

    def validate_title(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("请填写标题。")
        return value

    def validate_cover_image(self, value: str) -> str:
        # Only names our own upload endpoint produced; never an outside URL (tracking pixels, mixed content).
        if value and not IMAGE_NAME.match(value):
            raise serializers.ValidationError("封面图片须先通过图片上传接口上传，并填写返回的 name。")
        return value

    def get_cover_url(self, article: Article) -> str:
        return image_url(article.cover_image)

    def get_updated_by(self, article: Article) -> str:
        user = article.updated_by
        return user.shown_name if user else ""


class PublicSlotExampleSerializer(serializers.Serializer):
    slot = serializers.CharField(help_text="照片位代码，如 scene_front")
    label = serializers.CharField(help_text="照片位名称，如 正前方全景")
    caption = serializers.CharField(help_text="拍摄要点，可能为空")
    image_url = serializers.SerializerMethodField()

    def get_image_url(self, example: SlotExample) -> str:
        return image_url(example.image)


class AdminSlotExampleSerializer(serializers.Serializer):
    """One row per media slot; the example fields are null for a slot that uses the built-in drawing."""

    slot = serializers.CharField()
    label = serializers.CharField()
    caption = serializers.CharField(source="example.caption", allow_null=True, default=None)
    image = serializers.CharField(source="example.image", allow_null=True, default=None)
    image_url = serializers.SerializerMethodField()
    updated_by = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(source="example.updated_at", allow_null=True, default=None)

    def get_image_url(self, row: dict) -> str | None:
        return image_url(row["example"].image) if row["example"] else None

    def get_updated_by(self, row: dict) -> str | None:
        user = row["example"].updated_by if row["example"] else None
        return user.shown_name if user else None


CAPTION_MAX = SlotExample._meta.get_field("caption").max_length
CAPTION_ERRORS = {"max_length": "拍摄要点最多 {max_length} 个字。", "required": "请填写拍摄要点（可为空字符串）。",
                  "invalid": "拍摄要点须为文字。", "null": "拍摄要点不能为 null，不填请用空字符串。"}


class SlotExampleCaptionSerializer(StrictSerializerMixin, serializers.Serializer):
    caption = serializers.CharField(max_length=CAPTION_MAX, allow_blank=True, error_messages=CAPTION_ERRORS,
                                    help_text="拍摄要点，如“站在车头正前方5米拍全景”；空字符串表示不显示")


class SlotExampleUploadSerializer(StrictSerializerMixin, serializers.Serializer):
    file = serializers.FileField(help_text="JPEG/PNG/WEBP/GIF，至多 5 MB，按内容校验", error_messages={
        "required": "请选择要上传的图片（字段名 file）。", "invalid": "请选择要上传的图片（字段名 file）。",
        "no_name": "请选择要上传的图片（字段名 file）。", "empty": "图片文件为空，请重新选择。"})
    # Replacing the photo keeps the caption unless a new one is sent.
    caption = serializers.CharField(max_length=CAPTION_MAX, allow_blank=True, required=False, error_messages=CAPTION_ERRORS,
                                    help_text="拍摄要点；不传则保留原有的")
