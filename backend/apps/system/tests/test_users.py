from django.contrib.auth import password_validation
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.system.models import AuditEntry

URL = "/api/v1/system/users"


def _login(username: str, password: str):
    return APIClient().post("/api/v1/auth/token", {"username": username, "password": password}, format="json")


def test_list_filters(demo, client_for):
    admin = client_for("city_admin")
    everyone = admin.get(URL, {"page_size": 200}).json()
    assert everyone["count"] == User.objects.count()
    insurer_row = next(r for r in everyone["results"] if r["username"] == "insurer_picc")
    assert insurer_row["insurer"] == "picc" and insurer_row["unit"] is None and insurer_row["roles"] == ["insurer"]

    pingguo = admin.get(URL, {"unit": demo["451082"].pk}).json()["results"]
    assert {r["username"] for r in pingguo} == {"pingguo_officer", "pingguo_leader"}
    officers = admin.get(URL, {"role": "officer"}).json()["results"]
    assert {r["username"] for r in officers} == {"youjiang_officer", "pingguo_officer", "tiandong_officer"}
    assert [r["username"] for r in admin.get(URL, {"q": "田东民警"}).json()["results"]] == ["tiandong_officer"]
    User.objects.filter(username="tiandong_leader").update(is_active=False)
    assert [r["username"] for r in admin.get(URL, {"is_active": "false"}).json()["results"]] == ["tiandong_leader"]
    assert admin.get(URL, {"is_active": "maybe"}).status_code == 400


def test_create_with_password_validates_and_forces_change(demo, client_for):
    admin = client_for("city_admin")
    body = {"username": "pg_new", "display_name": "新民警", "unit": demo["451082"].pk, "roles": ["officer"],
            "password": "12345678"}
    weak = admin.post(URL, body, format="json")
    assert weak.status_code == 400 and weak.json()["code"] == "weak_password"
    assert not User.objects.filter(username="pg_new").exists()

    response = admin.post(URL, body | {"password": "Pingguo#2026x"}, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["roles"] == ["officer"] and created["must_change_password"] is True
    assert "password" not in created
    assert AuditEntry.objects.filter(action="user.create", object_id=str(created["id"])).exists()

    client = APIClient()
    token = _login("pg_new", "Pingguo#2026x").json()
    assert token["must_change_password"] is True
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token['access']}")
    assert client.get("/api/v1/cases").json()["code"] == "password_change_required"


def test_create_without_password_returns_a_generated_one_once(demo, client_for):
    admin = client_for("city_admin")
    response = admin.post(URL, {"username": "gen_user", "unit": demo["451002"].pk, "roles": ["supervisor"]}, format="json")
    assert response.status_code == 201
    password = response.json()["password"]
    password_validation.validate_password(password, User.objects.get(username="gen_user"))
    assert "password" not in admin.get(f"{URL}/{response.json()['id']}").json()
    assert _login("gen_user", password).status_code == 200


def test_create_refusals(demo, client_for):
    admin = client_for("city_admin")
    unit = demo["451082"].pk
    cases = [
        ({"username": "admin", "unit": unit, "roles": ["officer"]}, "username"),
        ({"username": "a b", "unit": unit, "roles": ["officer"]}, "username"),
        ({"username": "no_unit", "roles": ["officer"]}, "unit"),
        ({"username": "ins_x", "roles": ["insurer"]}, "insurer"),
        ({"username": "bad_role", "unit": unit, "roles": ["god"]}, "roles"),
        ({"username": "bad_unit", "unit": 999999, "roles": ["officer"]}, "unit"),
        ({"username": "extra", "unit": unit, "roles": ["officer"], "is_superuser": True}, "is_superuser"),
    ]
    for body, field in cases:
        response = admin.post(URL, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json().get("errors", {}), (body, response.json())
    ok = admin.post(URL, {"username": "ins_ok", "roles": ["insurer"], "insurer": "cpic"}, format="json")
    assert ok.status_code == 201 and ok.json()["insurer"] == "cpic"


def test_patch_moves_and_reroles_and_is_audited(demo, client_for):
    admin = client_for("city_admin")
    user = User.objects.get(username="pingguo_officer")
    response = admin.patch(f"{URL}/{user.pk}", {"unit": demo["451022"].pk, "roles": ["supervisor"], "phone": "13800000000",
                                                "display_name": "调动民警"}, format="json")
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.unit_id == demo["451022"].pk and user.role_codes == ["supervisor"] and user.phone == "13800000000"
    entry = AuditEntry.objects.filter(action="user.update", object_id=str(user.pk)).latest("id")
    assert entry.changes["unit"] == {"old": demo["451082"].pk, "new": demo["451022"].pk}
    assert entry.changes["roles"] == {"old": ["officer"], "new": ["supervisor"]}
    assert admin.patch(f"{URL}/{user.pk}", {"password": "Xx#12345678"}, format="json").status_code == 400


def test_admin_cannot_disable_or_demote_themselves(demo, client_for):
    admin = client_for("city_admin")
    me = User.objects.get(username="admin")
    assert admin.patch(f"{URL}/{me.pk}", {"is_active": False}, format="json").json()["code"] == "cannot_change_self"
    assert admin.patch(f"{URL}/{me.pk}", {"roles": ["officer"]}, format="json").json()["code"] == "cannot_change_self"
    me.refresh_from_db()
    assert me.is_active and me.role_codes == ["city_admin"]


def test_disabling_a_user_makes_their_token_fail(demo, client_for, django_capture_on_commit_callbacks):
    officer = client_for("officer")
    assert officer.get("/api/v1/cases").status_code == 200
    user = User.objects.get(username="youjiang_officer")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for("city_admin").patch(f"{URL}/{user.pk}", {"is_active": False}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert callbacks, "socket revocation is scheduled on commit"
    assert officer.get("/api/v1/cases").status_code == 401
    assert _login("youjiang_officer", "Demo@2026").status_code == 401


def test_reset_password_returns_a_valid_password_that_must_be_changed(demo, client_for):
    user = User.objects.get(username="tiandong_officer")
    response = client_for("city_admin").post(f"{URL}/{user.pk}/reset-password")
    assert response.status_code == 200
    password = response.json()["password"]
    user.refresh_from_db()
    password_validation.validate_password(password, user)
    assert user.must_change_password
    assert _login("tiandong_officer", "Demo@2026").status_code == 401

    token = _login("tiandong_officer", password).json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token['access']}")
    blocked = client.get("/api/v1/cases")
    assert blocked.status_code == 403 and blocked.json()["code"] == "password_change_required"
    changed = client.post("/api/v1/auth/password", {"old_password": password, "new_password": "Tiandong#2027"}, format="json")
    assert changed.status_code == 204
    assert client.get("/api/v1/cases").status_code == 200
    entry = AuditEntry.objects.filter(action="user.reset_password", object_id=str(user.pk)).get()
    assert password not in str(entry.changes)


def test_unknown_user_is_404(demo, client_for):
    admin = client_for("city_admin")
    assert admin.get(f"{URL}/999999").status_code == 404
    assert admin.post(f"{URL}/999999/reset-password").status_code == 404
