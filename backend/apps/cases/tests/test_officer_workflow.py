import threading

import pytest
from django.db import close_old_connections
from rest_framework.test import APIClient

from apps.cases.models import Case
from apps.common.testing import ScopedEndpointContract
from apps.system.models import AuditEntry
from conftest import login, make_submitted_case


@pytest.fixture
def pingguo_case(demo, owner_client):
    owner = owner_client()
    return owner, make_submitted_case(owner, "451082")


class TestCaseScope(ScopedEndpointContract):
    list_url = "/api/v1/cases"
    detail_url_template = "/api/v1/cases/{pk}"

    def make_object(self, adcode: str):
        from apps.wechat.models import Owner

        client = APIClient()
        token = client.post("/api/v1/owner/session", {}, format="json").json()["token"]
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        if adcode == "451000":
            case = make_submitted_case(client, "451082")
            from apps.units.models import Unit

            Case.objects.filter(pk=case["id"]).update(unit=Unit.objects.get(adcode="451000", kind="city"))
            return Case.objects.get(pk=case["id"])
        assert Owner.objects.exists()
        return Case.objects.get(pk=make_submitted_case(client, adcode)["id"])


def test_supervisor_reads_but_cannot_act(pingguo_case, staff):
    _, case = pingguo_case
    leader = staff("pingguo_leader")
    assert leader.get(f"/api/v1/cases/{case['id']}").status_code == 200
    assert leader.post(f"/api/v1/cases/{case['id']}/claim").status_code == 403


def test_insurer_and_owner_cannot_use_officer_endpoints(pingguo_case, staff):
    owner, case = pingguo_case
    assert staff("insurer_picc").get("/api/v1/cases").status_code == 403
    assert owner.get("/api/v1/cases").status_code in (401, 403)
    assert owner.post(f"/api/v1/cases/{case['id']}/claim").status_code in (401, 403)


def test_second_claim_is_refused(pingguo_case, staff, demo):
    from apps.accounts.models import User

    _, case = pingguo_case
    colleague = User.objects.create_user("pingguo_officer2", password="Demo@2026", unit=User.objects.get(username="pingguo_officer").unit)
    colleague.groups.set(User.objects.get(username="pingguo_officer").groups.all())
    first = staff("pingguo_officer").post(f"/api/v1/cases/{case['id']}/claim")
    assert first.status_code == 200 and first.json()["status"] == "reviewing"
    second = login(APIClient(), "pingguo_officer2").post(f"/api/v1/cases/{case['id']}/claim")
    assert second.status_code == 409 and second.json()["code"] == "already_claimed"


def test_rejection_requires_feedback_and_shows_it_to_the_owner(pingguo_case, staff):
    owner, case = pingguo_case
    officer = staff("pingguo_officer")
    missing = officer.post(f"/api/v1/cases/{case['id']}/decision", {"decision": "rejected"}, format="json")
    assert missing.status_code == 400 and "反馈" in missing.json()["detail"]
    ok = officer.post(f"/api/v1/cases/{case['id']}/decision",
                      {"decision": "rejected", "feedback": "照片看不清车牌，请在现场等候民警"}, format="json")
    assert ok.status_code == 200
    mine = owner.get(f"/api/v1/owner/cases/{case['id']}").json()
    assert mine["status"] == "rejected" and mine["feedback"] == "照片看不清车牌，请在现场等候民警"
    assert "平果民警" not in str(mine["timeline"])  # no officer personal data for owners
    assert AuditEntry.objects.filter(action="case.decide", object_id=str(case["id"])).exists()


def test_transfer_moves_access(pingguo_case, staff, demo):
    _, case = pingguo_case
    pingguo, tiandong = staff("pingguo_officer"), staff("tiandong_officer")
    tiandong_unit = demo["451022"]
    assert tiandong.get(f"/api/v1/cases/{case['id']}").status_code == 404
    response = pingguo.post(f"/api/v1/cases/{case['id']}/transfer", {"unit": tiandong_unit.pk, "reason": "事故地点在田东境内"}, format="json")
    assert response.status_code == 200 and response.json()["visible"] is False
    assert pingguo.get(f"/api/v1/cases/{case['id']}").status_code == 404
    assert tiandong.get(f"/api/v1/cases/{case['id']}").json()["unit"]["adcode"] == "451022"
    assert staff("admin").get(f"/api/v1/cases/{case['id']}").status_code == 200


