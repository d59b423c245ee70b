"""Archive and restore against two real databases (`default` and `archive`)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models

from apps.accounts.models import User
from apps.cases.models import Case, CaseEvent, Media, Party, Status
from apps.fraud.models import FraudWarning
from apps.stats.archive import TABLES, ArchiveError, restore_from_archive, run_archive
from apps.stats.models import ArchiveRun, CaseFact
from apps.stats.retention import run_retention
from apps.system.models import AuditEntry
from apps.units.models import Unit
from conftest import draft_payload, make_submitted_case

from .conftest import MARCH

pytestmark = pytest.mark.django_db(databases=["default", "archive"])


def archived(model) -> models.QuerySet:
    return models.QuerySet(model=model, using="archive")


def rows(model, alias: str) -> list[tuple]:
    columns = [f.attname for f in model._meta.concrete_fields]
    return list(models.QuerySet(model=model, using=alias).order_by("pk").values_list(*columns))


def assert_same(*model_list) -> None:
    for model in model_list:
        assert rows(model, "archive") == rows(model, "default"), model


def test_first_run_copies_everything_and_a_rerun_copies_nothing(dataset):
    first = run_archive()
    assert first["cases.case"]["written"] == 6
    assert first["cases.party"]["written"] == 12
    assert first["cases.media"]["written"] == 18
    assert first["stats.casefact"]["written"] == 6
    assert first["fraud.fraudwarning"]["written"] == 1
    assert first["units.unit"]["written"] == Unit.objects.count()
    assert_same(*[t.model for t in TABLES])
    # Password hashes travel with the users (the archive is the city's own server).
    assert archived(User).get(username="admin").password == User.objects.get(username="admin").password

    second = run_archive()
    assert second["total"] == {"written": 0, "deleted": 0}
    assert all(c == {"written": 0, "deleted": 0} for c in second.values())
    assert list(ArchiveRun.objects.values_list("status", flat=True)) == ["ok", "ok"]


def test_changes_propagate(dataset, staff, owner_client):
    run_archive()
    pingguo = staff("pingguo_officer")
    new = make_submitted_case(owner_client(), "451082", key="new", plates=("桂L88888", "桂L88889"))
    assert pingguo.post(f"/api/v1/cases/{new['id']}/decision", {"decision": "accepted"}, format="json").status_code == 200
    # An insurer's claim touches no case row, only adds a claim and a timeline event.
    receipt = Case.objects.get(pk=dataset["A"]).receipt_no
    r = staff("insurer_picc").post(f"/api/v1/insurer/cases/{receipt}/claim", {"claim_no": "PICC-001"}, format="json")
    assert r.status_code in (200, 201), r.content
    User.objects.filter(username="tiandong_leader").update(display_name="田东新领导")

    counts = run_archive()

    assert counts["cases.case"]["written"] == 1
    assert counts["cases.insurerclaim"]["written"] == 1
    assert counts["accounts.user"]["written"] >= 1
    assert archived(Case).get(pk=new["id"]).status == Status.ACCEPTED
    assert archived(User).get(username="tiandong_leader").display_name == "田东新领导"
    assert_same(*[t.model for t in TABLES])
    assert run_archive()["total"] == {"written": 0, "deleted": 0}


def test_purges_and_deleted_drafts_propagate(dataset, owner_client):
    owner = owner_client()
    draft_id = owner.post("/api/v1/owner/cases", draft_payload("451002"), format="json").json()["id"]
    run_archive()
    assert archived(Case).filter(pk=draft_id).exists()
    assert archived(Media).filter(case_id=dataset["A"]).count() == 3

    assert owner.delete(f"/api/v1/owner/cases/{draft_id}").status_code == 204
    run_retention()
    counts = run_archive()

    assert counts["cases.case"] == {"written": 6, "deleted": 1}
    assert counts["cases.media"]["deleted"] == 18
    assert counts["fraud.fraudwarning"]["deleted"] == 1
    assert not archived(Case).filter(pk=draft_id).exists()
    copy = archived(Case).get(pk=dataset["A"])
    assert copy.status == Status.EXPIRED and copy.owner_id is None and copy.address == ""
    assert not archived(Media).filter(case_id__in=dataset.values()).exists()
    assert set(archived(Party).filter(case_id__in=dataset.values()).values_list("phone", flat=True)) == {""}
    assert not archived(FraudWarning).exists()
    assert archived(CaseEvent).filter(case_id=dataset["A"], status=Status.EXPIRED).count() == 1
    assert archived(AuditEntry).filter(action="retention.run").count() == 1
    assert_same(*[t.model for t in TABLES])
    assert run_archive()["total"] == {"written": 0, "deleted": 0}


def wipe_primary() -> None:
    """What a freshly migrated, empty primary database looks like."""
    if connection.vendor == "postgresql":
        # Inside the test's transaction, TRUNCATE refuses while deferred FK checks are pending.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", database="default", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()


def test_restore_into_an_empty_primary(dataset, staff, owner_client):
    admin = staff("admin")
    summary = admin.get(f"/api/v1/stats/summary?{MARCH}&group=week").json()
    cases_before = rows(Case, "default")
    run_archive()

    with pytest.raises(ArchiveError):
        restore_from_archive()
    with pytest.raises(CommandError, match="--force"):
        call_command("restore_from_archive", verbosity=0)

    wipe_primary()
    try:
        assert not Case.objects.exists() and not User.objects.exists()
        call_command("restore_from_archive", verbosity=0)

        assert rows(Case, "default") == cases_before
        assert CaseFact.objects.count() == 6
        assert_same(*[t.model for t in TABLES])
        # Logins, roles and scope work again, and the figures are the same.
        assert staff("admin").get(f"/api/v1/stats/summary?{MARCH}&group=week").json() == summary
        listing = staff("pingguo_officer").get("/api/v1/cases").json()
        assert {c["id"] for c in listing["results"]} == {dataset["A"], dataset["B"], dataset["C"]}
        # Sequences moved past the restored ids: new rows do not collide with them.
        new = make_submitted_case(owner_client(), "451022", key="after-restore", plates=("桂L99999", "桂L99998"))
        assert new["id"] > max(dataset.values())
    finally:
        ContentType.objects.clear_cache()


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_archive_not_configured_is_a_clear_error(demo, settings):
    settings.DATABASES = {k: v for k, v in settings.DATABASES.items() if k != "archive"}
    with pytest.raises(ArchiveError, match="ARCHIVE_DATABASE_URL"):
        run_archive()
    with pytest.raises(CommandError, match="ARCHIVE_DATABASE_URL"):
        call_command("run_archive", verbosity=0)
