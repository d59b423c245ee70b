from django.contrib.auth.models import AbstractUser
from django.db import models


class Role:
    CITY_ADMIN = "city_admin"
    SUPERVISOR = "supervisor"
    OFFICER = "officer"
    INSURER = "insurer"

    LABELS = {CITY_ADMIN: "市级管理员", SUPERVISOR: "领导", OFFICER: "民警", INSURER: "保险公司"}
    ALL = tuple(LABELS)


class User(AbstractUser):
    unit = models.ForeignKey(
        "units.Unit", verbose_name="所属单位", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    insurer = models.ForeignKey(
        "insurers.InsuranceCompany",
        verbose_name="所属保险公司",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)
    must_change_password = models.BooleanField("须修改初始密码", default=False)
    is_demo = models.BooleanField("演示账号", default=False)
    failed_logins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)

    is_owner = False

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        permissions = [("manage_users", "管理用户、角色与密码")]

    @property
    def role_codes(self) -> list[str]:
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = sorted(name for name in self.groups.values_list("name", flat=True) if name in Role.ALL)
            self._role_codes = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(set(roles) & set(self.role_codes))

    @property
    def shown_name(self) -> str:
        """The name shown beside the user's actions: the display name, else the login name."""
        return self.display_name or self.username

    @property
    def throttle_ident(self) -> str:
        return f"user:{self.pk}"
