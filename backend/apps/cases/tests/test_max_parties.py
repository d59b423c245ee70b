"""How many parties one accident may have: the `max_parties` parameter (default 20), which a city admin
can raise for a pile-up. Both draft validators, the API and the upload of a party's documents follow it."""

import pytest
from rest_framework.test import APIClient

from apps.cases.validation import MAX_PARTIES, DraftInput, parse_draft
from apps.system.parameters import params
from conftest import jpeg_bytes, login

ADMIN_URL = "/api/v1/system/parameters/max_parties"
TOO_MANY = "该字段不能超过 {} 个元素。"


def _set(limit: int) -> None:
    admin = login(APIClient(), "admin")
    response = admin.patch(ADMIN_URL, {"value": limit}, format="json")
    assert response.status_code == 200, response.content


def _both(payload) -> tuple:
    serializer = DraftInput(data=payload)
    ok = serializer.is_valid()
    try:
        parse_draft(payload)
        parsed = True
    except Exception as exc:  # noqa: BLE001 - compared with the serializer's verdict below
        parsed = str(exc)
    return ok, serializer.errors if not ok else None, parsed


def test_the_default_is_twenty(db):
    assert MAX_PARTIES == 20 == params.get("max_parties")
    assert _both({"parties": [{}] * 20})[0] is True
    ok, errors, parsed = _both({"parties": [{}] * 21})
    assert ok is False and parsed is not True
    assert str(errors["parties"]["non_field_errors"][0]) == TOO_MANY.format(20)


def test_a_city_raises_the_limit_for_a_pile_up(demo, owner_client):
    _set(30)
    assert _both({"parties": [{}] * 30})[0] is True
    ok, errors, parsed = _both({"parties": [{}] * 31})
    assert ok is False and parsed is not True and str(errors["parties"]["non_field_errors"][0]) == TOO_MANY.format(30)

    owner = owner_client()
    parties = [{"plate": f"桂L{n:05d}", "vehicle_type": "small_car", "insurer": "picc", "phone": f"1380013{n:04d}"}
               for n in range(25)]
    draft = owner.post("/api/v1/owner/cases", {"parties": parties}, format="json")
    assert draft.status_code == 201, draft.content
    assert len(draft.json()["parties"]) == 25
    # The 25th party's licence can be uploaded: the party index follows the limit too.
    upload = owner.post(f"/api/v1/owner/cases/{draft.json()['id']}/media",
                        {"slot": "driver_licence", "party": "24", "file": _photo()}, format="multipart")
    assert upload.status_code == 201, upload.content
    assert owner.get("/api/v1/owner/settings").json()["max_parties"] == 30


def test_a_lower_limit_refuses_more_parties_in_chinese(demo, owner_client):
    _set(3)
    owner = owner_client()
    response = owner.post("/api/v1/owner/cases", {"parties": [{}] * 4}, format="json")
    assert response.status_code == 400
    assert TOO_MANY.format(3) in response.json()["detail"]
    draft = owner.post("/api/v1/owner/cases", {"parties": [{}] * 3}, format="json")
    assert draft.status_code == 201, draft.content
    refused = owner.post(f"/api/v1/owner/cases/{draft.json()['id']}/media",
                         {"slot": "driver_licence", "party": "3", "file": _photo()}, format="multipart")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_party"


@pytest.mark.parametrize("value", [1, 101, "many"])
def test_the_parameter_is_bounded(demo, value):
    admin = login(APIClient(), "admin")
    response = admin.patch(ADMIN_URL, {"value": value}, format="json")
    assert response.status_code == 400, response.content
    assert params.get("max_parties") == 20


def _photo():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("licence.jpg", jpeg_bytes(), content_type="image/jpeg")
