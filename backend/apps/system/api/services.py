"""System management writes: parameters, users, roles, units.

They live beside the API because they exist only for it; the domain services they call
(`accounts.services.set_password`, `units.services.save_unit`/`set_jurisdiction`) stay the one way
to change a password or the tree. Every write is audited inside its transaction.
"""

import secrets
import string
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from apps.accounts.models import Role, User
from apps.accounts.roles import permissions_for
from apps.accounts.services import set_password
from apps.alerts.services import revoke_user_sockets
from apps.common.exceptions import ApiError
from apps.common.scoping import unit_in_scope
from apps.system.audit import audit
from apps.system.models import Parameter
from apps.system.parameters import DEFINITIONS, coerce, params
from apps.units.models import Unit
from apps.units.services import save_unit, set_jurisdiction

from .permission_catalog import ASSIGNABLE_PERMISSIONS, LOCKOUT_GUARD

# --- parameters -------------------------------------------------------------------------------


@transaction.atomic
def change_parameter(request, key: str, value: Any) -> Any:
    definition = DEFINITIONS.get(key)
    if definition is None:
        raise ApiError("not_found", "没有这个参数。", 404)
    try:
        new = coerce(definition, value)
    except ValidationError as exc:
        message = "；".join(exc.messages)
        raise ApiError("invalid", message, 400, errors={"value": [message]}) from exc
    old = params.get(key)
    row = Parameter.objects.select_for_update().filter(key=key).first()
    if row is None:
        row = Parameter(key=key)
    row.value, row.updated_by = new, request.user
    row.save()
    audit(request, "parameter.change", row, changes={"key": key, "old": old, "new": new})
    # Now for this process, and again after commit so no other process caches the old row under the new version.
    params.invalidate()
    transaction.on_commit(params.invalidate)
    return new


# --- users ------------------------------------------------------------------------------------

_PASSWORD_ALPHABETS = (string.ascii_uppercase, string.ascii_lowercase, string.digits, "@#%+=?!")


def generate_password(user: User | None = None, length: int = 14) -> str:
    """A random password that satisfies every configured validator (one of each character class)."""
    everything = "".join(_PASSWORD_ALPHABETS)
    while True:
        chars = [secrets.choice(alphabet) for alphabet in _PASSWORD_ALPHABETS]
        chars += [secrets.choice(everything) for _ in range(length - len(chars))]
        secrets.SystemRandom().shuffle(chars)
        password = "".join(chars)
        try:
            password_validation.validate_password(password, user)
        except ValidationError:
            continue
        return password


def _revoke_sessions(user: User) -> None:
    """Blacklist every refresh token of the user, so no new access token can be minted."""
    for token in OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False):
        BlacklistedToken.objects.get_or_create(token=token)


def _check_unit(request, unit: Unit | None, roles: list[str]) -> None:
    if unit is None:
        if set(roles) - {Role.INSURER}:
            raise ApiError("invalid", "民警、领导、管理员账号必须指定所属单位。", 400, errors={"unit": ["请选择所属单位。"]})
        return
    if not unit_in_scope(request.user, unit):
        raise ApiError("permission_denied", "不能把用户放到您管辖范围以外的单位。", 403)


def _check_insurer(insurer, roles: list[str]) -> None:
    if Role.INSURER in roles and insurer is None:
        raise ApiError("invalid", "保险公司账号必须指定所属保险公司。", 400, errors={"insurer": ["请选择保险公司。"]})


def _user_snapshot(user: User) -> dict:
    return {"display_name": user.display_name, "phone": user.phone, "unit": user.unit_id,
            "insurer": user.insurer.code if user.insurer_id else None, "roles": user.role_codes, "is_active": user.is_active}


def _role_groups(roles: list[str]) -> list[Group]:
    groups = {g.name: g for g in Group.objects.filter(name__in=roles)}
    missing = [r for r in roles if r not in groups]
    if missing:
        raise ApiError("invalid", "角色尚未初始化，请先运行系统初始化。", 400, errors={"roles": missing})
    return [groups[r] for r in roles]


