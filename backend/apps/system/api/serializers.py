import re

from django.utils import timezone
from rest_framework import serializers

from apps.accounts.models import Role, User
from apps.guide.api.serializers import StrictSerializerMixin
from apps.insurers.models import InsuranceCompany
from apps.system.models import AuditEntry
from apps.units.models import Unit, UnitKind

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{3,40}$")
PHONE = re.compile(r"^[0-9+\- ]{0,20}$")


class UserSerializer(serializers.ModelSerializer):
    unit = serializers.SerializerMethodField()
    insurer = serializers.SerializerMethodField()
    insurer_name = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()
    role_labels = serializers.SerializerMethodField()
    locked = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "phone", "unit", "insurer", "insurer_name", "roles", "role_labels",
                  "is_active", "must_change_password", "locked", "locked_until", "last_login", "date_joined"]

    def get_unit(self, user: User) -> dict | None:
        return {"id": user.unit.pk, "name": user.unit.name, "adcode": user.unit.adcode} if user.unit else None

    def get_insurer(self, user: User) -> str | None:
        return user.insurer.code if user.insurer else None

    def get_insurer_name(self, user: User) -> str | None:
        return user.insurer.name if user.insurer else None

    def get_locked(self, user: User) -> bool:
        return bool(user.locked_until and user.locked_until > timezone.now())

    def _roles(self, user: User) -> list[str]:
        # From the prefetched groups: one query for the whole page instead of one per row.
        return sorted(g.name for g in user.groups.all() if g.name in Role.ALL)

    def get_roles(self, user: User) -> list[str]:
        return self._roles(user)

    def get_role_labels(self, user: User) -> list[str]:
        return [Role.LABELS[r] for r in self._roles(user)]


class UserWriteSerializer(StrictSerializerMixin, serializers.Serializer):
    username = serializers.CharField(max_length=40)
    # Optional: without one the server generates a strong initial password and returns it once.
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True, required=False)
    display_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, allow_null=True,
                                              error_messages={"does_not_exist": "单位不存在。"})
    insurer = serializers.SlugRelatedField(slug_field="code", queryset=InsuranceCompany.objects.all(), required=False,
                                           allow_null=True, error_messages={"does_not_exist": "保险公司“{value}”不存在。"})
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.ALL, error_messages={
        "invalid_choice": "未知角色“{input}”。"}), required=False, max_length=len(Role.ALL))
    is_active = serializers.BooleanField(required=False)

    def validate_username(self, value: str) -> str:
        if not USERNAME.match(value):
            raise serializers.ValidationError("账号只能由 3～40 位字母、数字和 _ . @ - 组成。")
        return value

    def validate_phone(self, value: str) -> str:
        if not PHONE.match(value):
            raise serializers.ValidationError("电话号码格式不正确。")
        return value.strip()

    def validate_roles(self, value: list[str]) -> list[str]:
        return sorted(set(value))


class UserUpdateSerializer(UserWriteSerializer):
    """Username and password are not changed here: passwords only by reset or by their owner."""

    username = None
    password = None


class RoleInputSerializer(StrictSerializerMixin, serializers.Serializer):
    permissions = serializers.ListField(child=serializers.CharField(max_length=100), max_length=100)
    # Roles are fixed by the product; the admin screen sends these back unchanged and they are ignored.
    code = serializers.CharField(required=False, allow_blank=True)
    name = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)


class UnitWriteSerializer(StrictSerializerMixin, serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=UnitKind.choices, error_messages={"invalid_choice": "单位类型不正确。"})
    adcode = serializers.RegexField(r"^\d{6}(\d{3,6})?$", required=False, allow_blank=True,
                                    error_messages={"invalid": "行政区划代码应为 6 位数字（乡镇 9～12 位）。"})
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    lng = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    parent = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), allow_null=True,
                                                error_messages={"does_not_exist": "上级单位不存在。"})
    is_active = serializers.BooleanField(required=False)

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("请填写单位名称。")
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if ("lng" in attrs) != ("lat" in attrs) and not self.partial:
            raise serializers.ValidationError({"lat": ["经度和纬度须同时填写。"]})
        return attrs


ACTION_LABELS = {
    "auth.login": "登录", "auth.logout": "退出登录", "auth.password_change": "修改本人密码",
    "user.create": "新建用户", "user.update": "修改用户", "user.reset_password": "重置密码",
    "role.change_permissions": "修改角色权限", "unit.create": "新建单位", "unit.update": "修改单位",
    "unit.jurisdiction_upload": "上传辖区边界", "parameter.change": "修改系统参数", "audit.export": "导出审计日志",
    "guide.article_create": "新建指南文章", "guide.article_update": "修改指南文章", "guide.article_delete": "删除指南文章",
    "guide.image_upload": "上传指南图片", "guide.slot_example_set": "上传拍照示意图",
    "guide.slot_example_update": "修改拍照示意图要点", "guide.slot_example_delete": "删除拍照示意图",
    "insurer.create": "新增保险公司", "insurer.update": "修改保险公司",
    "insurer.lookup": "保险公司查询案件", "insurer.record_claim": "登记理赔受理",
}


class AuditEntrySerializer(serializers.ModelSerializer):
    user = serializers.SerializerMethodField()
    action_label = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "user", "username", "unit_name", "ip", "action", "action_label", "object_type", "object_id",
                  "success", "changes"]

    def get_user(self, entry: AuditEntry) -> dict | None:
        if entry.user_id is None:
            return None
        user = entry.user
        return {"id": entry.user_id, "username": user.username if user else entry.username,
                "display_name": user.display_name if user else ""}

    def get_action_label(self, entry: AuditEntry) -> str:
        return ACTION_LABELS.get(entry.action, entry.action)
