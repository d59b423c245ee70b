"""Statistics read from the anonymous facts, always within the viewer's unit subtree.

The grouped figures are single aggregate queries over `submitted_at` (indexed together with
`unit_id`). Medians and 90th percentiles of the decision time are computed by PostgreSQL
(`percentile_cont`) when it is the database; SQLite has no such aggregate, so there the same
interpolation runs in Python over the decided rows.
"""

import math
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Aggregate, Count, FloatField, Q, QuerySet, Value, When
from django.db.models import Case as CaseWhen
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek

from apps.cases.models import Status
from apps.common.scoping import scope_unit_ids
from apps.insurers.models import InsuranceCompany
from apps.units.models import Unit, UnitKind

from .models import CaseFact
from .services import OTHER_INSURER

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
GROUPS = ("day", "week", "month")
ACCEPTED = (Status.ACCEPTED, Status.CLOSED)
DECIDED = (Status.ACCEPTED, Status.CLOSED, Status.REJECTED)
SORT_MEMORY = "64MB"
STATUS_COUNTS = ("submitted", "accepted", "rejected", "voided", "closed")


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile; NULLs (undecided cases) are ignored by the aggregate."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, percentile: float, **extra) -> None:
        # A constant from this module, never user input: it is written into the SQL as a literal.
        super().__init__(expression, percentile=float(percentile), **extra)


