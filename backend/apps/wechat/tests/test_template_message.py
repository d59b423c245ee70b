"""Officer actions notify the owner with a WeChat template message, sent through the fake.

`notify_owner` defers the send to `transaction.on_commit`, and the Celery task runs eagerly in
tests (CELERY_TASK_ALWAYS_EAGER), so capturing the on-commit callbacks sends the message.
"""

import pytest
from rest_framework.test import APIClient

from apps.wechat.fake_server import DEFAULT_TEMPLATE_ID
from conftest import make_submitted_case

from .conftest import PUBLIC_BASE

OPENID = "o-owner-zhang"


def _decide(officer: APIClient, case_id: int, decision: str = "accepted", feedback: str = ""):
    return officer.post(f"/api/v1/cases/{case_id}/decision", {"decision": decision, "feedback": feedback}, format="json")


def test_decision_sends_one_template_message(fake_wechat, wechat_owner, staff, django_capture_on_commit_callbacks):
    owner, _ = wechat_owner(OPENID)
    case = make_submitted_case(owner)
    officer = staff("pingguo_officer")
    assert fake_wechat.messages == []  # submitting does not message the owner

    with django_capture_on_commit_callbacks(execute=True):
        response = _decide(officer, case["id"], "rejected", "双方车辆已驶离现场，无法核实")
    assert response.status_code == 200, response.content

    [message] = fake_wechat.messages
    assert message["touser"] == OPENID
    assert message["template_id"] == DEFAULT_TEMPLATE_ID
    assert message["url"] == f"{PUBLIC_BASE}/h5/track?receipt={case['receipt_no']}"
    data = message["data"]
    assert data["keyword1"] == {"value": case["receipt_no"]}
    assert data["keyword2"] == {"value": "不适用"}
    assert "双方车辆已驶离现场" in data["remark"]["value"]
    assert len(data["remark"]["value"]) <= 100
    assert fake_wechat.calls["/cgi-bin/message/template/send"] == 1
    assert fake_wechat.calls["/cgi-bin/token"] == 1


def test_claim_then_decision_message_each_step_with_one_token(fake_wechat, wechat_owner, staff,
                                                               django_capture_on_commit_callbacks):
    owner, _ = wechat_owner(OPENID)
    case = make_submitted_case(owner)
    officer = staff("pingguo_officer")
    with django_capture_on_commit_callbacks(execute=True):
        assert officer.post(f"/api/v1/cases/{case['id']}/claim").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert _decide(officer, case["id"]).status_code == 200
    assert [m["data"]["keyword2"]["value"] for m in fake_wechat.messages] == ["审核中", "适用快处快赔"]
    assert fake_wechat.calls["/cgi-bin/token"] == 1  # the second send reused the cached token


def test_no_message_without_openid_or_template(fake_wechat, owner_client, wechat_owner, staff, settings,
                                               django_capture_on_commit_callbacks):
    # A demo-mode owner (no openid), e.g. a token issued before WeChat was configured.
    settings.WECHAT_ENABLED = False
    anonymous = owner_client()
    settings.WECHAT_ENABLED = True
    anon_case = make_submitted_case(anonymous, key="k-anon")
    officer = staff("pingguo_officer")
    with django_capture_on_commit_callbacks(execute=True):
        assert _decide(officer, anon_case["id"]).status_code == 200
    assert fake_wechat.calls["/cgi-bin/message/template/send"] == 0

    settings.WECHAT_TEMPLATE_ID = ""
    owner, _ = wechat_owner(OPENID)
    case = make_submitted_case(owner, key="k-wx", plates=("桂L55555", "桂L66666"))
    with django_capture_on_commit_callbacks(execute=True):
        assert _decide(officer, case["id"]).status_code == 200
    assert fake_wechat.calls["/cgi-bin/message/template/send"] == 0
    assert fake_wechat.calls["/cgi-bin/token"] == 0


