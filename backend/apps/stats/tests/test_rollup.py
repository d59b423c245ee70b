"""The daily roll-up against the facts it is made from, and how it keeps up with them."""

import threading
from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.cases.models import Case, Status
from apps.insurers.models import InsuranceCompany
from apps.stats import rollup, selectors
from apps.stats.models import CaseFact, DailyFigure, MonthlyFigure, RollupState
from apps.stats.retention import run_retention
from apps.stats.rollup import CLOCK_SLACK, LOCAL_TZ, MARGIN, bucket, bucket_seconds, hist_percentile, month_figures
from apps.stats.selectors import Query, facts_in, percentile, period_of, period_starts, rollup_units, summary
from apps.stats.services import OTHER_INSURER
from apps.units.models import Unit, UnitKind

from .conftest import MARCH, PERCENTILE_REL, seconds

pytestmark = pytest.mark.django_db


# --- the summary as computed straight from the facts (what the statistics did before the roll-up) ---

def _counts(facts: list[dict]) -> dict:
    decided = [f for f in facts if f["status"] in (Status.ACCEPTED, Status.CLOSED, Status.REJECTED)]
    accepted = sum(f["status"] in (Status.ACCEPTED, Status.CLOSED) for f in facts)
    times = [float(f["decision_s"]) for f in facts if f["decision_s"] is not None]
    return {
        "submitted": len(facts),
        "accepted": accepted,
        "rejected": sum(f["status"] == Status.REJECTED for f in facts),
        "voided": sum(f["status"] == Status.VOIDED for f in facts),
        "closed": sum(f["status"] == Status.CLOSED for f in facts),
        "acceptance_rate": round(accepted / len(decided), 4) if decided else None,
        "decision_median_s": percentile(times, 0.5),
        "decision_p90_s": percentile(times, 0.9),
        "fraud_warnings": sum(f["fraud"] for f in facts),
    }


def direct_summary(query: Query) -> dict:
    """Exact percentiles; `approx_times` turns them into the tolerance of the histogram."""
    facts = list(facts_in(query).values("unit_id", "submitted_at", "status", "decision_s", "inside_jurisdiction",
                                        "insurers", "fraud", "occurred_hour"))
    totals = _counts(facts)
    totals["inside_rate"] = round(sum(f["inside_jurisdiction"] for f in facts) / len(facts), 4) if facts else None
    by_unit = []
    if query.unit is not None:
        mapping, rows = rollup_units(query.unit)
        for unit in rows:
            mine = [f for f in facts if mapping.get(f["unit_id"], query.unit.pk) == unit.pk]
            if not mine and unit.pk == query.unit.pk and unit.kind == UnitKind.CITY:
                continue
            by_unit.append({"unit": {"id": unit.pk, "name": unit.name, "adcode": unit.adcode}, **_counts(mine)})
    by_period = []
    for start in period_starts(query.start, query.end, query.group):
        mine = [f for f in facts if period_of(f["submitted_at"].astimezone(LOCAL_TZ).date(), query.group) == start]
        counts = _counts(mine)
        by_period.append({"period": start.isoformat(), **{k: counts[k] for k in selectors.STATUS_COUNTS}})
    names = dict(InsuranceCompany.objects.values_list("code", "name")) | {OTHER_INSURER: "其他（自填）"}
    insurers: dict[str, int] = {}
    for f in facts:
        for code in f["insurers"] or []:
            insurers[code] = insurers.get(code, 0) + 1
    return {
        "from": query.start.isoformat(), "to": query.end.isoformat(), "group": query.group, "totals": totals,
        "by_unit": by_unit, "by_period": by_period,
        "by_insurer": sorted(({"insurer": names.get(c, c), "code": c, "count": n} for c, n in insurers.items()),
                             key=lambda r: (-r["count"], r["code"])),
        "by_hour": [{"hour": h, "count": sum(f["occurred_hour"] == h for f in facts)} for h in range(24)],
        "max_delay_s": 0,  # no read replica in these tests
    }


