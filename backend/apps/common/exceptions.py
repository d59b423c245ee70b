"""Every error leaves the API as JSON with a machine-readable `code` and a Chinese `detail`."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

log = logging.getLogger(__name__)

DEFAULT_MESSAGES = {
    "not_authenticated": "请先登录。",
    "authentication_failed": "身份验证失败，请重新登录。",
    "permission_denied": "您没有执行该操作的权限。",
    "not_found": "未找到对应的记录。",
    "method_not_allowed": "不支持该请求方法。",
    "unsupported_media_type": "不支持的请求内容类型。",
    "parse_error": "请求内容格式有误，无法解析。",
    "throttled": "请求过于频繁，请稍后再试。",
    "invalid": "提交的内容有误，请检查后重试。",
    "not_acceptable": "无法按要求的格式返回结果。",
}


class ApiError(exceptions.APIException):
    """A business-rule refusal with its own code, e.g. `ApiError("not_draft", "...", 409)`."""

    def __init__(self, code: str, detail: str, status_code: int = 400, **extra: Any) -> None:
        self.status_code = status_code
        self.code = code
        self.extra = extra
        super().__init__(detail=detail, code=code)


class Conflict(ApiError):
    def __init__(self, detail: str, code: str = "conflict", **extra: Any) -> None:
        super().__init__(code, detail, status.HTTP_409_CONFLICT, **extra)


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def _first_message(errors: Any) -> str:
    if isinstance(errors, dict):
        for value in errors.values():
            message = _first_message(value)
            if message:
                return message
    elif isinstance(errors, list):
        for value in errors:
            message = _first_message(value)
            if message:
                return message
    elif errors:
        return str(errors)
    return ""


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, (OperationalError, InterfaceError)):
        # A dropped or exhausted database connection: tell the client to retry, never a bare 500.
        log.warning("database unavailable: %s", type(exc).__name__)
        return Response({"code": "service_unavailable", "detail": "系统繁忙，请稍后重试。"}, status=503,
                        headers={"Retry-After": "2"})
    # Raised while reading the body: without this they leave as Django's HTML 400 page.
    if isinstance(exc, RequestDataTooBig):
        exc = ApiError("too_large", "提交的内容过大，请精简后重试。", status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    elif isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        exc = ApiError("invalid", "提交的字段或文件过多。", 400)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, ApiError):
        body = {"code": exc.code, "detail": str(exc.detail), **exc.extra}
    elif isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        if not isinstance(errors, dict):
            errors = {"non_field_errors": errors if isinstance(errors, list) else [errors]}
        first = _first_message(errors)
        body = {"code": "invalid", "detail": first or DEFAULT_MESSAGES["invalid"], "errors": errors}
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        detail = exc.detail if isinstance(exc, exceptions.APIException) else ""
        if isinstance(detail, dict):
            message = str(detail.get("detail", "")) or _first_message(detail)
            code = str(detail.get("code", code)) if isinstance(detail.get("code"), str) else code
        else:
            message = str(detail)
        if code in DEFAULT_MESSAGES and (not message or message.isascii()):
            message = DEFAULT_MESSAGES[code]
        if isinstance(exc, exceptions.Throttled) and exc.wait:
            message = f"请求过于频繁，请 {int(exc.wait) + 1} 秒后再试。"
        body = {"code": code, "detail": message}
    response.data = body
    return response
