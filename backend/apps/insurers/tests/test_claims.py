from apps.cases.models import InsurerClaim
from conftest import make_submitted_case


def test_a_claim_is_recorded_once_per_company_and_not_on_a_voided_case(demo, owner_client, staff):
    case = make_submitted_case(owner_client(), "451082", key="claims", insurers=("picc", "pingan"))
    url = f"/api/v1/insurer/cases/{case['receipt_no']}/claim"
    picc = staff("insurer_picc")
    assert picc.post(url, {"claim_no": "PICC-1"}, format="json").status_code == 201
    assert picc.post(url, {"claim_no": "PICC-2"}, format="json").status_code == 201
    assert list(InsurerClaim.objects.filter(case_id=case["id"]).values_list("claim_no", flat=True)) == ["PICC-2"]

    assert staff("pingguo_officer").post(f"/api/v1/cases/{case['id']}/void", {"reason": "照片不清晰"},
                                         format="json").status_code == 200
    refused = staff("insurer_pingan").post(url, {"claim_no": "PA-1"}, format="json")
    assert refused.status_code == 409 and "作废" in refused.json()["detail"]
    assert not InsurerClaim.objects.filter(case_id=case["id"], company__code="pingan").exists()
    # The lookup still answers, so the insurer can see why.
    assert staff("insurer_pingan").get(f"/api/v1/insurer/cases/{case['receipt_no']}").json()["status"] == "voided"
