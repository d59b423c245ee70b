"""Roles are Django groups; what each may do is this table, applied by `ensure_roles()`."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from .models import Role

STAFF_READ = ["cases.view_case", "fraud.view_fraudwarning", "stats.view_stats"]
OFFICER = STAFF_READ + [
    "cases.claim_case", "cases.decide_case", "cases.void_case", "cases.transfer_case", "cases.close_case",
    "cases.export_evidence", "fraud.dispatch",
]
CITY_ADMIN = OFFICER + [
    "accounts.manage_users", "units.change_unit", "units.add_unit", "units.view_unit", "system.change_parameter",
    "system.view_parameter", "system.view_auditentry", "guide.change_article", "guide.add_article",
    "guide.delete_article", "guide.view_article", "insurers.change_insurancecompany", "insurers.add_insurancecompany",
]
ROLE_PERMISSIONS = {
    Role.CITY_ADMIN: CITY_ADMIN,
    Role.SUPERVISOR: STAFF_READ,
    Role.OFFICER: OFFICER,
    Role.INSURER: ["insurers.lookup_case", "insurers.record_claim"],
}


def permissions_for(codes: list[str]):
    query = Q(pk__in=[])
    for code in codes:
        app_label, codename = code.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(query)


def ensure_roles() -> dict[str, Group]:
    """Create missing roles and add the table's permissions; permissions an admin added stay."""
    groups = {}
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*permissions_for(codes))
        groups[role] = group
    return groups
