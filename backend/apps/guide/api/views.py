from django.core.files.storage import default_storage
from django.http import FileResponse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.cases.media_slots import ALL_SLOTS
from apps.common.exceptions import ApiError
from apps.common.permissions import IsStaff
from apps.common.throttling import PublicThrottle, UploadThrottle
from apps.guide import selectors, services
from apps.guide.models import Article
from apps.guide.services import CONTENT_TYPES, IMAGE_DIR, IMAGE_NAME

from .serializers import (
    AdminArticleSerializer,
    AdminSlotExampleSerializer,
    CategorySerializer,
    PublicArticleListSerializer,
    PublicArticleSerializer,
    PublicSlotExampleSerializer,
    SlotExampleCaptionSerializer,
    SlotExampleUploadSerializer,
)

ARTICLE_PERMS = {
    "list": ("guide.view_article",),
    "retrieve": ("guide.view_article",),
    "create": ("guide.add_article",),
    "partial_update": ("guide.change_article",),
    "destroy": ("guide.delete_article",),
    "*": ("guide.change_article",),
}
# Example photos are part of the guide: whoever may edit articles may change them.
SLOT_EXAMPLE_PERMS = {"GET": ("guide.view_article",), "*": ("guide.change_article",)}

ApiErrorSchema = inline_serializer("GuideError", {
    "code": serializers.CharField(), "detail": serializers.CharField(),
    "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)})
SLOT_PARAMETER = OpenApiParameter("slot", str, OpenApiParameter.PATH, enum=list(ALL_SLOTS),
                                  description="照片位代码：" + "、".join(f"{code}（{label}）" for code, label in ALL_SLOTS.items()))


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


class SlotExampleListView(PublicView):
    @extend_schema(
        summary="各照片位的拍照示意图（只列出市级管理员设置了示例照片的照片位）",
        description="未列出的照片位由车主端显示内置示意图。内容公开，可缓存 60 秒。",
        responses=PublicSlotExampleSerializer(many=True),
        examples=[OpenApiExample("正前方全景", response_only=True, value=[{
            "slot": "scene_front", "label": "正前方全景", "caption": "站在车头正前方5米拍全景",
            "image_url": "/api/v1/guide/images/3f5c…e1.jpg"}])],
    )
    def get(self, request):
        response = Response(PublicSlotExampleSerializer(selectors.published_slot_examples(), many=True).data)
        response["Cache-Control"] = "public, max-age=60"
        return response


@extend_schema(tags=["guide-admin"])
class SlotExampleAdminListView(APIView):
    permission_classes = [IsStaff]
    required_perms = SLOT_EXAMPLE_PERMS

    @extend_schema(summary="拍照示意图（每个照片位一行，未设置的为 null）", responses=AdminSlotExampleSerializer(many=True))
    def get(self, request):
        return Response(AdminSlotExampleSerializer(selectors.slot_examples(), many=True).data)


@extend_schema(tags=["guide-admin"], parameters=[SLOT_PARAMETER])
class SlotExampleAdminView(APIView):
    """One slot's example photo. The photo goes through the guide's image checks and storage."""

    permission_classes = [IsStaff]
    required_perms = SLOT_EXAMPLE_PERMS
    parser_classes = [MultiPartParser, JSONParser]

    def get_throttles(self):
        return [UploadThrottle()] if self.request.method == "POST" else super().get_throttles()

    @extend_schema(
        summary="上传或更换照片位的示例照片",
        request={"multipart/form-data": SlotExampleUploadSerializer},
        responses={201: AdminSlotExampleSerializer, 200: AdminSlotExampleSerializer,
                   400: OpenApiResponse(ApiErrorSchema, description="照片位不存在（invalid_slot）或不是有效图片（invalid_file）"),
                   413: OpenApiResponse(ApiErrorSchema, description="图片过大（file_too_large）")},
    )
    def post(self, request, slot: str):
        services.check_slot(slot)
        serializer = SlotExampleUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        example, created = services.set_slot_example(request, slot, data["file"], data.get("caption"))
        return Response(AdminSlotExampleSerializer(selectors.slot_row(slot, example)).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="修改照片位示例照片的拍摄要点",
        request=SlotExampleCaptionSerializer,
        responses={200: AdminSlotExampleSerializer,
                   400: OpenApiResponse(ApiErrorSchema, description="照片位不存在或拍摄要点有误"),
                   404: OpenApiResponse(ApiErrorSchema, description="该照片位还没有示例照片")},
    )
    def patch(self, request, slot: str):
        services.check_slot(slot)
        serializer = SlotExampleCaptionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        example = services.update_slot_example(request, slot, serializer.validated_data["caption"])
        return Response(AdminSlotExampleSerializer(selectors.slot_row(slot, example)).data)

    @extend_schema(
        summary="删除照片位的示例照片（车主端恢复内置示意图）",
        responses={204: None, 400: OpenApiResponse(ApiErrorSchema, description="照片位不存在"),
                   404: OpenApiResponse(ApiErrorSchema, description="该照片位还没有示例照片")},
    )
    def delete(self, request, slot: str):
        services.delete_slot_example(request, slot)
        return Response(status=status.HTTP_204_NO_CONTENT)