def test_close_requires_liability_for_every_party(pingguo_case, staff):
    owner, case = pingguo_case
    officer = staff("pingguo_officer")
    officer.post(f"/api/v1/cases/{case['id']}/decision", {"decision": "accepted"}, format="json")
    partial = officer.post(f"/api/v1/cases/{case['id']}/close", {"liabilities": [{"party": 0, "liability": "full"}]}, format="json")
    assert partial.status_code == 400
    closed = officer.post(f"/api/v1/cases/{case['id']}/close", {"liabilities": [
        {"party": 0, "liability": "full"}, {"party": 1, "liability": "none"}], "notes": "追尾"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert [p["liability"] for p in closed.json()["parties"]] == ["full", "none"]
    assert "全部责任" in owner.get(f"/api/v1/owner/cases/{case['id']}").json()["timeline"][-1]["note"]


def test_void_then_no_more_actions(pingguo_case, staff):
    _, case = pingguo_case
    officer = staff("pingguo_officer")
    assert officer.post(f"/api/v1/cases/{case['id']}/void", {"reason": ""}, format="json").status_code == 400
    assert officer.post(f"/api/v1/cases/{case['id']}/void", {"reason": "照片与事故无关"}, format="json").status_code == 200
    again = officer.post(f"/api/v1/cases/{case['id']}/decision", {"decision": "accepted"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "status_conflict"


def test_list_filters(demo, owner_client, staff):
    owner = owner_client()
    a = make_submitted_case(owner, "451082", key="a", plates=("桂L11111", "桂L22222"))
    make_submitted_case(owner, "451022", key="b", plates=("桂L33333", "桂L44444"))
    admin = staff("admin")
    assert [c["id"] for c in admin.get("/api/v1/cases", {"plate": "桂l 11111"}).json()["results"]] == [a["id"]]
    assert [c["id"] for c in admin.get("/api/v1/cases", {"receipt_no": a["receipt_no"]}).json()["results"]] == [a["id"]]
    assert [c["id"] for c in admin.get("/api/v1/cases", {"unit": demo["451082"].pk}).json()["results"]] == [a["id"]]
    assert len(admin.get("/api/v1/cases", {"status": "submitted"}).json()["results"]) == 2
    assert admin.get("/api/v1/cases", {"status": "accepted"}).json()["results"] == []


def test_list_rows_carry_what_the_console_shows_in_a_fixed_number_of_queries(demo, owner_client, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    owner = owner_client()
    claimed = make_submitted_case(owner, "451082", key="a", plates=("桂L51111", "桂L52222"))
    for i in range(3):
        make_submitted_case(owner, "451082", key=f"k{i}", plates=(f"桂L6{i}111", f"桂L6{i}222"))
    officer = staff("pingguo_officer")
    assert officer.post(f"/api/v1/cases/{claimed['id']}/claim").status_code == 200
    officer.get("/api/v1/cases")  # access profile cached
    with CaptureQueriesContext(connection) as queries:
        rows = officer.get("/api/v1/cases").json()["results"]
    # user, cases (with unit and claimant), parties, warnings: not one more per row
    assert len(queries.captured_queries) == 4
    row = next(r for r in rows if r["id"] == claimed["id"])
    from apps.accounts.models import User

    me = User.objects.get(username="pingguo_officer")
    assert row["claimed_by"] == (me.display_name or me.username)
    assert row["plates"] == ["桂L51111", "桂L52222"]
    assert row["unit"]["name"] == "平果市交警大队" and row["unit"]["adcode"] == "451082"
    assert row["address"] == "测试路口" and row["inside_jurisdiction"] is True
    assert row["status"] == "reviewing" and row["status_label"]
    assert row["receipt_no"] == claimed["receipt_no"] and row["submitted_at"] and row["occurred_at"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_claim_and_decide_have_one_winner(demo, owner_client):
    from apps.accounts.models import User

    case = make_submitted_case(owner_client(), "451082")
    officer = User.objects.get(username="pingguo_officer")
    others = []
    for i in range(4):
        u = User.objects.create_user(f"pg_extra_{i}", password="Demo@2026", unit=officer.unit)
        u.groups.set(officer.groups.all())
        others.append(u.username)
    clients = [login(APIClient(), name) for name in ["pingguo_officer", *others]]
    results = []
    barrier = threading.Barrier(len(clients))

    def act(client, i):
        try:
            barrier.wait()
            if i % 2:
                r = client.post(f"/api/v1/cases/{case['id']}/claim")
            else:
                r = client.post(f"/api/v1/cases/{case['id']}/decision", {"decision": "accepted"}, format="json")
            results.append(r.status_code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=act, args=(c, i)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count(200) == 1, results
    assert set(results) <= {200, 409}


def test_the_decision_notice_parameters_reach_the_owners_timeline(pingguo_case, staff):
    """A city admin rewrites the "accepted" notice: the owner's timeline carries the new text and the
    officer's opinion."""
    owner, case = pingguo_case
    text = "适用快处快赔，请到平果快处快赔服务中心（测试路 1 号）办理。"
    assert staff("admin").patch("/api/v1/system/parameters/notify_accepted_text", {"value": text},
                                format="json").status_code == 200
    decided = staff("pingguo_officer").post(f"/api/v1/cases/{case['id']}/decision",
                                            {"decision": "accepted", "feedback": "双方无争议"}, format="json")
    assert decided.status_code == 200, decided.content
    timeline = owner.get(f"/api/v1/owner/cases/{case['id']}").json()["timeline"]
    assert any(text in (e.get("note") or "") and "双方无争议" in e["note"] for e in timeline), timeline


def test_an_accepted_owner_is_sent_to_the_nearest_service_centre_of_the_cases_unit(pingguo_case, staff):
    from apps.units.models import Unit, UnitKind

    owner, case = pingguo_case
    centre = Unit.objects.get(kind=UnitKind.SERVICE_CENTRE, adcode="451082")
    before = owner.get(f"/api/v1/owner/cases/{case['id']}").json()["next_step"]
    assert centre.name not in before
    staff("pingguo_officer").post(f"/api/v1/cases/{case['id']}/decision", {"decision": "accepted", "feedback": ""},
                                  format="json")
    step = owner.get(f"/api/v1/owner/cases/{case['id']}").json()["next_step"]
    assert step.startswith("适用快处快赔") and centre.name in step and centre.phone in step
    # Another county's centre, even if closer, is not offered.
    Unit.objects.filter(kind=UnitKind.SERVICE_CENTRE, adcode="451022").update(
        lng=Case.objects.get(pk=case["id"]).gcj_lng, lat=Case.objects.get(pk=case["id"]).gcj_lat)
    assert centre.name in owner.get(f"/api/v1/owner/cases/{case['id']}").json()["next_step"]