@pytest.mark.parametrize("errcode", [40003, 43004, -1, 40037])
def test_wechat_refusal_does_not_fail_the_officer(fake_wechat, wechat_owner, staff, errcode,
                                                  django_capture_on_commit_callbacks):
    owner, _ = wechat_owner(OPENID)
    case = make_submitted_case(owner)
    fake_wechat.inject_error("/cgi-bin/message/template/send", errcode)
    with django_capture_on_commit_callbacks(execute=True):
        response = _decide(staff("pingguo_officer"), case["id"])
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert fake_wechat.calls["/cgi-bin/message/template/send"] == 1
    assert fake_wechat.messages == []

    # The owner still learns the outcome: in the H5 case view and in the public tracking page.
    assert owner.get(f"/api/v1/owner/cases/{case['id']}").json()["status"] == "accepted"
    tracked = APIClient().get(f"/api/v1/track/{case['receipt_no']}", {"phone_last4": "8000"})
    assert tracked.status_code == 200, tracked.content
    assert tracked.json()["status"] == "accepted"
    assert tracked.json()["timeline"][-1]["action"] == "decide"


def test_wrong_secret_does_not_fail_the_officer(fake_wechat, wechat_owner, staff, settings,
                                                django_capture_on_commit_callbacks):
    owner, _ = wechat_owner(OPENID)
    case = make_submitted_case(owner)
    settings.WECHAT_APP_SECRET = "rotated-but-not-deployed"
    with django_capture_on_commit_callbacks(execute=True):
        response = _decide(staff("pingguo_officer"), case["id"])
    assert response.status_code == 200
    assert fake_wechat.calls["/cgi-bin/token"] == 1  # 40125 on the token fetch, no send attempted
    assert fake_wechat.calls["/cgi-bin/message/template/send"] == 0


def test_expired_token_on_send_is_refreshed_and_message_delivered(fake_wechat, wechat_owner, staff,
                                                                  django_capture_on_commit_callbacks):
    owner, _ = wechat_owner(OPENID)
    case = make_submitted_case(owner)
    from apps.wechat.client import get_client

    assert get_client().access_token  # cache a token, then let it expire at WeChat's end
    fake_wechat.expire_access_tokens()
    with django_capture_on_commit_callbacks(execute=True):
        assert _decide(staff("pingguo_officer"), case["id"]).status_code == 200
    assert len(fake_wechat.messages) == 1
    assert fake_wechat.calls["/cgi-bin/token"] == 2
    assert fake_wechat.calls["/cgi-bin/message/template/send"] == 2  # 42001, then ok


@pytest.mark.django_db(transaction=True)
def test_decision_in_a_real_commit_sends_the_message(demo, fake_wechat, wechat_owner, staff):
    """No captured callbacks: the request's own transaction commits and fires on_commit."""
    owner, _ = wechat_owner(OPENID)
    case = make_submitted_case(owner)
    response = _decide(staff("pingguo_officer"), case["id"])
    assert response.status_code == 200
    assert [m["touser"] for m in fake_wechat.messages] == [OPENID]
    assert fake_wechat.messages[0]["data"]["keyword1"]["value"] == case["receipt_no"]


@pytest.mark.django_db(transaction=True)
def test_queue_outage_does_not_fail_the_officer(demo, fake_wechat, wechat_owner, staff, monkeypatch):
    """In production `.delay()` talks to Redis; if the broker is down the decision is already committed
    and must still answer 200 (the timeline carries the news)."""
    from kombu.exceptions import OperationalError

    from apps.wechat import notify

    owner, _ = wechat_owner(OPENID)
    case = make_submitted_case(owner)

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(notify.send_template_task, "delay", broker_down)
    response = _decide(staff("pingguo_officer"), case["id"])
    assert response.status_code == 200
    assert owner.get(f"/api/v1/owner/cases/{case['id']}").json()["status"] == "accepted"
