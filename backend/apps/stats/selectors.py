"""Statistics read from the daily roll-up (`apps.stats.rollup`), always within the viewer's unit subtree.

A summary brings the roll-up up to date and reads the rows of the range and the subtree: the
calendar months that lie wholly inside the range from `MonthlyFigure`, the days at its two ends
from `DailyFigure` (a year is about 150 + 400 rows), and the per-day counts of the periods summed
by the database. It adds them up here: by county, by period, by insurer and by hour. Medians and
90th percentiles of the decision time come from the merged histograms (`hist_percentile`), on
SQLite and PostgreSQL alike.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce
from operator import add

from django.conf import settings
from django.db.models import Q, QuerySet, Sum

from apps.common import replicas
from apps.common.scoping import scope_unit_ids
from apps.insurers.models import InsuranceCompany
from apps.units.models import ABOVE_COUNTY, Unit

from .models import CaseFact, DailyFigure, MonthlyFigure
from .rollup import COUNT_FIELDS, LOCAL_TZ, hist_percentile, refresh_rollup
from .services import OTHER_INSURER

GROUPS = ("day", "week", "month")
STATUS_COUNTS = ("submitted", "accepted", "rejected", "voided", "closed")
ZERO_COUNTS = [0] * len(COUNT_FIELDS)


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


def subtree_ids(root: Unit) -> list[int] | None:
    """The unit ids whose figures count under `root`; None for the whole tree (a city or province at the top),
    which also takes in the cases without a unit."""
    if root.parent_id is None and root.kind in ABOVE_COUNTY:
        return None
    return list(Unit.objects.filter(tree_id=root.tree_id, lft__gte=root.lft, rght__lte=root.rght).values_list("pk", flat=True))


def facts_in(query: Query) -> QuerySet[CaseFact]:
    facts = CaseFact.objects.filter(submitted_at__gte=query.start_at, submitted_at__lt=query.end_before)
    if query.unit is None:
        return facts.none()
    ids = subtree_ids(query.unit)
    return facts if ids is None else facts.filter(unit_id__in=ids)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def whole_months(start: date, end: date) -> tuple[date, date]:
    """[first, after): the calendar months that lie wholly inside [start, end] (empty if first >= after)."""
    first = start if start.day == 1 else next_month(start)
    return first, (end + timedelta(days=1)).replace(day=1)


def _in_scope(figures: QuerySet, ids: list[int] | None) -> QuerySet:
    return figures if ids is None else figures.filter(unit_id__in=ids)


def figures_in(query: Query) -> tuple[QuerySet[MonthlyFigure], QuerySet[DailyFigure]]:
    """The roll-up rows of the same facts as `facts_in`: the whole months of the range, and the days
    outside them."""
    first, after = whole_months(query.start, query.end)
    months = MonthlyFigure.objects.filter(month__gte=first, month__lt=after)
    days = DailyFigure.objects.filter(day__gte=query.start, day__lte=query.end)
    if first < after:
        days = days.filter(Q(day__lt=first) | Q(day__gte=after))
    else:
        months = months.none()
    if query.unit is None:
        return months.none(), days.none()
    ids = subtree_ids(query.unit)
    return _in_scope(months, ids), _in_scope(days, ids)


def day_counts(query: Query) -> QuerySet:
    """Status counts per local day of the range (summed over the subtree by the database)."""
    days = DailyFigure.objects.filter(day__gte=query.start, day__lte=query.end)
    if query.unit is None:
        days = days.none()
    else:
        days = _in_scope(days, subtree_ids(query.unit))
    return days.values("day").annotate(**{name: Sum(name) for name in STATUS_COUNTS}).order_by()


def rollup_units(root: Unit) -> tuple[dict[int, int], list[Unit]]:
    """Map every unit of the subtree to the row it is counted in.

    Below a city (or any unit above county level) the rows are its direct children, the county
    brigades; the city's own cases (outside every county) get a row of their own. A county-level
    viewer sees one row, its own unit, with its stations and centres folded in.
    """
    subtree = list(Unit.objects.filter(tree_id=root.tree_id, lft__gte=root.lft, rght__lte=root.rght).defer("jurisdiction")
                   .order_by("lft"))
    if root.kind not in ABOVE_COUNTY:
        return {u.pk: root.pk for u in subtree}, [root]
    children = [u for u in subtree if u.parent_id == root.pk]
    mapping = {root.pk: root.pk}
    for child in children:
        for unit in subtree:
            if child.lft <= unit.lft and unit.rght <= child.rght:
                mapping[unit.pk] = child.pk
    return mapping, [root, *children]


def _figures(counts: list[int], hist: dict[int, int]) -> dict:
    row = dict(zip(COUNT_FIELDS, counts, strict=True))
    return {
        **{name: row[name] for name in STATUS_COUNTS},
        "acceptance_rate": _rate(row["accepted"], row["decided"]),
        "decision_median_s": _seconds(hist_percentile(hist, 0.5)),
        "decision_p90_s": _seconds(hist_percentile(hist, 0.9)),
        "fraud_warnings": row["fraud"],
    }


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


def period_of(day: date, group: str) -> date:
    if group == "week":
        return day - timedelta(days=day.weekday())
    if group == "month":
        return day.replace(day=1)
    return day


@dataclass
class Tally:
    """The roll-up rows of one summary, added up by the row unit they count under."""

    units: dict[int, list[int]] = field(default_factory=dict)  # COUNT_FIELDS per row unit
    hists: dict[int, dict[str, int]] = field(default_factory=dict)  # decision histogram per row unit
    insurers: dict[str, int] = field(default_factory=dict)
    hours: list[int] = field(default_factory=lambda: [0] * 24)


def tally(figures: list[QuerySet], mapping: dict[int, int], default_unit: int | None) -> Tally:
    result = Tally()
    for rows in figures:
        for unit_id, *counts, hours, insurers, hist in rows.values_list("unit_id", *COUNT_FIELDS, "hours", "insurers",
                                                                        "decision_hist"):
            target = mapping.get(unit_id, default_unit)
            result.units[target] = list(map(add, result.units.get(target, ZERO_COUNTS), counts))
            unit_hist = result.hists.setdefault(target, {})
            for key, n in hist.items():
                unit_hist[key] = unit_hist.get(key, 0) + n
            for code, n in insurers.items():
                result.insurers[code] = result.insurers.get(code, 0) + n
            result.hours = list(map(add, result.hours, hours))
    return result


def _int_keys(hist: dict[str, int]) -> dict[int, int]:
    return {int(key): n for key, n in hist.items()}


def _totals(data: Tally) -> dict:
    counts = reduce(lambda a, b: list(map(add, a, b)), data.units.values(), ZERO_COUNTS)
    hist: dict[int, int] = {}
    for unit_hist in data.hists.values():
        for key, n in unit_hist.items():
            hist[int(key)] = hist.get(int(key), 0) + n
    inside = counts[COUNT_FIELDS.index("inside")]
    return {**_figures(counts, hist), "inside_rate": _rate(inside, counts[0])}


def by_unit(data: Tally, rows_units: list[Unit], root: Unit) -> list[dict]:
    result = []
    for unit in rows_units:
        counts = data.units.get(unit.pk)
        if counts is None:
            if unit.pk == root.pk and root.kind in ABOVE_COUNTY:
                continue  # no case outside the counties: no row for the city itself
            counts, hist = ZERO_COUNTS, {}
        else:
            hist = _int_keys(data.hists[unit.pk])
        result.append({"unit": {"id": unit.pk, "name": unit.name, "adcode": unit.adcode}, **_figures(counts, hist)})
    return result


def by_period(query: Query) -> list[dict]:
    periods: dict[date, dict[str, int]] = {}
    for row in day_counts(query):
        period = periods.setdefault(period_of(row["day"], query.group), dict.fromkeys(STATUS_COUNTS, 0))
        for name in STATUS_COUNTS:
            period[name] += row[name]
    empty = dict.fromkeys(STATUS_COUNTS, 0)
    return [{"period": start.isoformat(), **periods.get(start, empty)}
            for start in period_starts(query.start, query.end, query.group)]


def by_insurer(data: Tally) -> list[dict]:
    """Cases per insurer named by any party (a case with two insurers counts once for each)."""
    names = dict(InsuranceCompany.objects.values_list("code", "name"))
    names[OTHER_INSURER] = "其他（自填）"
    rows = [{"insurer": names.get(c, c), "code": c, "count": n} for c, n in data.insurers.items()]
    return sorted(rows, key=lambda r: (-r["count"], r["code"]))


def by_hour(data: Tally) -> list[dict]:
    return [{"hour": hour, "count": data.hours[hour]} for hour in range(24)]


def summary(query: Query) -> dict:
    """The statistics of a query. The roll-up is brought up to date on the primary; the figures are then
    read from a read replica when one is usable (apps.common.replicas), else from the primary."""
    refresh_rollup()
    return replicas.read(_summary, query)


def _summary(query: Query) -> dict:
    root = query.unit
    if root is None:
        mapping, rows_units, default_unit = {}, [], None
    else:
        mapping, rows_units = rollup_units(root)
        default_unit = root.pk
    data = tally(list(figures_in(query)), mapping, default_unit)
    return {
        "from": query.start.isoformat(),
        "to": query.end.isoformat(),
        "group": query.group,
        "totals": _totals(data),
        "by_unit": by_unit(data, rows_units, root) if root else [],
        "by_period": by_period(query),
        "by_insurer": by_insurer(data),
        "by_hour": by_hour(data),
        # Read from a replica: the figures may be this many seconds behind the cases (0: read live).
        "max_delay_s": settings.REPLICA_MAX_LAG_S if replicas.current() else 0,
    }
