import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .services import redeem_ticket, unit_group, user_group

HEARTBEAT_SECONDS = 25


@database_sync_to_async
def _load_user(user_id: int):
    from apps.accounts.models import User
    from apps.common.scoping import scope_unit_ids

    user = User.objects.select_related("unit").filter(pk=user_id, is_active=True).first()
    if user is None or not scope_unit_ids(user):
        return None, None
    from .models import Alert

    last = Alert.objects.filter(unit_id__in=scope_unit_ids(user)).order_by("-id").values_list("id", flat=True).first()
    return user, last or 0


class AlertConsumer(AsyncJsonWebsocketConsumer):
    """One officer's live alert feed. Joins the group of the user's own unit; alerts are sent to
    the case's unit and all its ancestors, so an upper unit hears everything below it."""

    groups_joined: list[str]

    async def connect(self):
        self.groups_joined = []
        self.heartbeat = None
        query = self.scope.get("query_string", b"").decode()
        ticket = dict(part.split("=", 1) for part in query.split("&") if "=" in part).get("ticket", "")
        user_id = await database_sync_to_async(redeem_ticket)(ticket)
        user, last_id = await _load_user(user_id) if user_id else (None, None)
        if user is None:
            await self.close(code=4401)
            return
        self.user = user
        self.groups_joined = [unit_group(user.unit_id), user_group(user.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "last_id": last_id, "unit": {"id": user.unit_id, "name": user.unit.name}})
        self.heartbeat = asyncio.ensure_future(self._beat())

    async def _beat(self):
        try:
            while True:
                await asyncio.sleep(HEARTBEAT_SECONDS)
                await self.send_json({"type": "ping"})
        except asyncio.CancelledError:
            pass

    async def disconnect(self, code):
        if self.heartbeat:
            self.heartbeat.cancel()
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # Only pongs are expected; anything else is ignored rather than echoed.
        return

    async def alert_message(self, event):
        await self.send_json(event["message"])

    async def alert_messages(self, event):
        for message in event["messages"]:
            await self.send_json(message)

    async def session_revoke(self, event):
        await self.close(code=4403)
