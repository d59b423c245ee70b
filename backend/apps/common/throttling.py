from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


def _rate(scope: str) -> str | None:
    # Read at request time so an operator's (or a test's) settings change applies at once.
    return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(scope)


class _SettingsRate:
    """Rate read from settings at request time; a cache outage lets requests through."""

    def get_rate(self):
        return _rate(self.scope)

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:  # a cache outage must not take submissions down with it
            return True


class ScopedIPThrottle(_SettingsRate, AnonRateThrottle):
    """Throttle by client address whatever the authentication; the scope picks the rate."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginThrottle(ScopedIPThrottle):
    scope = "login"


class TrackThrottle(ScopedIPThrottle):
    scope = "track"


class OwnerSessionThrottle(ScopedIPThrottle):
    scope = "owner_session"


class PublicThrottle(ScopedIPThrottle):
    scope = "public"


class UserScopedThrottle(_SettingsRate, SimpleRateThrottle):
    def get_cache_key(self, request, view):
        ident = getattr(request.user, "throttle_ident", None) or self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class UploadThrottle(UserScopedThrottle):
    scope = "upload"


class SubmitThrottle(UserScopedThrottle):
    scope = "submit"


class InsurerLookupThrottle(UserScopedThrottle):
    scope = "insurer_lookup"
