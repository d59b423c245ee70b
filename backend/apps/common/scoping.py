"""Data scope: a staff user sees the subtree of their own unit, and nothing when in doubt.

Every read of scoped data goes through `restrict()`; every write into a unit checks
`unit_in_scope()`. A user without a unit, without a role, inactive, or an owner gets an empty scope.
"""

from django.db.models import QuerySet

from apps.units.models import Unit

SCOPED_ROLES = ("city_admin", "supervisor", "officer")


def is_staff_user(user) -> bool:
    return bool(user and getattr(user, "is_authenticated", False) and not getattr(user, "is_owner", False))


def scope_unit_ids(user) -> list[int]:
    """The ids of every unit in the user's subtree (cached on the user object for the request)."""
    if not is_staff_user(user) or not user.is_active or user.unit_id is None:
        return []
    cached = getattr(user, "_scope_unit_ids", None)
    if cached is not None:
        return cached
    if not user.has_role(*SCOPED_ROLES):
        ids: list[int] = []
    else:
        # Only the tree bounds: `user.unit` would read and decode the unit's polygon (150 KB for the city).
        bounds = Unit.objects.filter(pk=user.unit_id).values_list("tree_id", "lft", "rght").first()
        ids = [] if bounds is None else list(
            Unit.objects.filter(tree_id=bounds[0], lft__gte=bounds[1], rght__lte=bounds[2]).values_list("pk", flat=True)
        )
    user._scope_unit_ids = ids
    return ids


def scope_units(user) -> QuerySet[Unit]:
    return Unit.objects.filter(pk__in=scope_unit_ids(user))


def restrict(queryset: QuerySet, user, unit_field: str = "unit") -> QuerySet:
    ids = scope_unit_ids(user)
    if not ids:
        return queryset.none()
    return queryset.filter(**{f"{unit_field}__in": ids})


def unit_in_scope(user, unit: Unit | int | None) -> bool:
    if unit is None:
        return False
    unit_id = unit if isinstance(unit, int) else unit.pk
    return unit_id in scope_unit_ids(user)