def percentile(values: list[float], fraction: float) -> float | None:
    """The same linear interpolation as PostgreSQL's percentile_cont."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class Query:
    start: date  # inclusive, local dates
    end: date  # inclusive
    group: str
    unit: Unit | None  # the node the figures are rolled up under; None means an empty scope

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, LOCAL_TZ)

    @property
    def end_before(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, LOCAL_TZ)


def stats_root(user, unit_id: int | None) -> Unit | None:
    """The unit the viewer asked about: their own unit, or a unit in their subtree (None if outside)."""
    scope = scope_unit_ids(user)
    if not scope:
        return None
    wanted = unit_id if unit_id is not None else user.unit_id
    if wanted not in scope:
        return None
    return Unit.objects.defer("jurisdiction").get(pk=wanted)


def facts_in(query: Query) -> QuerySet[CaseFact]:
    facts = CaseFact.objects.filter(submitted_at__gte=query.start_at, submitted_at__lt=query.end_before)
    root = query.unit
    if root is None:
        return facts.none()
    if root.parent_id is None and root.kind == UnitKind.CITY:
        # The whole tree: no unit filter, the submission-time index alone answers.
        return facts
    ids = list(Unit.objects.filter(tree_id=root.tree_id, lft__gte=root.lft, rght__lte=root.rght).values_list("pk", flat=True))
    return facts.filter(unit_id__in=ids)


def rollup_units(root: Unit) -> tuple[dict[int, int], list[Unit]]:
    """Map every unit of the subtree to the row it is counted in.

    Below a city (or any unit above county level) the rows are its direct children, the county
    brigades; the city's own cases (outside every county) get a row of their own. A county-level
    viewer sees one row, its own unit, with its stations and centres folded in.
    """
    subtree = list(Unit.objects.filter(tree_id=root.tree_id, lft__gte=root.lft, rght__lte=root.rght).defer("jurisdiction")
                   .order_by("lft"))
    if root.kind != UnitKind.CITY:
        return {u.pk: root.pk for u in subtree}, [root]
    children = [u for u in subtree if u.parent_id == root.pk]
    mapping = {root.pk: root.pk}
    for child in children:
        for unit in subtree:
            if child.lft <= unit.lft and unit.rght <= child.rght:
                mapping[unit.pk] = child.pk
    return mapping, [root, *children]


def _counts() -> dict:
    return {
        "submitted": Count("id"),
        "accepted": Count("id", filter=Q(status__in=ACCEPTED)),
        "rejected": Count("id", filter=Q(status=Status.REJECTED)),
        "voided": Count("id", filter=Q(status=Status.VOIDED)),
        "closed": Count("id", filter=Q(status=Status.CLOSED)),
        "decided": Count("id", filter=Q(status__in=DECIDED)),
    }


def _sql_percentiles() -> bool:
    return connection.vendor == "postgresql"


def _decision_aggregates() -> dict:
    if not _sql_percentiles():
        return {}
    return {"median": PercentileCont("decision_s", 0.5), "p90": PercentileCont("decision_s", 0.9)}


def _python_percentiles(facts: QuerySet, key: str | None) -> dict:
    """{group key: (median, p90)} computed over the decided rows (SQLite only)."""
    rows = facts.filter(decision_s__isnull=False)
    values: dict = {}
    if key is None:
        values[None] = [float(v) for v in rows.values_list("decision_s", flat=True)]
    else:
        for group, seconds in rows.values_list(key, "decision_s"):
            values.setdefault(group, []).append(float(seconds))
    return {group: (percentile(v, 0.5), percentile(v, 0.9)) for group, v in values.items()}


def _figures(row: dict, median: float | None, p90: float | None) -> dict:
    return {
        **{name: row[name] for name in STATUS_COUNTS},
        "acceptance_rate": _rate(row["accepted"], row["decided"]),
        "decision_median_s": _seconds(median),
        "decision_p90_s": _seconds(p90),
        "fraud_warnings": row["fraud_warnings"],
    }


def _totals(facts: QuerySet) -> dict:
    row = facts.aggregate(
        **_counts(), **_decision_aggregates(),
        fraud_warnings=Count("id", filter=Q(fraud=True)),
        inside=Count("id", filter=Q(inside_jurisdiction=True)),
    )
    if _sql_percentiles():
        median, p90 = row["median"], row["p90"]
    else:
        median, p90 = _python_percentiles(facts, None).get(None, (None, None))
    return {**_figures(row, median, p90), "inside_rate": _rate(row["inside"], row["submitted"])}


def by_unit(facts: QuerySet, root: Unit) -> list[dict]:
    mapping, rows_units = rollup_units(root)
    by_target: dict[int, list[int]] = {}
    for unit_id, target in mapping.items():
        by_target.setdefault(target, []).append(unit_id)
    # One grouped query: the roll-up is a CASE over unit ids, evaluated inside the aggregate scan.
    row_key = CaseWhen(
        *[When(unit_id__in=ids, then=Value(target)) for target, ids in by_target.items()],
        default=Value(root.pk),
    )
    grouped = facts.annotate(row_unit=row_key).values("row_unit")
    rows = {
        r["row_unit"]: r
        for r in grouped.annotate(**_counts(), **_decision_aggregates(), fraud_warnings=Count("id", filter=Q(fraud=True)))
        .order_by()
    }
    python_p = {} if _sql_percentiles() else _python_percentiles(facts.annotate(row_unit=row_key), "row_unit")
    result = []
    for unit in rows_units:
        row = rows.get(unit.pk)
        if row is None:
            if unit.pk == root.pk and root.kind == UnitKind.CITY:
                continue  # no case outside the counties: no row for the city itself
            row = {name: 0 for name in (*STATUS_COUNTS, "decided", "fraud_warnings")}
        if _sql_percentiles():
            median, p90 = row.get("median"), row.get("p90")
        else:
            median, p90 = python_p.get(unit.pk, (None, None))
        result.append({"unit": {"id": unit.pk, "name": unit.name, "adcode": unit.adcode}, **_figures(row, median, p90)})
    return result


def period_starts(start: date, end: date, group: str) -> list[date]:
    if group == "day":
        first, step = start, None
    elif group == "week":
        first, step = start - timedelta(days=start.weekday()), None
    else:
        first, step = start.replace(day=1), "month"
    periods = []
    current = first
    while current <= end:
        periods.append(current)
        if step == "month":
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            current += timedelta(days=7 if group == "week" else 1)
    return periods


TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def by_period(facts: QuerySet, query: Query) -> list[dict]:
    trunc = TRUNC[query.group]("submitted_at", tzinfo=LOCAL_TZ)
    counts = _counts()
    counts.pop("decided")
    grouped = {}
    for row in facts.annotate(period=trunc).values("period").annotate(**counts).order_by():
        grouped[row["period"].astimezone(LOCAL_TZ).date()] = row
    empty = {name: 0 for name in STATUS_COUNTS}
    return [
        {"period": start.isoformat(), **{name: grouped.get(start, empty)[name] for name in STATUS_COUNTS}}
        for start in period_starts(query.start, query.end, query.group)
    ]


def by_insurer(facts: QuerySet) -> list[dict]:
    """Cases per insurer named by any party (a case with two insurers counts once for each).

    Grouped by the whole code list in one pass over the facts (there are only a few hundred distinct
    lists), then spread over the codes here: no self-join and no per-row JSON expansion in SQL.
    """
    counts: dict[str, int] = {}
    for codes, n in facts.values_list("insurers").annotate(n=Count("id")).order_by().values_list("insurers", "n"):
        for code in codes or []:
            counts[code] = counts.get(code, 0) + n
    names = dict(InsuranceCompany.objects.values_list("code", "name"))
    names[OTHER_INSURER] = "其他（自填）"
    rows = [{"insurer": names.get(c, c), "code": c, "count": n} for c, n in counts.items()]
    return sorted(rows, key=lambda r: (-r["count"], r["code"]))


def by_hour(facts: QuerySet) -> list[dict]:
    counts = dict(
        facts.exclude(occurred_hour=None).values("occurred_hour").annotate(n=Count("id")).order_by()
        .values_list("occurred_hour", "n")
    )
    return [{"hour": hour, "count": counts.get(hour, 0)} for hour in range(24)]


@contextmanager
def _sort_memory():
    """percentile_cont sorts each group's decision times; give that sort memory instead of disk."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'")
        yield


def summary(query: Query) -> dict:
    facts = facts_in(query)
    with _sort_memory():
        return _summary(query, facts)


def _summary(query: Query, facts: QuerySet) -> dict:
    return {
        "from": query.start.isoformat(),
        "to": query.end.isoformat(),
        "group": query.group,
        "totals": _totals(facts),
        "by_unit": by_unit(facts, query.unit) if query.unit else [],
        "by_period": by_period(facts, query),
        "by_insurer": by_insurer(facts),
        "by_hour": by_hour(facts),
    }
