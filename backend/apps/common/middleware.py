from django.conf import settings

API_PREFIX = "/api/"

# The front ends load only their own bundles; Leaflet draws vectors so no tile host is needed
# unless one is configured.
_TILE_HOST = getattr(settings, "MAP_TILE_ORIGIN", "")
CSP = (
    "default-src 'self'; img-src 'self' data: blob:{tile}; media-src 'self' blob:; "
    "style-src 'self' 'unsafe-inline'; script-src 'self'{wx}; connect-src 'self' ws: wss:; "
    "font-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


PERMISSIONS_POLICY = "camera=(self), geolocation=(self), microphone=()"


class SecurityHeadersMiddleware:
    """Caching and content-security headers. Synchronous: the server's pooled handler
    (apps.common.asgi) runs the whole middleware chain on a request thread."""

    def __init__(self, get_response):
        self.get_response = get_response
        tile = f" {_TILE_HOST}" if _TILE_HOST else ""
        wx = f" {settings.WECHAT_JSSDK_ORIGIN}" if getattr(settings, "WECHAT_JSSDK_ORIGIN", "") else ""
        self.csp = CSP.format(tile=tile, wx=wx)

    def __call__(self, request):
        return self._headers(request, self.get_response(request))

    def _headers(self, request, response):
        path = request.path
        if path.startswith(API_PREFIX):
            # API answers carry personal data: never cache them anywhere.
            response.setdefault("Cache-Control", "no-store")
        elif path.startswith("/admin/") or path.startswith("/h5/"):
            response.setdefault("Content-Security-Policy", self.csp)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