@transaction.atomic
def create_user(request, data: dict) -> tuple[User, str | None]:
    """Returns the user and, when the admin gave no password, the generated one (shown once)."""
    roles = data.get("roles") or []
    unit, insurer = data.get("unit"), data.get("insurer")
    _check_unit(request, unit, roles)
    _check_insurer(insurer, roles)
    if User.objects.filter(username__iexact=data["username"]).exists():
        raise ApiError("invalid", "该账号已存在。", 400, errors={"username": ["该账号已存在。"]})
    user = User(username=data["username"], display_name=data.get("display_name", ""), phone=data.get("phone", ""),
                unit=unit, insurer=insurer, is_active=data.get("is_active", True))
    user.save()
    user.groups.set(_role_groups(roles))
    generated = None if data.get("password") else generate_password(user)
    set_password(user, data.get("password") or generated, must_change=True)
    user._role_codes = None
    audit(request, "user.create", user, changes={"username": user.username, **_user_snapshot(user),
                                                  "password_generated": generated is not None})
    return user, generated


@transaction.atomic
def update_user(request, user: User, data: dict) -> User:
    actor = request.user
    before = _user_snapshot(user)
    roles = data["roles"] if "roles" in data else user.role_codes
    unit = data["unit"] if "unit" in data else user.unit
    insurer = data["insurer"] if "insurer" in data else user.insurer
    if user.pk == actor.pk:
        if data.get("is_active") is False:
            raise ApiError("cannot_change_self", "不能停用自己的账号。", 400)
        if Role.CITY_ADMIN in user.role_codes and Role.CITY_ADMIN not in roles:
            raise ApiError("cannot_change_self", "不能取消自己的市级管理员角色。", 400)
    if "unit" in data or "roles" in data:
        _check_unit(request, unit, roles)
    _check_insurer(insurer, roles)
    for field in ("display_name", "phone", "is_active"):
        if field in data:
            setattr(user, field, data[field])
    user.unit, user.insurer = unit, insurer
    user.save()
    if "roles" in data:
        user.groups.set(_role_groups(roles))
        user._role_codes = None
    after = _user_snapshot(user)
    changes = {k: {"old": before[k], "new": after[k]} for k in before if before[k] != after[k]}
    audit(request, "user.update", user, changes=changes)
    # A disabled, moved or re-roled user must not keep receiving alerts for their old scope.
    if {"is_active", "unit", "roles"} & set(changes):
        transaction.on_commit(lambda: revoke_user_sockets(user.pk))
    if "is_active" in changes and not user.is_active:
        _revoke_sessions(user)
    return user


@transaction.atomic
def reset_password(request, user: User) -> str:
    password = generate_password(user)
    set_password(user, password, must_change=True)
    _revoke_sessions(user)
    audit(request, "user.reset_password", user, changes={"username": user.username})
    return password


# --- roles ------------------------------------------------------------------------------------


def role_code(key: str) -> str:
    """Roles are addressed by code (`officer`) or, as the admin screen does, by group id."""
    if key.isdigit():
        key = Group.objects.filter(pk=int(key)).values_list("name", flat=True).first() or ""
    if key not in Role.ALL:
        raise ApiError("not_found", "没有这个角色。", 404)
    return key


