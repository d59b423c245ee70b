from apps.system.models import AuditEntry, Parameter
from apps.system.parameters import DEFINITIONS, params

URL = "/api/v1/system/parameters"


def test_list_has_every_definition_with_its_type_and_limits(demo, client_for):
    rows = {r["key"]: r for r in client_for("city_admin").get(URL).json()}
    assert set(rows) == set(DEFINITIONS)
    threshold = rows["fraud_threshold"]
    assert threshold == threshold | {"type": "int", "value": 3, "default": 3, "minimum": 2, "maximum": 100, "unit": "次"}
    assert {"value": "delete", "label": "删除个人数据和照片视频"} in rows["retention_action"]["choices"]


def test_change_takes_effect_without_restart_and_is_audited(demo, client_for):
    assert params.get("fraud_threshold") == 3
    response = client_for("city_admin").patch(f"{URL}/fraud_threshold", {"value": 5}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["value"] == 5
    assert params.get("fraud_threshold") == 5
    assert Parameter.objects.get(key="fraud_threshold").value == 5
    entry = AuditEntry.objects.filter(action="parameter.change").latest("id")
    assert entry.username == "admin"
    assert entry.changes == {"key": "fraud_threshold", "old": 3, "new": 5}


def test_string_number_is_coerced(demo, client_for):
    response = client_for("city_admin").patch(f"{URL}/photo_max_mb", {"value": "20"}, format="json")
    assert response.status_code == 200
    assert params.get("photo_max_mb") == 20


def test_invalid_values_are_refused_in_chinese_and_nothing_changes(demo, client_for):
    admin = client_for("city_admin")
    cases = [
        ("fraud_threshold", 1, "不能小于 2"),
        ("fraud_threshold", "三", "请输入整数"),
        ("fraud_threshold", True, "请输入整数"),
        ("retention_action", "shred", "取值必须是以下之一"),
        ("required_media_slots", "scene_front,selfie", "未知的照片位"),
        ("review_service_hours", 8, "请输入文字"),
        ("review_service_hours", "abc", "请按“08:00-20:00”的格式填写"),
        ("review_service_hours", "20:00-08:00", "开始时刻必须早于结束时刻"),
    ]
    for key, value, message in cases:
        response = admin.patch(f"{URL}/{key}", {"value": value}, format="json")
        assert response.status_code == 400, (key, value)
        body = response.json()
        assert body["code"] == "invalid" and message in body["detail"], body
    assert not Parameter.objects.exists()
    assert params.get("fraud_threshold") == 3


def test_unknown_key_missing_value_and_extra_fields(demo, client_for):
    admin = client_for("city_admin")
    assert admin.patch(f"{URL}/no_such", {"value": 1}, format="json").status_code == 404
    assert admin.patch(f"{URL}/fraud_threshold", {}, format="json").json()["code"] == "invalid"
    assert admin.patch(f"{URL}/fraud_threshold", {"value": 4, "x": 1}, format="json").status_code == 400


def test_supervisor_cannot_change(demo, client_for):
    response = client_for("supervisor").patch(f"{URL}/fraud_threshold", {"value": 9}, format="json")
    assert response.status_code == 403
    assert params.get("fraud_threshold") == 3
