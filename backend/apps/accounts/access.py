"""A staff user's roles, permissions and unit scope, cached between requests.

Every staff request needs them, and read from the database they cost five queries (user
permissions, group permissions, role names, the unit's tree bounds, the subtree). They change only
when an administrator edits roles, permissions or units, so they are kept in the shared cache under
the user's id, tagged with a global *access version*:

- any change to group membership, a group's permissions, a user's direct permissions, a group or a
  unit bumps the version (at once, and again when the transaction commits, so a request that
  computed a profile from the old rows in between cannot leave it looking current);
- a profile also records the user's unit and superuser flag, compared with the user row that the
  authentication reads fresh on every request: moving or promoting a user needs no bump;
- the version is read before the profile is computed, so a profile computed during a change is
  stored under the old version and is recomputed on the next request.

The cache failing (Redis down) only means computing the profile from the database as before.
"""

import logging
import time

from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)

VERSION_KEY = "access:version"
PROFILE_TTL = 15 * 60


def _profile_key(user_id: int) -> str:
    return f"access:user:{user_id}"


def bump(**_) -> None:
    """Invalidate every cached profile (signal receivers call this with the signal's arguments)."""
    _incr()
    transaction.on_commit(_incr)


def _fresh_version() -> int:
    """A starting value no earlier version can have had: a lost version key (evicted, cache flushed)
    must not make profiles stored under an old number look current again."""
    return time.time_ns()


def _incr() -> None:
    try:
        cache.add(VERSION_KEY, _fresh_version(), None)
        cache.incr(VERSION_KEY)
    except Exception:
        log.warning("access version bump failed; profiles expire within %s s", PROFILE_TTL, exc_info=True)


def _compute(user) -> dict:
    from django.contrib.auth.backends import ModelBackend

    from apps.common.scoping import scope_unit_ids

    backend = ModelBackend()
    perms = sorted({*backend.get_user_permissions(user), *backend.get_group_permissions(user)}) if user.is_active else []
    user._role_codes = None
    return {"roles": list(user.role_codes), "perms": perms, "scope": list(scope_unit_ids(user))}


def _apply(user, profile: dict) -> None:
    user._role_codes = list(profile["roles"])
    # ModelBackend.has_perm reads this attribute before querying.
    user._perm_cache = set(profile["perms"])
    user._scope_unit_ids = list(profile["scope"])


def load(user) -> None:
    """Attach the user's access profile, from the cache when it is current."""
    key = _profile_key(user.pk)
    try:
        found = cache.get_many([VERSION_KEY, key])
    except Exception:
        found = None
    if found is None:  # no cache: the per-request attributes are filled lazily from the database
        return
    version = found.get(VERSION_KEY)
    if version is None:
        try:
            cache.add(VERSION_KEY, _fresh_version(), None)
            version = cache.get(VERSION_KEY)
        except Exception:
            return
    profile = found.get(key)
    if (profile and profile.get("version") == version and profile.get("unit") == user.unit_id
            and profile.get("superuser") == user.is_superuser and profile.get("active") == user.is_active):
        _apply(user, profile)
        return
    profile = {**_compute(user), "version": version, "unit": user.unit_id, "superuser": user.is_superuser,
               "active": user.is_active}
    _apply(user, profile)
    try:
        cache.set(key, profile, PROFILE_TTL)
    except Exception:
        pass


def connect_signals() -> None:
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from apps.units.models import Unit

    from .models import User

    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(bump, sender=through, dispatch_uid=f"access-bump-{through._meta.label}")
    for model in (Group, Unit):
        post_save.connect(bump, sender=model, dispatch_uid=f"access-bump-save-{model._meta.label}")
        post_delete.connect(bump, sender=model, dispatch_uid=f"access-bump-delete-{model._meta.label}")
