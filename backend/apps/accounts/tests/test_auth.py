import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.system.models import AuditEntry


def token(client, username, password="Demo@2026"):
    return client.post("/api/v1/auth/token", {"username": username, "password": password}, format="json")


def test_login_returns_tokens_and_is_audited(demo, api):
    response = token(api, "pingguo_officer")
    assert response.status_code == 200
    assert {"access", "refresh"} <= set(response.json())
    entry = AuditEntry.objects.filter(action="auth.login", username="pingguo_officer").first()
    assert entry.success and entry.ip == "127.0.0.1"


def test_wrong_password_is_401_in_chinese_and_audited(demo, api):
    response = token(api, "pingguo_officer", "wrong-password")
    assert response.status_code == 401
    assert response.json() == {"code": "invalid_credentials", "detail": "用户名或密码错误。"}
    assert AuditEntry.objects.filter(action="auth.login", username="pingguo_officer", success=False).count() == 1
    # An unknown user answers exactly the same.
    assert token(api, "nobody", "x").json() == response.json()


def test_lockout_after_repeated_failures(demo, api, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        assert token(api, "tiandong_officer", "bad").status_code == 401
    locked = token(api, "tiandong_officer")  # even the right password is refused now
    assert locked.status_code == 403 and locked.json()["code"] == "account_locked"
    assert "锁定" in locked.json()["detail"]
    User.objects.filter(username="tiandong_officer").update(locked_until=None)
    assert token(api, "tiandong_officer").status_code == 200


def test_refresh_rotates_and_blacklists_the_old_token(demo, api):
    pair = token(api, "admin").json()
    first = api.post("/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json")
    assert first.status_code == 200
    assert first.json()["refresh"] != pair["refresh"]
    reused = api.post("/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json")
    assert reused.status_code == 401 and reused.json()["code"] == "token_not_valid"
    again = api.post("/api/v1/auth/token/refresh", {"refresh": first.json()["refresh"]}, format="json")
    assert again.status_code == 200


def test_me_lists_roles_and_permissions(demo, staff):
    me = staff("pingguo_officer").get("/api/v1/auth/me").json()
    assert me["roles"] == ["officer"] and me["unit"]["adcode"] == "451082"
    assert "cases.claim_case" in me["permissions"] and "accounts.manage_users" not in me["permissions"]
    leader = staff("pingguo_leader").get("/api/v1/auth/me").json()
    assert "cases.view_case" in leader["permissions"] and "cases.claim_case" not in leader["permissions"]


def test_initial_password_must_be_changed(demo, api):
    user = User.objects.create_user("new_officer", password="Init@Pass2026", unit=User.objects.get(username="pingguo_officer").unit)
    user.groups.set(User.objects.get(username="pingguo_officer").groups.all())
    user.must_change_password = True
    user.save()
    body = token(api, "new_officer", "Init@Pass2026").json()
    assert body["must_change_password"] is True
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    blocked = api.get("/api/v1/cases")
    assert blocked.status_code == 403 and blocked.json()["code"] == "password_change_required"
    weak = api.post("/api/v1/auth/password", {"old_password": "Init@Pass2026", "new_password": "12345678"}, format="json")
    assert weak.status_code == 400 and weak.json()["code"] == "weak_password"
    ok = api.post("/api/v1/auth/password", {"old_password": "Init@Pass2026", "new_password": "Xin#Mima2026"}, format="json")
    assert ok.status_code == 204
    assert api.get("/api/v1/cases").status_code == 200


def test_disabled_user_token_stops_working(demo, staff):
    client = staff("pingguo_officer")
    User.objects.filter(username="pingguo_officer").update(is_active=False)
    response = client.get("/api/v1/cases")
    assert response.status_code == 401


def test_seed_is_idempotent(demo):
    from apps.accounts.management.commands.seed_demo import seed
    from apps.units.models import Unit

    before = (Unit.objects.count(), User.objects.count())
    result = seed()
    assert result["users_created"] == 0
    assert (Unit.objects.count(), User.objects.count()) == before
    assert Unit.objects.get(adcode="451082", kind="county").parent.adcode == "451000"


def test_seed_refuses_production(settings):
    from django.core.management import CommandError, call_command

    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("seed_demo")


@pytest.mark.django_db
def test_health_ok(api):
    body = api.get("/api/v1/health").json()
    assert body == {"status": "ok", "database": "ok", "channel_layer": "ok"}


@pytest.mark.django_db(transaction=True)
def test_health_reports_a_down_database(api):
    original = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-dir/db.sqlite3"
    else:
        connection.settings_dict["PORT"] = "1"
    try:
        response = api.get("/api/v1/health")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert response.status_code == 503
    assert response.json()["database"] == "error" and response.json()["status"] == "error"


@pytest.mark.django_db
def test_health_reports_a_down_channel_layer(api, settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}}
    channel_layers.backends.clear()
    try:
        response = api.get("/api/v1/health")
    finally:
        channel_layers.backends.clear()
    assert response.status_code == 503
    assert response.json()["channel_layer"] == "error" and response.json()["database"] == "ok"


def test_errors_are_json_with_code_and_chinese_detail(demo):
    response = APIClient().get("/api/v1/cases")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])
