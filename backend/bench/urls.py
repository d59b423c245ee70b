"""The project's URLs plus `/bench/bare`: a plain Django JSON view, the yardstick for throughput ratios.

Mounted only when the server runs with DJANGO_SETTINGS_MODULE=bench.settings (the benchmark server);
config/urls.py is not changed.
"""

from django.http import JsonResponse
from django.urls import include, path


def bare(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/bare", bare, name="bench-bare"),
    path("", include("config.urls")),
]
