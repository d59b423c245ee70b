import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402

from apps.common.asgi import PooledASGIHandler  # noqa: E402

django_asgi = PooledASGIHandler(settings.ASGI_THREADS, settings.ASGI_STREAM_THREADS)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from apps.alerts.routing import websocket_urlpatterns  # noqa: E402
from apps.cases.fastpath import OwnerFastPath  # noqa: E402
from config.runtime import settle  # noqa: E402

settle()

# The owner's draft and submission where they can be answered on the event loop; all else to Django.
owner_fast_path = OwnerFastPath(ASGIStaticFilesHandler(django_asgi))

application = ProtocolTypeRouter(
    {
        "http": owner_fast_path,
        "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)
