"""GET /api/v1/owner/settings: the city-admin parameters the car-owner H5 applies itself."""

from rest_framework.test import APIClient

from apps.system.models import Parameter
from apps.system.parameters import params
from conftest import login

URL = "/api/v1/owner/settings"
ADMIN_URL = "/api/v1/system/parameters"

DEFAULTS = {
    "required_media_slots": ["scene_front", "scene_rear", "scene_contact"],
    "max_accident_age_days": 7,
    "photo_max_mb": 15,
    "video_max_mb": 200,
    "review_service_hours": "00:00-24:00",
    "max_parties": 20,
}


def test_public_without_login_and_exactly_the_owner_values(db, api):
    response = api.get(URL)
    assert response.status_code == 200, response.content
    assert response.json() == DEFAULTS
    # Nothing personal: a short shared cache is fine (other API answers stay no-store).
    assert response["Cache-Control"] == "public, max-age=60"
    assert api.get("/api/v1/owner/cases")["Cache-Control"] == "no-store"


def test_values_follow_the_parameters(db, api):
    for key, value in {
        "required_media_slots": "scene_front,scene_contact",
        "max_accident_age_days": 3,
        "photo_max_mb": 8,
        "video_max_mb": 50,
        "review_service_hours": "08:00-20:00",
        "max_parties": 30,
    }.items():
        Parameter.objects.create(key=key, value=value)
    params.invalidate()
    assert api.get(URL).json() == {
        "required_media_slots": ["scene_front", "scene_contact"],
        "max_accident_age_days": 3,
        "photo_max_mb": 8,
        "video_max_mb": 50,
        "review_service_hours": "08:00-20:00",
        "max_parties": 30,
    }


def test_admin_change_shows_up_for_owners(demo, api):
    admin = login(APIClient(), "admin")
    assert admin.patch(f"{ADMIN_URL}/review_service_hours", {"value": " 8:30～17:30 "}, format="json").json()["value"] \
        == "08:30-17:30"
    assert admin.patch(f"{ADMIN_URL}/required_media_slots", {"value": "scene_rear"}, format="json").status_code == 200
    body = api.get(URL).json()
    assert body["review_service_hours"] == "08:30-17:30"
    assert body["required_media_slots"] == ["scene_rear"]


def test_bad_review_service_hours_refused_in_chinese(demo):
    admin = login(APIClient(), "admin")
    for value, message in [
        ("abc", "请按“08:00-20:00”的格式填写"),
        ("08:00", "请按“08:00-20:00”的格式填写"),
        ("20:00-08:00", "开始时刻必须早于结束时刻"),
        ("08:00-08:00", "开始时刻必须早于结束时刻"),
        ("25:00-26:00", "不是有效的时刻"),
        ("08:00-24:30", "不是有效的时刻"),
        ("08:61-20:00", "不是有效的时刻"),
    ]:
        response = admin.patch(f"{ADMIN_URL}/review_service_hours", {"value": value}, format="json")
        assert response.status_code == 400, (value, response.content)
        body = response.json()
        assert body["code"] == "invalid" and message in body["detail"], (value, body)
        assert body["errors"]["value"] == [body["detail"]]
    assert not Parameter.objects.filter(key="review_service_hours").exists()
    ok = admin.patch(f"{ADMIN_URL}/review_service_hours", {"value": "00:00-24:00"}, format="json")
    assert ok.status_code == 200 and ok.json()["value"] == "00:00-24:00"


def test_an_old_unvalidated_value_falls_back_to_the_default(db, api):
    Parameter.objects.create(key="review_service_hours", value="abc")
    params.invalidate()
    assert api.get(URL).json()["review_service_hours"] == "00:00-24:00"
