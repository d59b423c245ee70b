"""The liability questionnaire: a suggestion for the officer, never a decision."""

import pytest

from apps.cases.liability import BY_CODE, OTHER, SITUATIONS, InvalidAnswers, suggest
from apps.cases.models import Case, Party
from conftest import draft_payload, make_submitted_case

# Every standard full-liability situation of quick handling and who is fully liable in it.
EXPECTED = {
    "rear_end": ("追尾", "后车"),
    "reversing": ("倒车", "倒车一方"),
    "rolling_back": ("溜车", "溜车一方"),
    "wrong_way": ("逆行", "逆行一方"),
    "door_opening": ("开关车门", "开关车门一方"),
    "lane_change": ("变更车道", "变更车道一方"),
    "signal_violation": ("闯红灯、违反交通信号", "违反交通信号一方"),
    "failure_to_yield": ("未按规定让行", "未让行一方"),
    "sign_marking": ("违反禁止标志、标线", "违反标志标线一方"),
    "u_turn": ("违规掉头", "掉头一方"),
}


def test_the_table_is_the_expected_one():
    assert {s.code: (s.title, s.at_fault_role) for s in SITUATIONS} == EXPECTED
    for situation in SITUATIONS:
        assert situation.question.endswith("？") and situation.other_role
        assert not situation.basis or situation.basis.startswith("《中华人民共和国道路交通安全法")


@pytest.mark.parametrize("code", sorted(EXPECTED))
@pytest.mark.parametrize("fault", [0, 1])
def test_one_party_in_a_standard_situation_is_fully_liable(code, fault):
    result = suggest({"situation": code, "at_fault_party": fault, "both_at_fault": False})
    assert result["situation"]["code"] == code and result["situation"]["title"] == EXPECTED[code][0]
    assert [(r["party"], r["liability"]) for r in result["liabilities"]] == [
        (0, "full" if fault == 0 else "none"), (1, "full" if fault == 1 else "none")]
    assert {r["label"] for r in result["liabilities"]} == {"全部责任", "无责任"}
    assert f"第{fault + 1}方是{EXPECTED[code][1]}" in result["explanation"]
    assert BY_CODE[code].basis in result["explanation"]


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_both_at_fault_leaves_the_split_to_the_officer(code):
    result = suggest({"situation": code, "at_fault_party": 1, "both_at_fault": True})
    assert result["liabilities"] == [] and "交警认定" in result["explanation"]


def test_other_gives_no_suggestion():
    result = suggest({"situation": OTHER})
    assert result == {"situation": None, "liabilities": [], "explanation": result["explanation"]}
    assert "交警" in result["explanation"]


def test_three_parties_one_at_fault():
    result = suggest({"situation": "rear_end", "at_fault_party": 2}, party_count=3)
    assert [r["liability"] for r in result["liabilities"]] == ["none", "none", "full"]
    assert "其他各方无责任" in result["explanation"]


@pytest.mark.parametrize("answers, field", [
    ({}, "situation"),
    ({"situation": "speeding"}, "situation"),
    ({"situation": "rear_end"}, "at_fault_party"),
    ({"situation": "rear_end", "at_fault_party": 2}, "at_fault_party"),
    ({"situation": "rear_end", "at_fault_party": True}, "at_fault_party"),
    ({"situation": "rear_end", "at_fault_party": "0"}, "at_fault_party"),
    ({"situation": "rear_end", "at_fault_party": 0, "both_at_fault": "no"}, "both_at_fault"),
    ([], "answers"),
])
def test_invalid_answers_name_the_field(answers, field):
    with pytest.raises(InvalidAnswers) as caught:
        suggest(answers)
    assert caught.value.field == field and caught.value.message


def test_questions_are_public(api):
    body = api.get("/api/v1/owner/liability/questions").json()
    assert [s["code"] for s in body["situations"]] == [s.code for s in SITUATIONS]
    assert body["other"]["code"] == OTHER and "仅供参考" in body["notice"]
    assert body["liability_labels"]["full"] == "全部责任"


def test_owner_stores_answers_on_a_draft_and_party_liability_stays_empty(owner_client, demo):
    owner = owner_client()
    case_id = owner.post("/api/v1/owner/cases", draft_payload(), format="json").json()["id"]
    response = owner.post(f"/api/v1/owner/cases/{case_id}/liability",
                          {"situation": "lane_change", "at_fault_party": 1}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["is_suggestion"] is True and "仅供参考" in body["notice"]
    assert body["answers"] == {"situation": "lane_change", "at_fault_party": 1, "both_at_fault": False}
    assert [r["liability"] for r in body["liabilities"]] == ["none", "full"]
    case = owner.get(f"/api/v1/owner/cases/{case_id}").json()
    assert case["liability_suggestion"]["situation"]["code"] == "lane_change"
    assert not Party.objects.filter(case_id=case_id).exclude(liability="").exists()
    assert not Case.objects.get(pk=case_id).events.exists()  # drafts have no timeline


def test_after_submission_it_is_recorded_and_officers_see_it(owner_client, staff):
    owner = owner_client()
    case = make_submitted_case(owner)
    ok = owner.post(f"/api/v1/owner/cases/{case['id']}/liability",
                    {"situation": "rear_end", "at_fault_party": 0}, format="json")
    assert ok.status_code == 200
    timeline = owner.get(f"/api/v1/owner/cases/{case['id']}").json()["timeline"]
    assert "责任自助判断" in timeline[-1]["note"] and "追尾" in timeline[-1]["note"]
    detail = staff("pingguo_officer").get(f"/api/v1/cases/{case['id']}").json()
    assert detail["liability_suggestion"]["liabilities"][0]["liability"] == "full"
    assert [p["liability"] for p in detail["parties"]] == ["", ""]


def test_refused_once_an_officer_is_reviewing_and_for_strangers(owner_client, staff):
    owner = owner_client()
    case = make_submitted_case(owner)
    stranger = owner_client().post(f"/api/v1/owner/cases/{case['id']}/liability",
                                   {"situation": "rear_end", "at_fault_party": 0}, format="json")
    assert stranger.status_code == 404
    staff("pingguo_officer").post(f"/api/v1/cases/{case['id']}/claim")
    late = owner.post(f"/api/v1/owner/cases/{case['id']}/liability", {"situation": "rear_end", "at_fault_party": 0},
                      format="json")
    assert late.status_code == 409 and late.json()["code"] == "status_conflict"


def test_invalid_answers_answer_400(owner_client, demo):
    owner = owner_client()
    case_id = owner.post("/api/v1/owner/cases", draft_payload(), format="json").json()["id"]
    response = owner.post(f"/api/v1/owner/cases/{case_id}/liability", {"situation": "rear_end", "at_fault_party": 5},
                          format="json")
    assert response.status_code == 400 and "at_fault_party" in response.json()["errors"]
    assert Case.objects.get(pk=case_id).liability_suggestion is None
