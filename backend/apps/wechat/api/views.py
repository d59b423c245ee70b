from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import ApiError
from apps.common.permissions import IsOwner
from apps.common.throttling import OwnerSessionThrottle
from apps.wechat import services


class SessionInput(serializers.Serializer):
    code = serializers.CharField(max_length=200, required=False, allow_blank=True)
    state = serializers.CharField(max_length=100, required=False, allow_blank=True)


class SessionView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [OwnerSessionThrottle]

    @extend_schema(
        request=SessionInput,
        responses=inline_serializer("OwnerSession", {"token": serializers.CharField(), "owner": serializers.DictField(),
                                                      "wechat": serializers.BooleanField()}),
        summary="车主会话：微信 OAuth code 换取车主令牌（演示模式传 {}）",
    )
    def post(self, request):
        data = SessionInput(data=request.data if isinstance(request.data, dict) else {})
        data.is_valid(raise_exception=True)
        return Response(services.start_session(data.validated_data.get("code"), data.validated_data.get("state")))


class OAuthUrlView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [OwnerSessionThrottle]

    @extend_schema(parameters=[OpenApiParameter("next", str)],
                   responses=inline_serializer("OAuthUrl", {"url": serializers.CharField()}),
                   summary="微信网页授权跳转地址（未配置微信时 404）")
    def get(self, request):
        if not settings.WECHAT_ENABLED:
            raise ApiError("wechat_disabled", "未配置微信公众号，使用演示身份。", 404)
        next_path = request.query_params.get("next", "/h5/")
        if not next_path.startswith("/h5/"):
            next_path = "/h5/"
        base = settings.PUBLIC_BASE_URL.rstrip("/") or request.build_absolute_uri("/").rstrip("/")
        return Response({"url": services.oauth_url(base + next_path)})


class JssdkView(APIView):
    permission_classes = [IsOwner]

    @extend_schema(parameters=[OpenApiParameter("url", str, required=True)],
                   responses=inline_serializer("JssdkConfig", {"appId": serializers.CharField(), "timestamp": serializers.IntegerField(),
                                                               "nonceStr": serializers.CharField(), "signature": serializers.CharField()}),
                   summary="微信 JS-SDK 签名")
    def get(self, request):
        url = request.query_params.get("url", "")
        if not url.startswith(("http://", "https://")) or len(url) > 1000:
            raise ApiError("invalid", "url 参数必须是当前页面的完整地址。", 400)
        return Response(services.jssdk_config(url))
