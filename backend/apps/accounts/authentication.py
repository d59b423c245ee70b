from rest_framework_simplejwt.authentication import JWTAuthentication

from apps.wechat.authentication import PREFIX as OWNER_PREFIX

from . import access


class StaffJWTAuthentication(JWTAuthentication):
    """Staff JWTs; owner tokens are left to the owner authenticator. Disabled users are refused."""

    def authenticate(self, request):
        header = self.get_header(request)
        if header is None:
            return None
        raw = self.get_raw_token(header)
        if raw is None or raw.startswith(OWNER_PREFIX.encode()):
            return None
        result = super().authenticate(request)
        if result is not None:
            access.load(result[0])
        return result
