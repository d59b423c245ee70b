import asyncio
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common import replicas


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception:
        return "error"


async def _roundtrip() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    marker = uuid.uuid4().hex
    await layer.send(channel, {"type": "health.check", "marker": marker})
    message = await asyncio.wait_for(layer.receive(channel), timeout=2)
    if message.get("marker") != marker:
        raise RuntimeError("channel layer returned a different message")


def check_channel_layer() -> str:
    try:
        async_to_sync(_roundtrip)()
        return "ok"
    except Exception:
        return "error"


class HealthView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(summary="健康检查", responses=inline_serializer("Health", {
        "status": serializers.CharField(), "database": serializers.CharField(), "channel_layer": serializers.CharField(),
        "read_replicas": serializers.CharField(required=False, help_text="配置了只读副本时：ok，或 degraded（统计改由主库读取）")}))
    def get(self, request):
        parts = {"database": check_database(), "channel_layer": check_channel_layer()}
        healthy = all(v == "ok" for v in parts.values())
        body = {"status": "ok" if healthy else "error", **parts}
        if settings.REPLICA_DATABASES:
            body["read_replicas"] = replicas.check_all()  # a lagging or missing replica degrades, never fails
        return Response(body, status=200 if healthy else 503)