@transaction.atomic
def set_role_permissions(request, role: str, codes: list[str]) -> Group:
    role = role_code(role)
    unknown = sorted(set(codes) - set(ASSIGNABLE_PERMISSIONS))
    if unknown:
        raise ApiError("invalid", f"不能分配的权限：{'、'.join(unknown)}。", 400, errors={"permissions": unknown})
    missing_guard = [c for c in LOCKOUT_GUARD.get(role, ()) if c not in codes]
    if missing_guard:
        raise ApiError("invalid", f"{Role.LABELS[role]}角色必须保留“{ASSIGNABLE_PERMISSIONS[missing_guard[0]]}”权限。", 400)
    group, _ = Group.objects.select_for_update().get_or_create(name=role)
    old = sorted(f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type"))
    group.permissions.set(permissions_for(sorted(set(codes))))
    audit(request, "role.change_permissions", group, changes={"role": role, "old": old, "new": sorted(set(codes))})
    return group


# --- units ------------------------------------------------------------------------------------

UNIT_FIELDS = ("name", "kind", "adcode", "phone", "address", "lng", "lat", "parent", "is_active")


def _unit_snapshot(unit: Unit) -> dict:
    return {f: (unit.parent_id if f == "parent" else getattr(unit, f)) for f in UNIT_FIELDS}


def _after_unit_change(unit: Unit) -> None:
    def hints() -> None:
        # The guide's brigade phone list is cached for a minute; drop it so an edit shows at once.
        cache.delete("units:contacts")
        for user_id in User.objects.filter(unit__in=unit.get_descendants(include_self=True)).values_list("pk", flat=True):
            revoke_user_sockets(user_id)

    transaction.on_commit(hints)


def _save(unit: Unit) -> Unit:
    try:
        return save_unit(unit)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        first = next(iter(errors.values()))[0]
        raise ApiError("invalid", first, 400, errors=errors) from exc


@transaction.atomic
def create_unit(request, data: dict) -> Unit:
    parent = data.get("parent")
    if parent is None or not unit_in_scope(request.user, parent):
        raise ApiError("permission_denied", "只能在您管辖范围内的单位下新建单位。", 403)
    unit = _save(Unit(**{k: v for k, v in data.items() if k in UNIT_FIELDS}))
    audit(request, "unit.create", unit, changes={k: v for k, v in _unit_snapshot(unit).items() if v not in ("", None)})
    transaction.on_commit(lambda: cache.delete("units:contacts"))
    return unit


@transaction.atomic
def update_unit(request, unit: Unit, data: dict) -> Unit:
    before = _unit_snapshot(unit)
    if "parent" in data and data["parent"] != unit.parent:
        parent = data["parent"]
        if parent is None or not unit_in_scope(request.user, parent):
            raise ApiError("permission_denied", "只能把单位移到您管辖范围内的单位之下。", 403)
        if unit.pk == request.user.unit_id:
            raise ApiError("invalid", "不能移动自己所在的单位。", 400)
    if data.get("is_active") is False and unit.pk == request.user.unit_id:
        raise ApiError("invalid", "不能停用自己所在的单位。", 400)
    for key, value in data.items():
        if key in UNIT_FIELDS:
            setattr(unit, key, value)
    unit = _save(unit)
    after = _unit_snapshot(unit)
    changes = {k: {"old": before[k], "new": after[k]} for k in before if before[k] != after[k]}
    audit(request, "unit.update", unit, changes=changes)
    if changes:
        _after_unit_change(unit)
    return unit


def upload_jurisdiction(request, unit: Unit, raw: bytes, filename: str) -> Unit:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        audit(request, "unit.jurisdiction_upload", unit, success=False, changes={"file": filename[:120], "error": "encoding"})
        raise ApiError("invalid_geometry", "文件不是 UTF-8 编码的 GeoJSON 文本。", 400)
    old_source = unit.jurisdiction_source
    try:
        with transaction.atomic():
            set_jurisdiction(unit, text, source=f"上传文件 {filename[:80]}（{request.user.get_username()}）")
            audit(request, "unit.jurisdiction_upload", unit,
                  changes={"file": filename[:120], "old_source": old_source, "size": len(raw)})
    except ValidationError as exc:
        unit.refresh_from_db()
        audit(request, "unit.jurisdiction_upload", unit, success=False, changes={"file": filename[:120], "error": exc.messages[0]})
        raise ApiError("invalid_geometry", exc.messages[0], 400) from exc
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
        # Structurally odd JSON (a feature that is a number, coordinates that are a string...).
        unit.refresh_from_db()
        audit(request, "unit.jurisdiction_upload", unit, success=False, changes={"file": filename[:120], "error": "malformed"})
        raise ApiError("invalid_geometry", "GeoJSON 结构不正确，无法读取辖区边界。", 400) from exc
    return unit
