"""What else happens when a case changes. Called inside the transaction of the change;
anything that leaves the process (sockets, WeChat) is deferred to `on_commit` by the callee."""

from .models import Case


def case_submitted(case: Case, parties: list, adcode: str, fraud_alert: tuple | None) -> None:
    """After the submitted case row is written: the officers' alerts and the statistics fact.

    The fraud check itself runs earlier (`apps.fraud.services.check_submission`), so that its flag
    goes into the same UPDATE of the case."""
    from apps.alerts.services import publish_case_alerts
    from apps.stats.services import record_submitted_fact

    publish_case_alerts(case, submitted_alerts(case, fraud_alert))
    record_submitted_fact(case, parties, adcode)


def submitted_alerts(case: Case, fraud_alert: tuple | None) -> list[tuple[str, str, dict]]:
    """The officers' alerts of a new submission: the new case, and the fraud warning if one was raised."""
    return [("case.new", f"新报案 {case.receipt_no}", {}), *([fraud_alert] if fraud_alert else [])]


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
