from django.contrib.auth.models import Group

from apps.accounts.models import User
from apps.system.models import AuditEntry

URL = "/api/v1/system/roles"


def test_roles_list_codes_chinese_names_and_permissions(demo, client_for):
    rows = {r["code"]: r for r in client_for("city_admin").get(URL).json()}
    assert set(rows) == {"city_admin", "supervisor", "officer", "insurer"}
    assert rows["officer"]["name"] == "民警"
    assert "cases.decide_case" in rows["officer"]["permissions"]
    assert "审核（适用 / 不适用）" in rows["officer"]["permission_names"]
    assert rows["insurer"]["permissions"] == ["insurers.lookup_case", "insurers.record_claim"]
    catalogue = client_for("city_admin").get("/api/v1/system/permissions").json()
    assert {"code": "guide.change_article", "name": "编辑指南文章"} in catalogue


def test_patch_permissions_from_the_allow_list(demo, client_for):
    admin = client_for("city_admin")
    supervisor_group = Group.objects.get(name="supervisor")
    new = ["cases.view_case", "stats.view_stats"]
    # Addressed by id as the admin screen does; name/code sent back are ignored.
    response = admin.patch(f"{URL}/{supervisor_group.pk}", {"permissions": new, "name": "领导", "code": "supervisor"},
                           format="json")
    assert response.status_code == 200, response.content
    assert response.json()["permissions"] == new
    leader = User.objects.get(username="city_leader")
    assert not leader.has_perm("fraud.view_fraudwarning")
    entry = AuditEntry.objects.filter(action="role.change_permissions").latest("id")
    assert "fraud.view_fraudwarning" in entry.changes["old"] and entry.changes["new"] == new


def test_permissions_outside_the_allow_list_are_refused(demo, client_for):
    admin = client_for("city_admin")
    for codes in (["auth.change_user"], ["token_blacklist.delete_blacklistedtoken"], ["nonsense"]):
        response = admin.patch(f"{URL}/officer", {"permissions": codes}, format="json")
        assert response.status_code == 400, codes
    assert "auth.change_user" not in User.objects.get(username="youjiang_officer").get_all_permissions()


def test_city_admin_role_keeps_user_management(demo, client_for):
    response = client_for("city_admin").patch(f"{URL}/city_admin", {"permissions": ["cases.view_case"]}, format="json")
    assert response.status_code == 400 and "管理用户" in response.json()["detail"]
    assert client_for("city_admin").get("/api/v1/system/users").status_code == 200


def test_unknown_role_is_404(demo, client_for):
    assert client_for("city_admin").patch(f"{URL}/god", {"permissions": []}, format="json").status_code == 404
    assert client_for("city_admin").get(f"{URL}/999999").status_code == 404
