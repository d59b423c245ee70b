from rest_framework import serializers

from apps.accounts.models import Role, User


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    must_change_password = serializers.BooleanField(required=False)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class MeSerializer(serializers.ModelSerializer):
    unit = serializers.SerializerMethodField()
    insurer = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()
    role_labels = serializers.SerializerMethodField()
    permissions = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id", "username", "display_name", "unit", "insurer", "roles", "role_labels", "permissions",
            "must_change_password",
        ]

    def get_unit(self, user: User) -> dict | None:
        return {"id": user.unit.pk, "name": user.unit.name, "adcode": user.unit.adcode} if user.unit else None

    def get_insurer(self, user: User) -> dict | None:
        return {"code": user.insurer.code, "name": user.insurer.name} if user.insurer else None

    def get_roles(self, user: User) -> list[str]:
        return user.role_codes

    def get_role_labels(self, user: User) -> list[str]:
        return [Role.LABELS[code] for code in user.role_codes]

    def get_permissions(self, user: User) -> list[str]:
        return sorted(user.get_all_permissions())
