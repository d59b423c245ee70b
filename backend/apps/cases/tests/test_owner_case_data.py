"""The owner's case answer is built by plain functions (`owner_case_data`, `party_data`, `media_data`);
the DRF serializers document the schema. Both must give the same JSON for every kind of case."""

import json
import time
from contextlib import contextmanager
from unittest import mock

from django.utils import timezone
from PIL import Image
from rest_framework.renderers import JSONRenderer

from apps.cases import agreement
from apps.cases.api.serializers import MediaSerializer, OwnerCaseSerializer, media_data, owner_case_data
from apps.cases.models import Case, Media, Party
from apps.cases.selectors import owner_case_detail
from apps.insurers.models import InsuranceCompany
from conftest import draft_payload, jpeg_bytes, make_submitted_case, upload


def as_json(data) -> dict:
    return json.loads(JSONRenderer().render(data))


@contextmanager
def one_second():
    """Media links are signed with the current second: two answers compared field by field are
    built within the same one, or a second boundary between them would tell them apart."""
    with mock.patch("django.core.signing.time.time", return_value=time.time()):
        yield


def assert_same(case: Case) -> dict:
    fresh = owner_case_detail(case.owner).get(pk=case.pk)
    with one_second():
        built = as_json(owner_case_data(fresh))
        assert built == as_json(OwnerCaseSerializer(fresh).data)
    return built


def test_every_state_of_a_case_gives_the_serializers_json(demo, owner_client):
    owner = owner_client()
    # An empty draft: no location, no time, two blank parties.
    empty = owner.post("/api/v1/owner/cases", {}, format="json").json()
    body = assert_same(Case.objects.get(pk=empty["id"]))
    assert body["location"] is None and body["occurred_at"] is None and len(body["parties"]) == 2

    # A full draft with an "other" insurer, media with EXIF time and a party's licence.
    payload = draft_payload()
    payload["parties"][1].update({"insurer": None, "insurer_name": "某某财险"})
    draft = owner.post("/api/v1/owner/cases", payload, format="json").json()
    exif = Image.Exif()
    exif[0x0132] = "2026:11:25 09:41:07"
    assert upload(owner, draft["id"], "scene_front", jpeg_bytes(exif=exif.tobytes())).status_code == 201
    assert upload(owner, draft["id"], "driver_licence", jpeg_bytes(), party=1).status_code == 201
    body = assert_same(Case.objects.get(pk=draft["id"]))
    assert body["parties"][1]["insurer_label"] == "某某财险" and body["media"][0]["exif_taken_at"]

    # Submitted, with a liability suggestion, a confirmation, a decision and a liability set by an officer.
    submitted = make_submitted_case(owner, key="data-1")
    case = Case.objects.get(pk=submitted["id"])
    owner.post(f"/api/v1/owner/cases/{case.pk}/liability", {"situation": "other"}, format="json")
    case.refresh_from_db()
    case.agreement_confirmations = {"0": {"at": timezone.now().isoformat(), "ip": "127.0.0.1"}}
    case.feedback = "双方协商处理。"
    case.save()
    Party.objects.filter(case=case, index=0).update(liability="full")
    body = assert_same(case)
    assert body["receipt_no"] and body["timeline"] and body["parties"][0]["liability_label"]
    assert body["agreement"] == agreement.state(owner_case_detail(case.owner).get(pk=case.pk))


def without_link_expiry(body: dict) -> dict:
    for media in body["media"]:
        for key in ("url", "thumb_url"):
            media[key] = (media[key] or "").split("?")[0]
    return body


def test_the_written_case_is_answered_as_a_fresh_read_would_be(demo, owner_client):
    """Creation and submission answer from the objects just written; a later read gives the same."""
    owner = owner_client()
    created = owner.post("/api/v1/owner/cases", draft_payload(), format="json").json()
    assert created == owner.get(f"/api/v1/owner/cases/{created['id']}").json()
    submitted = make_submitted_case(owner, key="same")
    assert len(submitted["media"]) == 3 and submitted["timeline"]
    read = owner.get(f"/api/v1/owner/cases/{submitted['id']}").json()
    assert without_link_expiry(submitted) == without_link_expiry(read)


def test_media_data_matches_its_serializer(demo, owner_client):
    owner = owner_client()
    draft = owner.post("/api/v1/owner/cases", draft_payload(), format="json").json()
    answered = upload(owner, draft["id"], "scene_rear", jpeg_bytes()).json()
    media = Media.objects.get(pk=answered["id"])
    with one_second():
        assert as_json(media_data(media)) == as_json(MediaSerializer(media).data)
    # The upload answer itself: the signed links differ by their expiry, everything else is equal.
    expected = as_json(MediaSerializer(media).data)
    for key in ("url", "thumb_url"):
        assert answered.pop(key).split("?")[0] == expected.pop(key).split("?")[0]
    assert answered == expected


def test_insurer_shown_by_code_and_name(demo, owner_client):
    owner = owner_client()
    company = InsuranceCompany.objects.filter(is_active=True).first()
    payload = draft_payload()
    payload["parties"][0]["insurer"] = company.code
    draft = owner.post("/api/v1/owner/cases", payload, format="json").json()
    body = assert_same(Case.objects.get(pk=draft["id"]))
    assert body["parties"][0]["insurer"] == company.code and body["parties"][0]["insurer_label"] == company.name
