"""Every endpoint this app adds × every role: only the city admin gets in."""

import pytest

from apps.accounts.models import User
from apps.system.tests.helpers import NON_ADMIN_ROLES, expected_refusal
from apps.units.models import Unit


def endpoints(demo) -> list[tuple[str, str, dict | None]]:
    unit = demo["451082"].pk
    user = User.objects.get(username="pingguo_officer").pk
    return [
        ("get", "/api/v1/system/parameters", None),
        ("get", "/api/v1/system/parameters/fraud_threshold", None),
        ("patch", "/api/v1/system/parameters/fraud_threshold", {"value": 5}),
        ("get", "/api/v1/system/users", None),
        ("post", "/api/v1/system/users", {"username": "x_new", "roles": ["officer"], "unit": unit}),
        ("get", f"/api/v1/system/users/{user}", None),
        ("patch", f"/api/v1/system/users/{user}", {"display_name": "改名"}),
        ("post", f"/api/v1/system/users/{user}/reset-password", {}),
        ("get", "/api/v1/system/roles", None),
        ("get", "/api/v1/system/roles/officer", None),
        ("patch", "/api/v1/system/roles/officer", {"permissions": ["cases.view_case"]}),
        ("get", "/api/v1/system/permissions", None),
        ("get", "/api/v1/system/units", None),
        ("post", "/api/v1/system/units", {"name": "新单位", "kind": "station", "parent": unit}),
        ("get", f"/api/v1/system/units/{unit}", None),
        ("patch", f"/api/v1/system/units/{unit}", {"phone": "0776-1"}),
        ("get", f"/api/v1/system/units/{unit}/jurisdiction", None),
        ("post", f"/api/v1/system/units/{unit}/jurisdiction", {}),
        ("get", "/api/v1/system/audit", None),
        ("get", "/api/v1/system/audit/export", None),
    ]


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_everyone_but_the_city_admin_is_refused(demo, client_for, role):
    client = client_for(role)
    before = {u.pk: (u.phone, u.updated_at) for u in Unit.objects.all()}
    for method, url, body in endpoints(demo):
        response = getattr(client, method)(url, body, format="json") if body is not None else getattr(client, method)(url)
        assert response.status_code == expected_refusal(role), (method, url, response.status_code, response.content[:200])
        assert response.json()["code"] in ("permission_denied", "not_authenticated"), (method, url)
    assert {u.pk: (u.phone, u.updated_at) for u in Unit.objects.all()} == before
    assert not User.objects.filter(username="x_new").exists()


def test_city_admin_reads_every_endpoint(demo, client_for):
    admin = client_for("city_admin")
    for method, url, _ in endpoints(demo):
        if method != "get":
            continue
        response = admin.get(url)
        assert response.status_code == 200, (url, response.content[:300])


def test_initial_password_blocks_system_endpoints(demo, client_for):
    User.objects.filter(username="admin").update(must_change_password=True)
    admin = client_for("city_admin")
    response = admin.get("/api/v1/system/users")
    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"
