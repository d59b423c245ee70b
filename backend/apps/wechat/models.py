import uuid

from django.db import models


class Owner(models.Model):
    """A car owner: a WeChat openid, or an anonymous device identity in demo mode."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    openid = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    is_owner = True
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __str__(self) -> str:
        return f"owner:{self.public_id}"

    @property
    def throttle_ident(self) -> str:
        return f"owner:{self.pk}"

    def has_perm(self, perm: str) -> bool:
        return False

    def has_role(self, *roles: str) -> bool:
        return False
