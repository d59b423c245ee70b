from conftest import make_submitted_case


def test_owner_submits_and_pingguo_officer_decides(demo, owner_client, staff):
    owner = owner_client()
    case = make_submitted_case(owner, "451082")
    assert case["status"] == "submitted"
    assert case["unit"]["adcode"] == "451082"
    assert len(case["receipt_no"]) == 10

    pingguo = staff("pingguo_officer")
    listing = pingguo.get("/api/v1/cases").json()
    assert [c["id"] for c in listing["results"]] == [case["id"]]
    assert staff("tiandong_officer").get(f"/api/v1/cases/{case['id']}").status_code == 404

    assert pingguo.post(f"/api/v1/cases/{case['id']}/claim").status_code == 200
    r = pingguo.post(f"/api/v1/cases/{case['id']}/decision", {"decision": "accepted"}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "accepted"
    tracked = owner.get(f"/api/v1/owner/cases/{case['id']}").json()
    assert tracked["status"] == "accepted"
    assert [e["action"] for e in tracked["timeline"]] == ["submit", "claim", "decide"]
