from rest_framework import serializers

from apps.guide.models import Article, ArticleStatus, Category
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
        return (user.display_name or user.username) if user else ""
