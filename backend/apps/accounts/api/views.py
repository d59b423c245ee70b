from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts import services
from apps.common.exceptions import ApiError
from apps.common.permissions import IsStaff
from apps.common.throttling import LoginThrottle
from apps.system.audit import audit

from .serializers import LoginSerializer, MeSerializer, PasswordChangeSerializer, RefreshSerializer, TokenPairSerializer


class TokenView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [LoginThrottle]

    @extend_schema(request=LoginSerializer, responses=TokenPairSerializer, summary="员工登录")
    def post(self, request):
        data = LoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(services.login(request, data.validated_data["username"], data.validated_data["password"]))


class TokenRefreshView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [LoginThrottle]

    @extend_schema(request=RefreshSerializer, responses=TokenPairSerializer, summary="刷新令牌（旧刷新令牌作废）")
    def post(self, request):
        serializer = TokenRefreshSerializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise ApiError("token_not_valid", "登录已过期，请重新登录。", 401) from exc
        except Exception as exc:
            if getattr(exc, "status_code", None) == 401 or "token" in str(exc).lower():
                raise ApiError("token_not_valid", "登录已过期，请重新登录。", 401) from exc
            raise
        return Response(serializer.validated_data)


class LogoutView(APIView):
    permission_classes = [IsStaff]
    allow_initial_password = True

    @extend_schema(request=RefreshSerializer, responses={204: None}, summary="退出登录")
    def post(self, request):
        data = RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            RefreshToken(data.validated_data["refresh"]).blacklist()
        except TokenError:
            pass
        audit(request, "auth.logout")
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsStaff]
    allow_initial_password = True

    @extend_schema(responses=MeSerializer, summary="当前用户、角色与权限")
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class PasswordView(APIView):
    permission_classes = [IsStaff]
    allow_initial_password = True

    @extend_schema(request=PasswordChangeSerializer, responses={204: None}, summary="修改本人密码")
    def post(self, request):
        data = PasswordChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.change_password(request, request.user, data.validated_data["old_password"], data.validated_data["new_password"])
        return Response(status=status.HTTP_204_NO_CONTENT)
