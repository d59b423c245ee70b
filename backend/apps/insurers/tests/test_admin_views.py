import pytest
from rest_framework.test import APIClient

from apps.insurers.models import InsuranceCompany
from apps.system.models import AuditEntry

URL = "/api/v1/system/insurers"
ROLE_USERS = {"supervisor": "city_leader", "officer": "youjiang_officer", "insurer": "insurer_picc"}


@pytest.fixture
def as_role(staff, owner_client):
    def make(role: str) -> APIClient:
        if role == "anonymous":
            return APIClient()
        if role == "owner":
            return owner_client()
        return staff(ROLE_USERS.get(role, role))

    return make


@pytest.mark.parametrize("role", ["supervisor", "officer", "insurer", "owner", "anonymous"])
def test_only_the_city_admin_manages_insurers(demo, as_role, role):
    client = as_role(role)
    picc = InsuranceCompany.objects.get(code="picc")
    expected = 401 if role == "anonymous" else 403
    for response in (
        client.get(URL),
        client.post(URL, {"code": "newco", "name": "新公司"}, format="json"),
        client.get(f"{URL}/{picc.pk}"),
        client.patch(f"{URL}/{picc.pk}", {"hotline": "1"}, format="json"),
    ):
        assert response.status_code == expected, response.content
    picc.refresh_from_db()
    assert picc.hotline == "95518" and not InsuranceCompany.objects.filter(code="newco").exists()


def test_list_create_patch_audited(demo, as_role, api):
    admin = as_role("admin")
    rows = admin.get(URL).json()
    assert [r["code"] for r in rows][:3] == ["picc", "pingan", "cpic"]
    assert next(r for r in rows if r["code"] == "picc")["user_count"] == 1

    created = admin.post(URL, {"code": "Bsxh", "name": " 北部湾财险 ", "full_name": "北部湾财产保险股份有限公司",
                               "hotline": "956033", "order": 50}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["code"] == "bsxh" and created.json()["name"] == "北部湾财险"
    assert "bsxh" in [r["code"] for r in api.get("/api/v1/insurers").json()]

    pk = created.json()["id"]
    patched = admin.patch(f"{URL}/{pk}", {"hotline": "0771-956033", "is_active": False}, format="json")
    assert patched.status_code == 200 and patched.json()["is_active"] is False
    assert "bsxh" not in [r["code"] for r in api.get("/api/v1/insurers").json()]
    assert admin.get(URL).json()[-1]["code"] in {r["code"] for r in admin.get(URL).json()}  # inactive still listed here
    update = AuditEntry.objects.get(action="insurer.update", object_id=str(pk))
    assert update.changes["hotline"] == {"old": "956033", "new": "0771-956033"}
    assert AuditEntry.objects.filter(action="insurer.create", object_id=str(pk)).exists()


def test_bad_input(demo, as_role):
    admin = as_role("admin")
    picc = InsuranceCompany.objects.get(code="picc")
    for body, field in (
        ({"code": "picc", "name": "重复"}, "code"),
        ({"code": "a b", "name": "x"}, "code"),
        ({"code": "okco", "name": ""}, "name"),
        ({"code": "okco", "name": "x", "hotline": "call me"}, "hotline"),
        ({"code": "okco", "name": "x", "id": 5}, "id"),
    ):
        response = admin.post(URL, body, format="json")
        assert response.status_code == 400 and field in response.json()["errors"], (body, response.json())
    clash = admin.patch(f"{URL}/{picc.pk}", {"code": "pingan"}, format="json")
    assert clash.status_code == 400
    assert admin.patch(f"{URL}/{picc.pk}", {"code": "picc", "order": 1}, format="json").status_code == 200
    assert admin.get(f"{URL}/999999").status_code == 404
