"""The 自行协商协议书: each party confirms with their own phone, then the PDF."""

import io

import pytest
from pypdf import PdfReader

from apps.cases.models import Case
from conftest import make_submitted_case

PHONES = ("13800138000", "13900139000")
PLATES = ("桂L12345", "桂LD12345")


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def accepted(owner_client, staff):
    owner = owner_client()
    case = make_submitted_case(owner, "451082")
    owner.post(f"/api/v1/owner/cases/{case['id']}/liability", {"situation": "rear_end", "at_fault_party": 1},
               format="json")
    officer = staff("pingguo_officer")
    assert officer.post(f"/api/v1/cases/{case['id']}/decision", {"decision": "accepted"}, format="json").status_code == 200
    return owner, officer, case


def confirm(api, receipt, phone, party, agree=True):
    return api.post(f"/api/v1/agreement/{receipt}/confirm", {"phone": phone, "party": party, "agree": agree}, format="json")


def test_before_acceptance_confirming_is_a_conflict(owner_client, api):
    case = make_submitted_case(owner_client())
    response = confirm(api, case["receipt_no"], PHONES[0], 0)
    assert response.status_code == 409 and response.json()["code"] == "agreement_not_open"
    pdf = api.post(f"/api/v1/agreement/{case['receipt_no']}/pdf", {"phone": PHONES[0]}, format="json")
    assert pdf.status_code == 409


@pytest.mark.parametrize("receipt, phone, party", [
    (None, "13700137000", 0),  # nobody's phone
    (None, PHONES[1], 0),  # the other party's phone
    (None, PHONES[0][-4:], 0),  # last four digits are not enough here
    (None, "", 0),
    ("ZZZZZZZZZZ", PHONES[0], 0),  # unknown receipt
    (None, PHONES[0], 7),
    (None, PHONES[0], "x"),
])
def test_a_wrong_phone_is_the_same_404_as_an_unknown_receipt(accepted, api, receipt, phone, party):
    _, _, case = accepted
    response = confirm(api, receipt or case["receipt_no"], phone, party)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert Case.objects.get(pk=case["id"]).agreement_confirmations == {}


def test_agree_must_be_true(accepted, api):
    _, _, case = accepted
    response = confirm(api, case["receipt_no"], PHONES[0], 0, agree=False)
    assert response.status_code == 400


def test_all_parties_confirm_then_the_pdf_is_available(accepted, api, staff):
    owner, _, case = accepted
    receipt = case["receipt_no"]
    view = api.post(f"/api/v1/agreement/{receipt}", {"phone": PHONES[1]}, format="json").json()
    assert view["you"] == 1 and view["open"] and not view["complete"]
    assert view["parties"][0]["phone"] == "138****8000" and view["parties"][1]["phone"] == PHONES[1]
    assert view["liabilities"]["source"] == "suggestion"
    assert [r["liability"] for r in view["liabilities"]["rows"]] == ["none", "full"]

    first = confirm(api, receipt, "138 0013 8000", 0)  # spaces as people type them
    assert first.status_code == 200 and first.json()["parties"][0]["confirmed_at"]
    assert api.post(f"/api/v1/agreement/{receipt}/pdf", {"phone": PHONES[0]}, format="json").status_code == 409
    assert confirm(api, receipt, PHONES[0], 0).status_code == 200  # twice is fine
    second = confirm(api, receipt, PHONES[1], 1)
    assert second.status_code == 200 and second.json()["complete"] is True

    stored = Case.objects.get(pk=case["id"]).agreement_confirmations
    assert set(stored) == {"0", "1"} and stored["0"]["ip"] == "127.0.0.1" and stored["0"]["at"]

    pdf = api.post(f"/api/v1/agreement/{receipt}/pdf", {"phone": PHONES[1]}, format="json")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    for expected in ("道路交通事故自行协商协议书", receipt, *PLATES, *PHONES, "追尾", "全部责任", "无责任",
                     "当事人依据责任自助判断确认", "人保财险", "平安财险", "快处快赔服务中心和保险公司"):
        assert expected in text, expected

    # The owner's timeline tells who confirmed by position only, without personal data.
    notes = [e["note"] for e in owner.get(f"/api/v1/owner/cases/{case['id']}").json()["timeline"]]
    assert "第1方当事人已确认事故协议书。" in notes and any("各方当事人均已确认" in n for n in notes)
    assert not any(p in n for n in notes for p in PHONES + PLATES)
    track = api.get(f"/api/v1/track/{receipt}", {"phone_last4": PHONES[1][-4:]}).json()
    assert track["agreement"] == {"open": True, "confirmed": 2, "total": 2}
    detail = staff("pingguo_officer").get(f"/api/v1/cases/{case['id']}").json()
    assert detail["agreement"]["complete"] and detail["agreement"]["confirmations"][1]["ip"] == "127.0.0.1"


def test_after_closing_the_pdf_carries_the_officers_liabilities(accepted, api):
    _, officer, case = accepted
    for index, phone in enumerate(PHONES):
        confirm(api, case["receipt_no"], phone, index)
    closed = officer.post(f"/api/v1/cases/{case['id']}/close",
                          {"liabilities": [{"party": 0, "liability": "major"}, {"party": 1, "liability": "minor"}]},
                          format="json")
    assert closed.status_code == 200
    text = pdf_text(api.post(f"/api/v1/agreement/{case['receipt_no']}/pdf", {"phone": PHONES[0]}, format="json").content)
    assert "主要责任" in text and "次要责任" in text and "交警认定" in text and "全部责任" not in text


def test_staff_download_is_scoped(accepted, staff):
    _, officer, case = accepted
    url = f"/api/v1/cases/{case['id']}/agreement.pdf"
    response = officer.get(url)
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert case["receipt_no"] in text and "尚未确认" in text  # officers may print it before everyone confirmed
    assert staff("tiandong_officer").get(url).status_code == 404
    assert staff("city_leader").get(url).status_code == 200


def test_staff_download_needs_acceptance(owner_client, staff):
    case = make_submitted_case(owner_client())
    assert staff("pingguo_officer").get(f"/api/v1/cases/{case['id']}/agreement.pdf").status_code == 409


def test_insurers_through_their_lookup_scope(accepted, staff, owner_client):
    _, _, case = accepted
    response = staff("insurer_picc").get(f"/api/v1/insurer/cases/{case['receipt_no']}/agreement.pdf")
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert PHONES[0] in text and PHONES[1] not in text and "139****9000" in text  # the other company's party masked

    other = make_submitted_case(owner_client(), insurers=("cpic", "cpic"), key="k-2")
    Case.objects.filter(pk=other["id"]).update(status="accepted")
    assert staff("insurer_picc").get(f"/api/v1/insurer/cases/{other['receipt_no']}/agreement.pdf").status_code == 404
    assert staff("pingguo_officer").get(f"/api/v1/insurer/cases/{case['receipt_no']}/agreement.pdf").status_code in (403, 404)


def test_confirming_is_throttled(accepted, api, settings):
    _, _, case = accepted
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "track": "3/min"}}
    codes = [confirm(api, case["receipt_no"], "13700137000", 0).status_code for _ in range(5)]
    assert codes[:3] == [404, 404, 404] and codes[-1] == 429
