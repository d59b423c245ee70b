"""OpenAPI descriptions of the two bearer schemes (staff JWT and owner token)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class StaffJWTScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.authentication.StaffJWTAuthentication"
    name = "staffJWT"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                "description": "员工令牌：POST /api/v1/auth/token 获取的 access"}


class OwnerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.wechat.authentication.OwnerTokenAuthentication"
    name = "ownerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "车主令牌：POST /api/v1/owner/session 获取的 token"}
