"""Telling the owner about a status change. The timeline already shows it; WeChat is extra."""

import logging

from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)


def notify_owner(case) -> None:
    if not (settings.WECHAT_ENABLED and settings.WECHAT_TEMPLATE_ID):
        return
    owner = case.owner
    if owner is None or not owner.openid:
        return
    payload = {
        "openid": owner.openid,
        "receipt_no": case.receipt_no,
        "status": case.get_status_display(),
        "note": (case.events.order_by("-id").values_list("note", flat=True).first() or "")[:100],
    }
    transaction.on_commit(lambda: send_template_task.delay(payload), robust=True)  # queue outage must not fail the officer


def _send(payload: dict) -> None:
    from .client import get_client

    data = {
        "first": {"value": "您的事故报案有新进展"},
        "keyword1": {"value": payload["receipt_no"]},
        "keyword2": {"value": payload["status"]},
        "remark": {"value": payload["note"]},
    }
    url = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/h5/track?receipt={payload['receipt_no']}" if settings.PUBLIC_BASE_URL else None
    get_client().message.send_template(payload["openid"], settings.WECHAT_TEMPLATE_ID, data, url=url)


try:
    from celery import shared_task

    @shared_task(bind=True, max_retries=3, default_retry_delay=30)
    def send_template_task(self, payload: dict) -> None:
        try:
            _send(payload)
        except Exception as exc:  # WeChat outages are retried; the timeline has the news anyway
            log.warning("template message failed (receipt %s)", payload.get("receipt_no"))
            if not self.request.is_eager:
                raise self.retry(exc=exc) from exc
except ImportError:  # pragma: no cover
    pass
