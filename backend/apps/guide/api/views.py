from django.core.files.storage import default_storage
from django.http import FileResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import ApiError
from apps.common.permissions import IsStaff
from apps.common.throttling import PublicThrottle, UploadThrottle
from apps.guide import selectors, services
from apps.guide.models import Article
from apps.guide.services import CONTENT_TYPES, IMAGE_DIR, IMAGE_NAME

from .serializers import AdminArticleSerializer, CategorySerializer, PublicArticleListSerializer, PublicArticleSerializer

ARTICLE_PERMS = {
    "list": ("guide.view_article",),
    "retrieve": ("guide.view_article",),
    "create": ("guide.add_article",),
    "partial_update": ("guide.change_article",),
    "destroy": ("guide.delete_article",),
    "*": ("guide.change_article",),
}


class PublicView(APIView):
    """Guide content is public: no authentication, so a stale owner token in the H5 cannot break it."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [PublicThrottle]


class CategoryListView(PublicView):
    @extend_schema(summary="操作指南分类", responses=CategorySerializer(many=True))
    def get(self, request):
        return Response(CategorySerializer(selectors.categories_with_counts(), many=True).data)


class ArticleListView(PublicView):
    @extend_schema(summary="已发布的指南文章", parameters=[OpenApiParameter("category", str, description="分类代码")],
                   responses=PublicArticleListSerializer(many=True))
    def get(self, request):
        category = request.query_params.get("category", "").strip()[:40] or None
        return Response(PublicArticleListSerializer(selectors.published_articles(category), many=True).data)


class ArticleDetailView(PublicView):
    @extend_schema(summary="指南文章（body_html 已净化）", responses=PublicArticleSerializer)
    def get(self, request, pk: int):
        article = selectors.published_article(pk)
        if article is None:
            raise ApiError("not_found", "该指南文章不存在或尚未发布。", 404)
        body_html, contacts = selectors.public_body(article)
        return Response(PublicArticleSerializer({
            "id": article.pk, "category": article.category.code, "category_name": article.category.name,
            "title": article.title, "cover_url": services.image_url(article.cover_image), "body_html": body_html,
            "contacts": contacts, "updated_at": article.updated_at,
        }).data)


class ImageView(PublicView):
    @extend_schema(summary="指南图片（公开内容）", responses={(200, "image/*"): bytes})
    def get(self, request, name: str):
        # The name pattern is the whole defence against path tricks: 64 hex digits and a known extension.
        if not IMAGE_NAME.match(name):
            raise ApiError("not_found", "图片不存在。", 404)
        path = f"{IMAGE_DIR}/{name}"
        if not default_storage.exists(path):
            raise ApiError("not_found", "图片不存在。", 404)
        response = FileResponse(default_storage.open(path, "rb"), content_type=CONTENT_TYPES["." + name.rsplit(".", 1)[1]])
        # Content-addressed names never change content, so browsers and proxies may keep them.
        response["Cache-Control"] = "public, max-age=2592000, immutable"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


class ImageUploadView(APIView):
    permission_classes = [IsStaff]
    required_perms = ("guide.change_article",)
    parser_classes = [MultiPartParser]
    throttle_classes = [UploadThrottle]

    @extend_schema(
        summary="上传指南图片",
        request={"multipart/form-data": inline_serializer("GuideImageUpload", {"file": serializers.FileField()})},
        responses={201: inline_serializer("GuideImage", {"name": serializers.CharField(), "url": serializers.CharField()})},
    )
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise ApiError("invalid", "请选择要上传的图片（字段名 file）。", 400, errors={"file": ["请选择图片。"]})
        name = services.store_image(request, upload)
        return Response({"name": name, "url": services.image_url(name)}, status=status.HTTP_201_CREATED)


@extend_schema(tags=["guide-admin"])
class ArticleAdminViewSet(viewsets.ModelViewSet):
    """Articles for city admins, drafts included. Writes go through services (rendered and audited)."""

    permission_classes = [IsStaff]
    required_perms = ARTICLE_PERMS
    serializer_class = AdminArticleSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        articles = Article.objects.select_related("category", "updated_by").order_by("category__order", "order", "id")
        params = self.request.query_params
        if params.get("category"):
            articles = articles.filter(category__code=params["category"])
        if params.get("status"):
            articles = articles.filter(status=params["status"])
        if params.get("q"):
            articles = articles.filter(title__icontains=params["q"][:50])
        return articles

    def perform_create(self, serializer):
        serializer.instance = services.create_article(self.request, serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_article(self.request, serializer.instance, serializer.validated_data)

    def perform_destroy(self, instance):
        services.delete_article(self.request, instance)
