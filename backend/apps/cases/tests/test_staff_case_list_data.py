"""The staff case list is built from plain rows (`staff_case_rows`, `with_plates_and_warnings`,
`staff_case_list_data`); `StaffCaseListSerializer` documents the schema. Both must give the same JSON."""

import json

from rest_framework.renderers import JSONRenderer

from apps.accounts.models import User
from apps.cases.api.serializers import StaffCaseListSerializer
from apps.cases.models import Case, Status
from apps.cases.selectors import staff_case_detail
from apps.fraud.models import FraudWarning, Kind
from conftest import make_submitted_case


def as_json(data):
    return json.loads(JSONRenderer().render(data))


def serializer_page(username: str, limit: int = 20) -> list[dict]:
    user = User.objects.get(username=username)
    cases = staff_case_detail(user).order_by("-submitted_at", "-id")[:limit]
    return as_json(StaffCaseListSerializer(cases, many=True).data)


def test_the_list_gives_the_serializers_json_for_every_kind_of_row(demo, owner_client, staff):
    owner = owner_client()
    plain = make_submitted_case(owner, "451082", key="l-1", plates=("桂L10001", "桂LD10002"))
    claimed = make_submitted_case(owner, "451082", key="l-2", plates=("桂L10003", "桂L10004"))
    warned = make_submitted_case(owner, "451002", key="l-3", plates=("桂L10005", "桂L10006"))
    outside = make_submitted_case(owner, "451082", key="l-4", plates=("桂L10007", "桂L10008"))

    officer = User.objects.get(username="pingguo_officer")
    officer.display_name = "黄警官"
    officer.save()
    assert staff("pingguo_officer").post(f"/api/v1/cases/{claimed['id']}/claim").status_code == 200
    Case.objects.filter(pk=plain["id"]).update(status=Status.ACCEPTED)
    case = Case.objects.get(pk=warned["id"])
    for kind, plate, active in ((Kind.REPEAT_PLATE, "桂L10005", True), (Kind.SHARED_PHONE, "138****8000", True),
                                (Kind.REPEAT_PAIR, "X1", False)):
        FraudWarning.objects.create(case=case, unit=case.unit, kind=kind, plate=plate, count=3, window_days=365,
                                    reason=f"{plate} 的预警理由", active=active)
    Case.objects.filter(pk=warned["id"]).update(has_fraud_warning=True)
    Case.objects.filter(pk=outside["id"]).update(inside_jurisdiction=False)

    for username in ("admin", "pingguo_officer", "youjiang_officer"):
        answer = staff(username).get("/api/v1/cases").json()["results"]
        assert answer == serializer_page(username)
    rows = {row["id"]: row for row in staff("admin").get("/api/v1/cases").json()["results"]}
    assert rows[claimed["id"]]["claimed_by"] == "黄警官"
    assert rows[plain["id"]]["status_label"] != rows[plain["id"]]["status"]
    assert [w["kind"] for w in rows[warned["id"]]["fraud_warnings"]] == [Kind.SHARED_PHONE, Kind.REPEAT_PLATE]
    assert rows[warned["id"]]["plates"] == ["桂L10005", "桂L10006"]
    assert rows[outside["id"]]["inside_jurisdiction"] is False


def test_pages_and_filters_keep_the_serializers_json(demo, owner_client, staff):
    owner = owner_client()
    made = [make_submitted_case(owner, "451082", key=f"p-{i}", plates=(f"桂L2{i:04d}", f"桂LD2{i:04d}")) for i in range(5)]
    admin = staff("admin")
    first = admin.get("/api/v1/cases", {"page_size": 2}).json()
    second = admin.get(first["next"]).json()
    expected = serializer_page("admin")
    assert first["results"] + second["results"] == expected[:4]
    assert [row["id"] for row in expected] == [c["id"] for c in reversed(made)]
    by_plate = admin.get("/api/v1/cases", {"plate": "桂l 20003"}).json()["results"]
    assert [row["id"] for row in by_plate] == [made[3]["id"]]
    assert by_plate == [row for row in expected if row["id"] == made[3]["id"]]
    # Without a filter parameter the filter form is skipped; an unknown parameter changes nothing and
    # a bad filter value is still refused.
    assert admin.get("/api/v1/cases", {"foo": "1"}).json()["results"] == expected
    refused = admin.get("/api/v1/cases", {"status": "bogus"})
    assert refused.status_code == 400
    assert [row["id"] for row in admin.get("/api/v1/cases", {"status": "accepted"}).json()["results"]] == []
    # A county officer sees only his county's cases, the same rows as the serializer's.
    assert staff("pingguo_officer").get("/api/v1/cases").json()["results"] == serializer_page("pingguo_officer")