def approx_times(value):
    if isinstance(value, dict):
        return {k: (seconds(v) if k.startswith("decision_") and v is not None else approx_times(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [approx_times(v) for v in value]
    return value


def assert_matches_facts(query: Query) -> None:
    got = summary(query)
    assert list(got) == ["from", "to", "group", "totals", "by_unit", "by_period", "by_insurer", "by_hour", "max_delay_s"]
    assert got == approx_times(direct_summary(query))


# --- random facts around a local midnight ---

DAYS = [date(2025, 2, 26) + timedelta(days=i) for i in range(6)]  # 26 Feb .. 3 Mar
# Minutes after local midnight; 480 is midnight UTC, 0 and 1439 are the edges of the local day.
MINUTES = st.one_of(st.sampled_from([0, 1, 479, 480, 481, 1438, 1439]), st.integers(0, 1439))
UNITS = ["451000", "451002", "451002:station", "451082", "451082:service_centre", "451022", None]
FACT = st.fixed_dictionaries({
    "unit": st.sampled_from(UNITS),
    "day": st.sampled_from(DAYS),
    "minute": MINUTES,
    "second": st.integers(0, 59),
    "status": st.sampled_from([Status.SUBMITTED, Status.REVIEWING, Status.ACCEPTED, Status.REJECTED, Status.VOIDED,
                               Status.CLOSED]),
    "decision_s": st.one_of(st.none(), st.integers(0, 60), st.integers(0, 200_000)),
    "inside": st.booleans(),
    "insurers": st.lists(st.sampled_from(["picc", "pingan", "cpic", OTHER_INSURER]), unique=True, max_size=2).map(sorted),
    "fraud": st.booleans(),
    "hour": st.one_of(st.none(), st.integers(0, 23)),
})
CHANGE = st.fixed_dictionaries({
    "index": st.integers(0, 10_000),
    "status": st.sampled_from([Status.ACCEPTED, Status.REJECTED, Status.VOIDED, Status.CLOSED]),
    "unit": st.sampled_from(UNITS),
    "decision_s": st.one_of(st.none(), st.integers(0, 100_000)),
})


def make_facts(units: dict[str, Unit], specs: list[dict]) -> list[CaseFact]:
    facts = []
    for i, spec in enumerate(specs):
        local = datetime.combine(spec["day"], datetime.min.time(), LOCAL_TZ) + timedelta(
            minutes=spec["minute"], seconds=spec["second"])
        unit = units[spec["unit"]] if spec["unit"] else None
        facts.append(CaseFact(
            case_id=10_000_000 + i, unit_id=unit.pk if unit else None, adcode=unit.adcode if unit else "",
            submitted_at=local, status=spec["status"], decision_s=spec["decision_s"],
            inside_jurisdiction=spec["inside"], insurers=spec["insurers"], fraud=spec["fraud"],
            occurred_hour=spec["hour"],
        ))
    return CaseFact.objects.bulk_create(facts)


def queries(units: dict[str, Unit]) -> list[Query]:
    city, pingguo = units["451000"], units["451082"]
    return [
        Query(date(2025, 2, 27), date(2025, 3, 2), "day", city),
        Query(date(2025, 2, 1), date(2025, 3, 31), "week", city),
        Query(date(2025, 2, 28), date(2025, 3, 1), "month", city),
        Query(date(2025, 2, 26), date(2025, 3, 3), "day", pingguo),
        Query(date(2025, 3, 1), date(2025, 3, 1), "week", units["451002"]),
        # Whole months from the monthly rows, the days at the ends from the daily ones.
        Query(date(2025, 2, 27), date(2025, 4, 30), "month", city),
        Query(date(2025, 1, 15), date(2025, 3, 1), "day", city),
        Query(date(2025, 2, 1), date(2025, 2, 28), "week", pingguo),
    ]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(FACT, max_size=40), changes=st.lists(CHANGE, max_size=5))
def test_rollup_equals_the_facts(demo, specs, changes):
    for model in (CaseFact, DailyFigure, MonthlyFigure, RollupState):
        model.objects.all().delete()
    facts = make_facts(demo, specs)

    for query in queries(demo):
        assert_matches_facts(query)  # the first read builds the roll-up

    # Later changes (decisions, transfers to another unit) are picked up by the next read.
    for change in changes if facts else []:
        fact = facts[change["index"] % len(facts)]
        unit = demo[change["unit"]] if change["unit"] else None
        fact.status, fact.decision_s, fact.unit_id = change["status"], change["decision_s"], unit.pk if unit else None
        fact.save()
    for query in queries(demo):
        assert_matches_facts(query)
    assert DailyFigure.objects.filter(submitted=0).count() == 0
    assert monthly_rows() == monthly_rows(month_figures(DailyFigure.objects.all()))


def monthly_rows(rows=None) -> list[tuple]:
    fields = ("month", "unit_id", *rollup.COUNT_FIELDS, "hours", "insurers", "decision_hist")
    rows = MonthlyFigure.objects.all() if rows is None else rows
    return sorted(((str(r.month), r.unit_id or 0, *[getattr(r, f) for f in fields[2:]]) for r in rows), key=str)


# --- keeping up ---

def test_a_decision_after_the_first_read_shows_on_the_next(dataset, staff):
    admin = staff("admin")
    before = admin.get(f"/api/v1/stats/summary?{MARCH}").json()
    assert before["totals"]["accepted"] == 3
    officer = staff("youjiang_officer")
    r = officer.post(f"/api/v1/cases/{dataset['F']}/decision", {"decision": "accepted", "feedback": "请在现场等候"},
                     format="json")
    assert r.status_code == 200, r.content

    after = admin.get(f"/api/v1/stats/summary?{MARCH}").json()
    assert after["totals"]["accepted"] == 4 and after["totals"]["submitted"] == 6
    youjiang = {row["unit"]["adcode"]: row for row in after["by_unit"]}["451002"]
    assert (youjiang["accepted"], youjiang["acceptance_rate"]) == (1, 1.0)
    assert after == approx_times(direct_summary(Query(date(2025, 3, 1), date(2025, 3, 31), "day", demo_city())))


def demo_city() -> Unit:
    return Unit.objects.get(kind=UnitKind.CITY, parent=None)


def test_nothing_changed_costs_two_small_queries(dataset, django_assert_num_queries):
    rollup.refresh_rollup()
    with django_assert_num_queries(2):
        assert rollup.refresh_rollup() is False


def test_a_late_commit_inside_the_margin_is_picked_up(dataset):
    query = Query(date(2025, 3, 1), date(2025, 3, 31), "month", demo_city())
    assert summary(query)["totals"]["voided"] == 1
    state = RollupState.objects.get()
    assert state.checked_from <= state.checked_at - CLOCK_SLACK
    # A transaction that stamped its row before the last read and committed after it.
    stamped = state.checked_from + timedelta(seconds=1)
    assert stamped < state.checked_at
    CaseFact.objects.filter(case_id=dataset["A"]).update(status=Status.VOIDED, updated_at=stamped)

    data = summary(query)
    assert (data["totals"]["voided"], data["totals"]["accepted"]) == (2, 2)
    assert data == approx_times(direct_summary(query))


def test_a_row_stamped_before_the_window_waits_for_the_nightly_rebuild(dataset):
    CaseFact.objects.update(updated_at=timezone.now() - timedelta(days=1))
    rollup.rebuild_rollup()
    query = Query(date(2025, 3, 1), date(2025, 3, 31), "month", demo_city())
    assert summary(query)["totals"]["voided"] == 1
    state = RollupState.objects.get()
    CaseFact.objects.filter(case_id=dataset["A"]).update(status=Status.VOIDED, updated_at=state.checked_from - MARGIN)
    assert summary(query)["totals"]["voided"] == 1  # outside every window the refresh looks at

    call_command("rebuild_rollup", verbosity=0)
    assert summary(query)["totals"]["voided"] == 2


def test_window_reaches_back_the_margin_while_others_write(dataset, monkeypatch):
    monkeypatch.setattr(rollup, "_writers_in_flight", lambda: True)
    rollup.rebuild_rollup()
    state = RollupState.objects.get()
    assert state.checked_at - state.checked_from == MARGIN
    monkeypatch.setattr(rollup, "_writers_in_flight", lambda: False)
    rollup.rebuild_rollup()
    state = RollupState.objects.get()
    assert state.checked_at - state.checked_from == CLOCK_SLACK


@pytest.mark.skipif(connection.vendor != "postgresql", reason="another session's open write, PostgreSQL only")
def test_writers_in_flight_are_seen_on_postgresql(db):
    import psycopg

    assert rollup._writers_in_flight() is False
    params = connection.get_connection_params()
    with psycopg.connect(**params) as other:
        other.execute(f"LOCK TABLE {CaseFact._meta.db_table} IN ROW EXCLUSIVE MODE")
        assert rollup._writers_in_flight() is True
        other.rollback()
    assert rollup._writers_in_flight() is False


def test_a_large_window_moves_forward_when_nothing_changes(dataset, monkeypatch):
    now = timezone.now()
    CaseFact.objects.update(updated_at=now - timedelta(minutes=1))
    rollup.rebuild_rollup()
    # As if the last check had been two minutes ago, with the six facts in its window.
    since = now - timedelta(minutes=2)
    RollupState.objects.update(checked_from=since, checked_at=since + CLOCK_SLACK, fingerprint=rollup._fingerprint(since))
    assert rollup.refresh_rollup() is False
    assert RollupState.objects.get().checked_from == since  # six facts: a small window stays

    monkeypatch.setattr(rollup, "MOVE_ROWS", 5)
    assert rollup.refresh_rollup() is False
    moved = RollupState.objects.get()
    assert moved.checked_from > now - CLOCK_SLACK - timedelta(seconds=1) and moved.fingerprint == "0:0"
    assert rollup.refresh_rollup() is False


def test_retention_recomputes_the_days_it_touched(dataset, monkeypatch):
    """Whatever retention does to the facts of the cases it expires, even removing them, the
    figures of those days follow; a deleted row leaves no `updated_at` for the window to find."""
    old = timezone.now() - timedelta(days=1)
    CaseFact.objects.update(updated_at=old)
    rollup.rebuild_rollup()
    query = Query(date(2025, 3, 1), date(2025, 3, 31), "week", demo_city())
    assert summary(query)["totals"]["submitted"] == 6

    def drop_fact(case: Case) -> None:
        CaseFact.objects.filter(case_id=case.pk).delete()

    monkeypatch.setattr("apps.stats.retention.record_fact", drop_fact)
    monkeypatch.setattr("apps.stats.retention.due_cases", lambda action, cutoff: Case.objects.filter(
        pk__in=[dataset["A"], dataset["F"]]))
    assert run_retention()["cases"] == 2

    data = summary(query)
    assert data["totals"]["submitted"] == 4
    assert data == approx_times(direct_summary(query))


def test_retention_keeps_the_figures(dataset, staff):
    before = staff("admin").get(f"/api/v1/stats/summary?{MARCH}&group=week").json()
    assert run_retention()["cases"] == 6
    assert staff("admin").get(f"/api/v1/stats/summary?{MARCH}&group=week").json() == before
    assert before == approx_times(direct_summary(Query(date(2025, 3, 1), date(2025, 3, 31), "week", demo_city())))


def test_refresh_facts_rebuilds(dataset):
    summary(Query(date(2025, 3, 1), date(2025, 3, 31), "day", demo_city()))
    # Facts moved to another day outside any refresh window (as a repair with refresh_facts would).
    moved = datetime(2025, 3, 20, 10, tzinfo=LOCAL_TZ)
    Case.objects.filter(pk=dataset["A"]).update(submitted_at=moved)
    CaseFact.objects.update(updated_at=timezone.now() - timedelta(days=1))
    call_command("refresh_facts", verbosity=0)
    query = Query(date(2025, 3, 1), date(2025, 3, 31), "day", demo_city())
    data = summary(query)
    assert {p["period"]: p["submitted"] for p in data["by_period"] if p["submitted"]}["2025-03-20"] == 1
    assert data == approx_times(direct_summary(query))


# --- scope ---

def test_a_county_officer_sees_only_their_county(dataset, staff):
    admin = staff("admin").get(f"/api/v1/stats/summary?{MARCH}").json()
    assert admin["totals"]["submitted"] == 6
    assert DailyFigure.objects.exclude(unit_id=demo_unit("451022").pk).exists()  # other counties' rows are there

    data = staff("tiandong_officer").get(f"/api/v1/stats/summary?{MARCH}&group=week").json()
    assert [row["unit"]["adcode"] for row in data["by_unit"]] == ["451022"]
    assert data["totals"]["submitted"] == 2
    assert {p["period"]: p["submitted"] for p in data["by_period"] if p["submitted"]} == {"2025-03-10": 1, "2025-03-17": 1}
    assert sum(h["count"] for h in data["by_hour"]) == 2
    assert data == approx_times(direct_summary(Query(date(2025, 3, 1), date(2025, 3, 31), "week", demo_unit("451022"))))


def demo_unit(adcode: str) -> Unit:
    return Unit.objects.get(adcode=adcode, kind=UnitKind.COUNTY)


def test_no_scope_gives_empty_figures(dataset):
    data = summary(Query(date(2025, 3, 1), date(2025, 3, 31), "month", None))
    assert data["totals"]["submitted"] == 0 and data["by_unit"] == [] and data["by_insurer"] == []
    assert data["by_period"] == [{"period": "2025-03-01", "submitted": 0, "accepted": 0, "rejected": 0, "voided": 0,
                                  "closed": 0}]


# --- percentiles from the histogram ---

@given(st.integers(0, 10_000_000))
def test_buckets_cover_their_seconds(value):
    low, high = bucket_seconds(bucket(value))
    assert low <= value <= high
    assert value == 0 or high / low < rollup.RATIO


def test_small_times_are_exact():
    for value in range(0, 50):
        assert bucket_seconds(bucket(value)) == (value, value)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.one_of(st.integers(0, 120), st.integers(0, 3_000_000)), min_size=1, max_size=300),
       fraction=st.sampled_from([0.5, 0.9, 0.0, 1.0, 0.25]))
