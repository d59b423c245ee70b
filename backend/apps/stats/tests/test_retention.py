from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from apps.cases.models import Case, Media, Status
from apps.fraud.models import FraudWarning
from apps.stats.retention import run_retention
from apps.system.models import AuditEntry, Parameter
from apps.system.parameters import params
from conftest import draft_payload, jpeg_bytes, upload

from .conftest import MARCH


def stored_files(case_ids) -> list[str]:
    names = []
    for media in Media.objects.filter(case_id__in=case_ids):
        names += [media.file.name, media.thumbnail.name]
    return [n for n in names if n]


def make_draft(owner, age_days: int) -> int:
    case_id = owner.post("/api/v1/owner/cases", draft_payload("451002"), format="json").json()["id"]
    assert upload(owner, case_id, "scene_front", jpeg_bytes(color=(1, 2, age_days))).status_code == 201
    then = timezone.now() - timedelta(days=age_days)
    Case.objects.filter(pk=case_id).update(created_at=then, updated_at=then)
    return case_id


def test_delete_removes_personal_data_and_files_but_not_the_figures(dataset, staff, owner_client):
    admin = staff("admin")
    before = admin.get(f"/api/v1/stats/summary?{MARCH}&group=week").json()
    files = stored_files(dataset.values())
    assert len(files) == 6 * 6 and all(default_storage.exists(n) for n in files)
    assert FraudWarning.objects.filter(case_id=dataset["C"]).exists()
    fresh = owner_client().post("/api/v1/owner/cases", {"occurred_at": None}, format="json").json()["id"]
    owner = owner_client()
    old_draft = make_draft(owner, 8)
    draft_files = stored_files([old_draft])
    assert draft_files and all(default_storage.exists(n) for n in draft_files)

    result = run_retention()

    assert result == {"action": "delete", "retention_days": 365, "cases": 6, "media": 18, "files": 36 + 2, "drafts": 1}
    assert not any(default_storage.exists(n) for n in files + draft_files)
    assert not Case.objects.filter(pk=old_draft).exists()
    assert Case.objects.filter(pk=fresh, status=Status.DRAFT).exists()
    for case in Case.objects.filter(pk__in=dataset.values()).prefetch_related("parties", "media"):
        assert case.status == Status.EXPIRED and case.purged_at is not None
        assert case.owner_id is None and case.address == "" and not case.media.all()
        assert all(p.phone == p.driver_name == p.plate == "" for p in case.parties.all())
        assert all(p.insurer_id for p in case.parties.all())  # insurers are not personal data
        assert case.gcj_lng == round(case.gcj_lng, 2) and case.wgs_lat == round(case.wgs_lat, 2)
        assert case.unit_id is not None
    assert not FraudWarning.objects.filter(case_id__in=dataset.values()).exists()
    entry = AuditEntry.objects.get(action="retention.run")
    assert entry.changes["cases"] == 6 and entry.changes["drafts"] == 1

    # The owner's view is gone; the officer still sees the anonymous case and its timeline.
    detail = admin.get(f"/api/v1/cases/{dataset['A']}").json()
    assert detail["status"] == "expired" and detail["timeline"][-1]["status"] == "expired"

    # Figures for the past do not move, also after the facts are rebuilt from the purged cases.
    assert admin.get(f"/api/v1/stats/summary?{MARCH}&group=week").json() == before
    call_command("refresh_facts", verbosity=0)
    assert admin.get(f"/api/v1/stats/summary?{MARCH}&group=week").json() == before

    again = run_retention()
    assert (again["cases"], again["media"], again["files"], again["drafts"]) == (0, 0, 0, 0)


def test_recent_cases_are_kept(dataset, owner_client):
    from conftest import make_submitted_case

    recent = make_submitted_case(owner_client(), "451082", key="recent", plates=("桂L77777", "桂L77778"))
    run_retention()
    case = Case.objects.get(pk=recent["id"])
    assert case.status == Status.SUBMITTED and case.purged_at is None and case.media.count() == 3


def test_invalidate_keeps_the_data(dataset, staff):
    Parameter.objects.create(key="retention_action", value="invalidate")
    params.invalidate()
    before = staff("admin").get(f"/api/v1/stats/summary?{MARCH}").json()
    files = stored_files(dataset.values())

    result = run_retention()

    assert (result["action"], result["cases"], result["media"], result["files"]) == ("invalidate", 6, 0, 0)
    assert all(default_storage.exists(n) for n in files)
    case = Case.objects.get(pk=dataset["A"])
    assert case.status == Status.EXPIRED and case.purged_at is not None
    assert case.parties.get(index=0).phone == "13800138000" and case.address == "测试路口"
    assert staff("admin").get(f"/api/v1/stats/summary?{MARCH}").json() == before
    assert run_retention()["cases"] == 0

    # Switching the rule to delete later still purges what was only invalidated.
    Parameter.objects.filter(key="retention_action").update(value="delete")
    params.invalidate()
    assert run_retention()["cases"] == 6
    assert not any(default_storage.exists(n) for n in files)
    assert Case.objects.get(pk=dataset["A"]).parties.get(index=0).phone == ""
