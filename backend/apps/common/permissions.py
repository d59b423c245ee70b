from rest_framework.permissions import BasePermission

from apps.common.exceptions import ApiError
from apps.common.scoping import is_staff_user


class IsStaff(BasePermission):
    """An active staff account whose initial password has been changed.

    Views list the model permissions they need in `required_perms` (a dict from action or HTTP
    method to a tuple of permission codes, or a plain tuple for all of them).
    """

    allow_initial_password = False

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not is_staff_user(user) or not user.is_active:
            return False
        if user.must_change_password and not getattr(view, "allow_initial_password", False):
            raise ApiError("password_change_required", "请先修改初始密码。", 403)
        required = getattr(view, "required_perms", ())
        if isinstance(required, dict):
            key = getattr(view, "action", None) or request.method
            required = required.get(key, required.get(request.method, required.get("*", ())))
        return all(user.has_perm(perm) for perm in required)


class IsOwner(BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(getattr(request.user, "is_owner", False))
