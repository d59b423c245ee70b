"""Storing alerts and fanning them out to unit groups after the transaction commits."""

import asyncio
import logging
import os
import secrets

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import transaction

from apps.common import fastsql
from apps.units.geo import jurisdictions
from apps.units.models import Unit

from .models import Alert

log = logging.getLogger(__name__)
TICKET_TTL = 30
_TICKET_PREFIX = "alerts:ticket:"


def unit_group(unit_id: int) -> str:
    return f"unit.{unit_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def alert_message(alert: Alert, unit=None) -> dict:
    """The socket and list form of an alert. `unit` is the alert's unit or its `UnitInfo`."""
    unit = unit or alert.unit
    return {
        "id": alert.pk,
        "type": alert.type,
        "case_id": alert.case_id,
        "receipt_no": alert.data.get("receipt_no"),
        "unit": {"id": unit.id, "name": unit.name, "adcode": unit.adcode},
        "title": alert.title,
        "created_at": alert.created_at.isoformat(),
        **{k: v for k, v in alert.data.items() if k not in {"receipt_no"}},
    }


def publish_case_alert(case, type_: str, title: str, unit: Unit | None = None, **data) -> Alert:
    return publish_case_alerts(case, [(type_, title, data)], unit=unit)[0]


def publish_case_alerts(case, alerts: list[tuple[str, str, dict]], unit: Unit | None = None) -> list[Alert]:
    """Store alerts of one case in one INSERT, then fan them out to the unit and its ancestors.

    The unit (the case's own unless another is given) comes from the in-process unit table loaded
    with the jurisdiction index: its name, adcode and ancestors without a query.
    """
    info = jurisdictions.unit_info(unit.pk if unit is not None else case.unit_id)
    rows = fastsql.insert(case_alert_rows(case, alerts, info))
    messages = [alert_message(alert, info) for alert in rows]
    groups = unit_groups(info)
    transaction.on_commit(lambda: broadcast(groups, messages))
    return rows


def case_alert_rows(case, alerts: list[tuple[str, str, dict]], info) -> list[Alert]:
    """The unsaved alerts of a case for the unit `info` (a `UnitInfo`)."""
    return [
        fastsql.new(Alert, type=type_, case=case, unit_id=info.id, title=title[:200],
                    data={"receipt_no": case.receipt_no, "status": case.status, **data})
        for type_, title, data in alerts
    ]


def unit_groups(info) -> list[str]:
    """The socket groups an alert of the unit `info` reaches: the unit's and its ancestors'."""
    return [unit_group(pk) for pk in info.ancestor_ids]


async def send_alerts(groups: list[str], messages: list[dict]) -> None:
    """Several alerts of one change (a new case and its fraud warning) go to a group as one event, in
    order. With Redis all the groups (three or four for a county's case) are served by one
    `group_send_many()` (`apps.alerts.layer`); another layer gets the groups' sends concurrently."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return
    event = ({"type": "alert.message", "message": messages[0]} if len(messages) == 1
             else {"type": "alert.messages", "messages": messages})
    send_many = getattr(layer, "group_send_many", None)
    if send_many is not None:
        full = await send_many(groups, event)
        if full:
            log.info("alert: %s sockets over capacity", full)
        return
    await asyncio.gather(*(layer.group_send(group, event) for group in groups))


def broadcast(groups: list[str], messages: list[dict]) -> None:
    """Best effort: a channel layer outage must not fail the request; clients resync by id."""
    if get_channel_layer() is None or not messages:
        return
    loop = _server_loop()
    if loop is not None:
        # Inside the ASGI server: hand the sends to its event loop and let the request finish.
        asyncio.run_coroutine_threadsafe(send_alerts(groups, messages), loop).add_done_callback(log_failure)
        return
    try:
        async_to_sync(send_alerts)(groups, messages)
    except Exception:
        log.warning("alert broadcast failed; clients will resync", exc_info=True)


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The ASGI server's running event loop when this synchronous code runs in a view thread of it.

    asgiref records that loop for the thread it runs synchronous views in (it is what `async_to_sync`
    itself uses there); management commands, Celery and the test client have none."""
    if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    return loop if loop is not None and loop.is_running() and not loop.is_closed() else None


def log_failure(future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("alert broadcast failed; clients will resync", exc_info=future.exception())


def revoke_user_sockets(user_id: int) -> None:
    """Close the live sockets of a user who was disabled or moved to another unit."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(user_group(user_id), {"type": "session.revoke"})
    except Exception:
        log.warning("socket revocation failed", exc_info=True)


def issue_ticket(user) -> str:
    ticket = secrets.token_urlsafe(24)
    cache.set(_TICKET_PREFIX + ticket, user.pk, TICKET_TTL)
    return ticket


def redeem_ticket(ticket: str) -> int | None:
    """Single use: the first redemption deletes it."""
    if not ticket or len(ticket) > 64:
        return None
    key = _TICKET_PREFIX + ticket
    try:
        user_id = cache.get(key)
        if user_id is None:
            return None
        # delete() answers whether this caller removed it, so two racing sockets cannot both win.
        if not cache.delete(key):
            return None
    except Exception:
        return None
    return user_id
