"""The in-process insurer directory used by drafts and submissions."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.insurers import directory
from apps.insurers.directory import companies
from apps.insurers.models import InsuranceCompany


def test_reads_once_then_answers_from_memory(demo):
    assert companies.active("picc").name
    with CaptureQueriesContext(connection) as ctx:
        assert companies.active("pingan") is not None
        assert companies.get(InsuranceCompany.objects.get(code="cpic").pk).code == "cpic"
    assert len(ctx.captured_queries) == 1  # only the test's own lookup of the id


def test_a_change_saved_in_this_process_applies_at_once(demo):
    assert companies.active("picc") is not None
    company = InsuranceCompany.objects.get(code="picc")
    company.is_active = False
    company.save()
    assert companies.active("picc") is None
    # An inactive company is still known by id: parties that named it keep it.
    assert companies.get(company.pk).code == "picc"


def test_a_change_made_elsewhere_applies_after_the_refresh_time(demo, monkeypatch):
    assert companies.active("picc") is not None
    InsuranceCompany.objects.filter(code="picc").update(is_active=False)  # no signal: like another process
    assert companies.active("picc") is not None
    clock = [directory.time.monotonic() + directory.REFRESH_SECONDS + 1]
    monkeypatch.setattr(directory.time, "monotonic", lambda: clock[0])
    assert companies.active("picc") is None


def test_a_company_created_elsewhere_is_found_by_id(demo):
    companies.active("picc")
    created = InsuranceCompany.objects.bulk_create([InsuranceCompany(code="newco", name="新财险")])[0]
    assert companies.get(created.pk).name == "新财险"
    assert companies.active("newco") is None  # until the next refresh
