from asgiref.sync import iscoroutinefunction, markcoroutinefunction
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


class SecurityHeadersMiddleware:
    """Caching and content-security headers. Works in both modes: the server's pooled handler
    (apps.common.asgi) runs the synchronous chain, Django's own ASGI handler the asynchronous one."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        tile = f" {_TILE_HOST}" if _TILE_HOST else ""
        wx = f" {settings.WECHAT_JSSDK_ORIGIN}" if getattr(settings, "WECHAT_JSSDK_ORIGIN", "") else ""
        self.csp = CSP.format(tile=tile, wx=wx)
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        return self._headers(request, self.get_response(request))

    async def _acall(self, request):
        return self._headers(request, await self.get_response(request))

    def _headers(self, request, response):
        path = request.path
        if path.startswith(API_PREFIX):
            # API answers carry personal data: never cache them anywhere.
            response.setdefault("Cache-Control", "no-store")
        elif path.startswith("/admin/") or path.startswith("/h5/"):
            response.setdefault("Content-Security-Policy", self.csp)
        response.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
        return response
