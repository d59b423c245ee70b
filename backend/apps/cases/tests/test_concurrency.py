import threading

import pytest
from django.db import close_old_connections
from rest_framework.test import APIClient

from apps.cases.models import Case, CaseEvent
from conftest import draft_payload, jpeg_bytes, upload

pytestmark = pytest.mark.django_db(transaction=True)


def prepared_draft() -> tuple[APIClient, int]:
    client = APIClient()
    token = client.post("/api/v1/owner/session", {}, format="json").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    case_id = client.post("/api/v1/owner/cases", draft_payload(), format="json").json()["id"]
    for slot in ("scene_front", "scene_rear", "scene_contact"):
        assert upload(client, case_id, slot, jpeg_bytes(size=(64, 48))).status_code == 201
    return client, case_id


def run_all(jobs):
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def worker(i, job):
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:  # recorded, asserted below
            results[i] = exc
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_fifty_concurrent_submissions_and_ten_retries(demo):
    drafts = [prepared_draft() for _ in range(50)]
    retried_client, retried_id = drafts[0]
    jobs = [
        (lambda c=c, i=i: c.post(f"/api/v1/owner/cases/{i}/submit", HTTP_IDEMPOTENCY_KEY=f"key-{i}"))
        for c, i in drafts
    ]
    jobs += [
        (lambda: retried_client.post(f"/api/v1/owner/cases/{retried_id}/submit", HTTP_IDEMPOTENCY_KEY=f"key-{retried_id}"))
        for _ in range(10)
    ]
    responses = run_all(jobs)
    assert all(not isinstance(r, Exception) for r in responses), [r for r in responses if isinstance(r, Exception)]
    assert all(r.status_code in (200, 201) for r in responses), [r.status_code for r in responses]
    ids = [c for _, c in drafts]
    submitted = Case.objects.filter(pk__in=ids)
    assert submitted.filter(status="submitted").count() == 50
    receipts = list(submitted.values_list("receipt_no", flat=True))
    assert len(set(receipts)) == 50 and all(receipts)
    # Every response about the retried case carries the same receipt; its timeline has one submit.
    retried = {r.json()["receipt_no"] for r in responses if r.json()["id"] == retried_id}
    assert len(retried) == 1
    assert CaseEvent.objects.filter(case_id=retried_id, action="submit").count() == 1
    assert sum(r.status_code == 201 for r in responses) == 50