def test_histogram_percentile_is_within_the_bound(values, fraction):
    hist: dict[int, int] = {}
    for value in values:
        hist[bucket(value)] = hist.get(bucket(value), 0) + 1
    exact = percentile([float(v) for v in values], fraction)
    estimate = hist_percentile(hist, fraction)
    assert abs(estimate - exact) <= PERCENTILE_REL * exact + 1e-9
    assert estimate == pytest.approx(exact, rel=PERCENTILE_REL)


def test_histogram_percentile_edges():
    assert hist_percentile({}, 0.5) is None
    assert hist_percentile({0: 3}, 0.9) == 0
    assert hist_percentile({bucket(7): 1}, 0.5) == 7


# --- concurrency (PostgreSQL: a second session holds the state row) ---

@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks across sessions, PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_a_read_does_not_wait_for_another_refresh(demo):
    import psycopg

    make_facts(demo, [{"unit": "451002", "day": DAYS[2], "minute": 600, "second": 0, "status": Status.ACCEPTED,
                       "decision_s": 100, "inside": True, "insurers": ["picc"], "fraud": False, "hour": 9}])
    assert rollup.refresh_rollup() is True
    CaseFact.objects.update(status=Status.REJECTED, updated_at=timezone.now())
    params = connection.get_connection_params()
    with psycopg.connect(**params) as other:
        other.execute(f"SELECT 1 FROM {RollupState._meta.db_table} WHERE id = %s FOR UPDATE", [rollup.STATE_ID])
        done = threading.Event()
        result = []

        def read():
            result.append(rollup.refresh_rollup())
            done.set()
            connection.close()

        threading.Thread(target=read).start()
        assert done.wait(10), "the read waited for the other session's refresh"
        assert result == [False]
        other.rollback()
    assert rollup.refresh_rollup() is True
    assert DailyFigure.objects.get().rejected == 1
