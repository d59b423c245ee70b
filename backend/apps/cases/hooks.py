"""What else happens when a case changes. Called inside the transaction of the change;
anything that leaves the process (sockets, WeChat) is deferred to `on_commit` by the callee."""

from .models import Case


def case_submitted(case: Case) -> None:
    from apps.alerts.services import publish_case_alert
    from apps.fraud.services import check_case
    from apps.stats.services import record_fact

    publish_case_alert(case, "case.new", f"新报案 {case.receipt_no}")
    check_case(case)
    record_fact(case)


def case_changed(case: Case, action: str, title: str, previous_unit_id: int | None = None) -> None:
    from apps.alerts.services import publish_case_alert
    from apps.stats.services import record_fact
    from apps.wechat.notify import notify_owner

    record_fact(case)
    if action == "transfer":
        publish_case_alert(case, "case.transferred", title)
    else:
        publish_case_alert(case, "case.updated", title)
    notify_owner(case)


def case_voided(case: Case) -> None:
    from apps.fraud.services import case_voided as fraud_case_voided

    fraud_case_voided(case)
