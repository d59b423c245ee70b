import csv
import io

from apps.system.audit import audit
from apps.system.models import AuditEntry

URL = "/api/v1/system/audit"


def _seed_entries():
    from apps.accounts.models import User

    admin = User.objects.get(username="admin")
    officer = User.objects.get(username="pingguo_officer")
    audit(None, "case.claim", user=officer, changes={"receipt_no": "KC123"})
    audit(None, "auth.login", user=None, username="nobody", success=False)
    audit(None, "user.update", user=admin, changes={"note": "=HYPERLINK(\"http://x\")"})
    audit(None, "user.update", user=None, username="=cmd|' /C calc'!A0", success=False)


def test_list_is_paginated_newest_first_with_labels(demo, client_for):
    _seed_entries()
    body = client_for("city_admin").get(URL, {"page_size": 2}).json()
    assert body["count"] >= 3 and len(body["results"]) == 2 and body["next"]
    newest = body["results"][0]
    assert newest["action"] in ("auth.login", "user.update")
    ids = [r["id"] for r in client_for("city_admin").get(URL).json()["results"]]
    assert ids == sorted(ids, reverse=True)


def test_filters(demo, client_for):
    _seed_entries()
    admin = client_for("city_admin")
    failed = admin.get(URL, {"success": "false"}).json()["results"]
    assert failed and all(not r["success"] for r in failed)
    assert {r["username"] for r in admin.get(URL, {"username": "pingguo"}).json()["results"]} == {"pingguo_officer"}
    by_prefix = admin.get(URL, {"action": "user"}).json()["results"]
    assert by_prefix and all(r["action"].startswith("user.") for r in by_prefix)
    exact = admin.get(URL, {"action": "case.claim"}).json()["results"]
    assert [r["changes"] for r in exact] == [{"receipt_no": "KC123"}]
    officer_id = exact[0]["user"]["id"]
    assert {r["action"] for r in admin.get(URL, {"user": officer_id}).json()["results"]} == {"case.claim"}
    assert admin.get(URL, {"from": "2000-01-01", "to": "2000-01-02"}).json()["count"] == 0
    assert admin.get(URL, {"from": "2000-01-01"}).json()["count"] == AuditEntry.objects.count()
    today = admin.get(URL, {"to": "2099-01-01T00:00:00+08:00"}).json()["count"]
    assert today == AuditEntry.objects.count()
    for bad in ({"from": "yesterday"}, {"success": "perhaps"}):
        response = admin.get(URL, bad)
        assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_export_streams_csv_with_formula_cells_neutralised(demo, client_for):
    _seed_entries()
    response = client_for("city_admin").get(f"{URL}/export", {"action": "user", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["时间", "账号", "单位", "来源地址", "操作"]
    assert any(r[4] == "user.update" for r in rows[1:])
    assert "'=cmd|' /C calc'!A0" in [r[1] for r in rows]
    assert all(not cell.startswith("=") for row in rows for cell in row)
    assert AuditEntry.objects.filter(action="audit.export", username="admin").exists()


def test_entries_cannot_be_changed_through_the_api(demo, client_for):
    _seed_entries()
    entry = AuditEntry.objects.first()
    admin = client_for("city_admin")
    assert admin.delete(f"{URL}/{entry.pk}").status_code in (404, 405)
    assert admin.patch(URL, {"x": 1}, format="json").status_code == 405
