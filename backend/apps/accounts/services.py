from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from apps.common.exceptions import ApiError
from apps.system.audit import audit

from .models import User


def _tokens(user: User) -> dict:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def login(request, username: str, password: str) -> dict:
    """Check a password with lockout; audit success and failure alike."""
    user = User.objects.select_related("unit").filter(username=username).first()
    now = timezone.now()
    if user is not None and user.locked_until and user.locked_until > now:
        audit(request, "auth.login", user=None, username=username, success=False, changes={"reason": "locked"})
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise ApiError("account_locked", f"密码错误次数过多，账号已锁定，请 {minutes} 分钟后再试或联系管理员。", 403)

    authenticated = authenticate(request, username=username, password=password) if user else None
    if authenticated is None:
        if user is not None:
            with transaction.atomic():
                User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
                user.refresh_from_db(fields=["failed_logins"])
                if user.failed_logins >= settings.LOGIN_MAX_FAILURES:
                    user.locked_until = now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
                    user.failed_logins = 0
                    user.save(update_fields=["locked_until", "failed_logins"])
        audit(request, "auth.login", user=None, username=username[:150], success=False)
        if user is not None and not user.is_active:
            raise ApiError("invalid_credentials", "用户名或密码错误。", 401)
        raise ApiError("invalid_credentials", "用户名或密码错误。", 401)

    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None, last_login=now)
    audit(request, "auth.login", user=user, success=True)
    return {**_tokens(user), "must_change_password": user.must_change_password}


def change_password(request, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        audit(request, "auth.password_change", user=user, success=False)
        raise ApiError("invalid_password", "原密码不正确。", 400)
    if old_password == new_password:
        raise ApiError("invalid_password", "新密码不能与原密码相同。", 400)
    set_password(user, new_password, must_change=False)
    audit(request, "auth.password_change", user=user)


def set_password(user: User, password: str, *, must_change: bool) -> None:
    from django.core.exceptions import ValidationError

    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ApiError("weak_password", "；".join(exc.messages), 400) from exc
    user.set_password(password)
    user.must_change_password = must_change
    user.password_changed_at = timezone.now()
    user.failed_logins = 0
    user.locked_until = None
    user.save(update_fields=["password", "must_change_password", "password_changed_at", "failed_logins", "locked_until"])
