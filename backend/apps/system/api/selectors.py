"""Scoped reads for system management.

A city admin's unit is the root of the tree, so their scope is everything. The same code gives a
future county admin only their subtree: users and audit entries of units in scope; accounts with no
unit (insurer staff) and anonymous login failures only for an admin at a tree root.
"""

from datetime import datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from apps.accounts.models import User
from apps.common.exceptions import ApiError
from apps.common.scoping import scope_unit_ids
from apps.system.models import AuditEntry


def _at_root(user) -> bool:
    return bool(scope_unit_ids(user)) and user.unit is not None and user.unit.parent_id is None


def users_visible_to(actor) -> QuerySet[User]:
    ids = scope_unit_ids(actor)
    if not ids:
        return User.objects.none()
    visible = Q(unit__in=ids)
    if _at_root(actor):
        visible |= Q(unit__isnull=True)
    return User.objects.filter(visible).select_related("unit", "insurer").prefetch_related("groups")


def filter_users(users: QuerySet[User], params) -> QuerySet[User]:
    if params.get("unit"):
        from apps.units.models import Unit

        unit = Unit.objects.filter(pk=_int(params["unit"], "unit")).first()
        users = users.filter(unit__in=unit.get_descendants(include_self=True)) if unit else users.none()
    if params.get("role"):
        users = users.filter(groups__name=params["role"])
    if params.get("q"):
        q = params["q"].strip()[:50]
        users = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q) | Q(phone__icontains=q))
    if params.get("is_active") not in (None, ""):
        users = users.filter(is_active=_bool(params["is_active"], "is_active"))
    return users.order_by("username").distinct()


def audit_entries_visible_to(actor) -> QuerySet[AuditEntry]:
    ids = scope_unit_ids(actor)
    if not ids:
        return AuditEntry.objects.none()
    entries = AuditEntry.objects.select_related("user")
    if _at_root(actor):
        return entries
    return entries.filter(user__unit__in=ids)


def filter_audit(entries: QuerySet[AuditEntry], params) -> QuerySet[AuditEntry]:
    if params.get("user"):
        # An id from a link, or whatever the admin typed into the search box.
        who = params["user"].strip()[:150]
        entries = entries.filter(user_id=_int(who, "user")) if who.isdigit() else entries.filter(username__icontains=who)
    if params.get("username"):
        entries = entries.filter(username__icontains=params["username"].strip()[:150])
    if params.get("action"):
        action = params["action"].strip()[:60]
        # "user" matches user.create, user.update ...; "user.create" matches exactly.
        entries = entries.filter(Q(action=action) | Q(action__startswith=action + "."))
    if params.get("object_type"):
        entries = entries.filter(object_type=params["object_type"][:60])
    if params.get("object_id"):
        entries = entries.filter(object_id=params["object_id"][:64])
    if params.get("success") not in (None, ""):
        entries = entries.filter(success=_bool(params["success"], "success"))
    if params.get("from"):
        entries = entries.filter(at__gte=_moment(params["from"], "from", end=False))
    if params.get("to"):
        entries = entries.filter(at__lt=_moment(params["to"], "to", end=True))
    return entries.order_by("-at", "-id")


def _int(value: str, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if not 0 < number < 2**63:  # beyond a database integer, which some backends turn into an error
        raise ApiError("invalid", f"参数 {name} 必须是正整数。", 400)
    return number


def _bool(value: str, name: str) -> bool:
    lowered = str(value).strip().lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise ApiError("invalid", f"参数 {name} 只能是 true 或 false。", 400)


def _moment(value: str, name: str, *, end: bool) -> datetime:
    """A date means the whole day (Asia/Shanghai): `to=2026-11-25` includes that day."""
    value = value.strip()
    try:
        moment = parse_datetime(value.replace(" ", "+")) if "T" in value else None
        day = None if moment else parse_date(value)
    except ValueError:
        moment = day = None
    if moment is None and day is None:
        raise ApiError("invalid", f"参数 {name} 的日期格式不正确，应为 2026-11-25 或 2026-11-25T08:00:00+08:00。", 400)
    if moment is None:
        moment = timezone.make_aware(datetime.combine(day + timedelta(days=1) if end else day, time.min))
    elif timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
