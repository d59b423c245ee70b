"""The one helper every officer, admin and insurer action calls."""

from typing import Any

from .models import AuditEntry


def client_ip(request) -> str | None:
    if request is None:
        return None
    meta = getattr(request, "META", {})
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    ip = forwarded.split(",")[0].strip() if forwarded else meta.get("REMOTE_ADDR")
    return ip or None


def audit(
    request,
    action: str,
    obj: Any = None,
    *,
    user=None,
    username: str = "",
    success: bool = True,
    changes: dict | None = None,
) -> AuditEntry:
    actor = user if user is not None else getattr(request, "user", None)
    if actor is not None and (getattr(actor, "is_owner", False) or not getattr(actor, "is_authenticated", False)):
        actor_user = None
    else:
        actor_user = actor
    unit = getattr(actor_user, "unit", None) if actor_user else None
    return AuditEntry.objects.create(
        user=actor_user,
        username=username or (actor_user.get_username() if actor_user else ""),
        unit_name=unit.name if unit else "",
        ip=client_ip(request),
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=str(getattr(obj, "pk", "") or "") if obj is not None else "",
        success=success,
        changes=changes or {},
    )
