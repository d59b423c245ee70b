"""The daily roll-up of the facts (`DailyFigure`, `MonthlyFigure`): what the statistics read.

One row per local day (Asia/Shanghai, by submission time) and unit holds the counts, the hours,
the insurers and a histogram of the decision times of that day's facts; one row per calendar month
and unit adds up the days of the month. A 12-month summary reads about 150 month rows and the
days at the two ends of its range instead of scanning half a million facts.

Nothing on the submission path writes here. `refresh_rollup()` runs at the start of every
statistics read and recomputes the days of the facts that changed since the previous read:

- Changed facts are found by `updated_at` (index `fact_updated`) from a window start
  (`RollupState.checked_from`). A transaction may stamp a fact and commit later, after a read has
  moved on, so the window reaches back: `MARGIN` (10 minutes) when another transaction was writing
  facts at the time (PostgreSQL: it holds a write lock on the facts table, `pg_locks`), otherwise
  only `CLOCK_SLACK` (clock differences between servers and the moment between stamping a row and
  writing it). On SQLite writers queue for one lock, which the refresh holds, so none is ever in
  flight there.
- Whether anything changed is one aggregate over that window (count and total age of the rows,
  the state's `fingerprint`): equal to the stored one means nothing to do. The fingerprint is taken
  before the facts are read, so a fact committed meanwhile shows up as a change on the next read.
- Whole days are recomputed, all units (a case transferred to another unit moves between rows),
  then the months those days belong to.
- One refresh at a time (a lock on the state row); a read that finds another refresh running
  serves the roll-up as it is instead of waiting.

Facts that are deleted leave no `updated_at` behind: whatever deletes or replaces facts calls
`recompute_days()` or `rebuild_rollup()` (retention, restore, `refresh_facts`), and the nightly
job rebuilds everything.

Decision times are kept as a histogram with geometric buckets (see `bucket`); `hist_percentile`
reads the median and p90 from it (see there for the error bound).
"""

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from functools import lru_cache, reduce
from operator import add, or_
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, DateTimeField, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.cases.models import Status

from .models import CaseFact, DailyFigure, Figures, MonthlyFigure, RollupState

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
ACCEPTED = (Status.ACCEPTED, Status.CLOSED)
DECIDED = (Status.ACCEPTED, Status.CLOSED, Status.REJECTED)
COUNT_FIELDS = ("submitted", "accepted", "rejected", "voided", "closed", "decided", "fraud", "inside")

MARGIN = timedelta(minutes=10)
CLOCK_SLACK = timedelta(seconds=10)
STATE_ID = 1
# Beyond this many separate runs of days a refresh recomputes everything in one pass.
MAX_RANGES = 60
# A window holding more facts than this is moved forward when nothing changed (`_should_move`).
MOVE_ROWS = 1000
BATCH = 1000

# Decision-time buckets: 0 s alone in bucket 0; bucket b >= 1 holds RATIO**(b-1) <= s < RATIO**b.
RATIO = 1.02
_LOG_RATIO = math.log(RATIO)


def bucket(seconds: int) -> int:
    if seconds <= 0:
        return 0
    return 1 + math.floor(math.log(seconds) / _LOG_RATIO)


@lru_cache(maxsize=4096)
def bucket_seconds(b: int) -> tuple[int, int]:
    """The smallest and the largest whole second that fall into bucket `b` (by `bucket` itself,
    so floating-point rounding at the edges cannot put a value outside its bucket's range)."""
    if b <= 0:
        return 0, 0
    low = max(1, math.floor(RATIO ** (b - 1)))
    while bucket(low) < b:
        low += 1
    while low > 1 and bucket(low - 1) == b:
        low -= 1
    high = max(low, math.floor(RATIO**b))
    while high > low and bucket(high) > b:
        high -= 1
    while bucket(high + 1) == b:
        high += 1
    return low, high


def _value_at(buckets: list[tuple[int, int]], rank: int) -> float:
    seen = 0
    for b, n in buckets:
        if rank < seen + n:
            low, high = bucket_seconds(b)
            return low + (high - low) * (rank - seen + 0.5) / n
        seen += n
    raise IndexError(rank)


def hist_percentile(hist: Mapping[int, int], fraction: float) -> float | None:
    """percentile_cont (linear interpolation between the two nearest ranks) over a histogram.

    The n values of a bucket are taken as spread evenly over the whole seconds the bucket covers,
    the k-th at (k + 0.5) / n of the way. The estimate of every rank lies in the same bucket as the
    exact value, and interpolating between two ranks keeps that, so the relative error is below the
    bucket's relative width: under RATIO - 1 = 2 %, whatever the data. Buckets that cover a single
    whole second (all times under about 50 s, and 0 s) are exact. Values spread over a bucket come
    out much closer than the bound; it is reached only when a bucket's values all sit at one edge.
    """
    buckets = sorted((b, n) for b, n in hist.items() if n)
    total = sum(n for _, n in buckets)
    if not total:
        return None
    position = fraction * (total - 1)
    lower = math.floor(position)
    value = _value_at(buckets, lower)
    if position == lower:
        return value
    return value + (_value_at(buckets, lower + 1) - value) * (position - lower)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, LOCAL_TZ)


def local_day():
    return TruncDate("submitted_at", tzinfo=LOCAL_TZ)


def _counts() -> dict:
    return {
        "submitted": Count("id"),
        "accepted": Count("id", filter=Q(status__in=ACCEPTED)),
        "rejected": Count("id", filter=Q(status=Status.REJECTED)),
        "voided": Count("id", filter=Q(status=Status.VOIDED)),
        "closed": Count("id", filter=Q(status=Status.CLOSED)),
        "decided": Count("id", filter=Q(status__in=DECIDED)),
        "fraud": Count("id", filter=Q(fraud=True)),
        "inside": Count("id", filter=Q(inside_jurisdiction=True)),
        **{f"h{hour}": Count("id", filter=Q(occurred_hour=hour)) for hour in range(24)},
    }


def compute_figures(facts: QuerySet[CaseFact]) -> list[DailyFigure]:
    """The roll-up rows of these facts: three grouped queries (counts and hours, insurer lists,
    decision times), folded here.

    Each query reads its own snapshot; a fact committed between them is stamped after the
    refresh's fingerprint, so the next read recomputes its day.
    """
    keyed = facts.annotate(day=local_day()).order_by()
    figures: dict[tuple[date, int | None], DailyFigure] = {}

    def figure(day: date, unit_id: int | None) -> DailyFigure:
        row = figures.get((day, unit_id))
        if row is None:
            row = figures[(day, unit_id)] = DailyFigure(day=day, unit_id=unit_id, hours=[0] * 24, insurers={},
                                                        decision_hist={})
        return row

    for row in keyed.values("day", "unit_id").annotate(**_counts()):
        target = figure(row["day"], row["unit_id"])
        for name in COUNT_FIELDS:
            setattr(target, name, row[name])
        target.hours = [row[f"h{hour}"] for hour in range(24)]
    insurer_lists = keyed.values("day", "unit_id", "insurers").annotate(n=Count("id")).values_list(
        "day", "unit_id", "insurers", "n")
    for day, unit_id, codes, n in insurer_lists.iterator(chunk_size=10000):
        counts = figure(day, unit_id).insurers
        for code in codes or []:
            counts[code] = counts.get(code, 0) + n
    times = keyed.filter(decision_s__isnull=False).values("day", "unit_id", "decision_s").annotate(n=Count("id"))
    buckets: dict[int, str] = {}
    for day, unit_id, seconds, n in times.values_list("day", "unit_id", "decision_s", "n").iterator(chunk_size=10000):
        key = buckets.get(seconds)
        if key is None:
            key = buckets[seconds] = str(bucket(seconds))
        hist = figure(day, unit_id).decision_hist
        hist[key] = hist.get(key, 0) + n
    return list(figures.values())


def add_figures(into: Figures, row: Figures) -> None:
    """Add one roll-up row to another (counts, hours, insurers, decision histogram)."""
    for name in COUNT_FIELDS:
        setattr(into, name, getattr(into, name) + getattr(row, name))
    into.hours = list(map(add, into.hours, row.hours))
    for target, source in ((into.insurers, row.insurers), (into.decision_hist, row.decision_hist)):
        for key, n in source.items():
            target[key] = target.get(key, 0) + n


def month_figures(days: Iterable[DailyFigure]) -> list[MonthlyFigure]:
    months: dict[tuple[date, int | None], MonthlyFigure] = {}
    for row in days:
        key = (row.day.replace(day=1), row.unit_id)
        month = months.get(key)
        if month is None:
            month = months[key] = MonthlyFigure(month=key[0], unit_id=row.unit_id, hours=[0] * 24, insurers={},
                                                decision_hist={})
        add_figures(month, row)
    return list(months.values())


def _age_total(start: datetime):
    """Sum of (updated_at - start): changes whenever a row in the window is written again."""
    age = ExpressionWrapper(F("updated_at") - Value(start, output_field=DateTimeField()), output_field=DurationField())
    return Sum(age)


def _fingerprint(start: datetime) -> str:
    row = CaseFact.objects.filter(updated_at__gte=start).aggregate(n=Count("id"), age=_age_total(start))
    age = row["age"] or timedelta(0)
    return f"{row['n']}:{age // timedelta(microseconds=1)}"


def _writers_in_flight() -> bool:
    """Is another transaction writing facts right now (whose rows may carry an earlier stamp)?"""
    if connection.vendor != "postgresql":
        return False  # SQLite: one writer at a time, and the refresh's transaction holds the lock
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'relation' AND relation = %s::regclass"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND mode IN ('RowExclusiveLock', 'RowShareLock') AND pid IS DISTINCT FROM pg_backend_pid())",
            [CaseFact._meta.db_table],
        )
        return cursor.fetchone()[0]


def _day_ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    ranges: list[tuple[date, date]] = []
    for day in sorted(days):
        if ranges and ranges[-1][1] + timedelta(days=1) == day:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def _recompute(days: set[date] | None) -> int:
    """Replace the roll-up rows of these local days (None: all), and of their months, by rows
    computed from the facts. Returns the number of daily rows written."""
    facts = CaseFact.objects.all()
    old = DailyFigure.objects.all()
    if days is not None:
        ranges = _day_ranges(days)
        if not ranges:
            return 0
        if len(ranges) > MAX_RANGES:
            days = None
        else:
            facts = facts.filter(reduce(or_, [
                Q(submitted_at__gte=day_start(first), submitted_at__lt=day_start(last + timedelta(days=1)))
                for first, last in ranges
            ]))
            old = old.filter(day__in=days)
    rows = compute_figures(facts)
    old.delete()
    DailyFigure.objects.bulk_create(rows, batch_size=BATCH)
    if days is None:
        MonthlyFigure.objects.all().delete()
        MonthlyFigure.objects.bulk_create(month_figures(rows), batch_size=BATCH)
    else:
        months = {day.replace(day=1) for day in days}
        in_months = reduce(or_, [Q(day__gte=m, day__lt=(m + timedelta(days=32)).replace(day=1)) for m in months])
        MonthlyFigure.objects.filter(month__in=months).delete()
        MonthlyFigure.objects.bulk_create(month_figures(DailyFigure.objects.filter(in_months)), batch_size=BATCH)
    return len(rows)


def _lock(wait: bool) -> RollupState | None:
    """The state row, locked for this transaction; None if another refresh holds it and not `wait`."""
    RollupState.objects.get_or_create(pk=STATE_ID)
    return RollupState.objects.select_for_update(skip_locked=not wait).filter(pk=STATE_ID).first()


def _window_start(now: datetime) -> datetime:
    return now - (MARGIN if _writers_in_flight() else CLOCK_SLACK)


def _save(state: RollupState, start: datetime, now: datetime, fingerprint: str, rebuilt: bool = False) -> None:
    state.checked_from, state.checked_at, state.fingerprint = start, now, fingerprint
    if rebuilt:
        state.rebuilt_at = now
    state.save()


def _rebuild(state: RollupState) -> dict:
    now = timezone.now()
    start = _window_start(now)
    fingerprint = _fingerprint(start)
    rows = _recompute(None)
    _save(state, start, now, fingerprint, rebuilt=True)
    return {"rows": rows}


def _should_move(state: RollupState, now: datetime) -> bool:
    """A window that holds many rows (a bulk load just before the last check, for one) is moved
    forward once it has settled, so that the check stays small; a small one is left alone, which
    keeps an idle read at two queries and no write."""
    return int(state.fingerprint.partition(":")[0] or 0) > MOVE_ROWS and now >= state.checked_at + CLOCK_SLACK


def _unchanged(state: RollupState) -> bool:
    return state.checked_from is not None and _fingerprint(state.checked_from) == state.fingerprint


def refresh_rollup() -> bool:
    """Bring the roll-up up to date with the facts; True if rows were recomputed.

    Nothing changed: two small queries (the state row, the fingerprint of the window).
    """
    state = RollupState.objects.filter(pk=STATE_ID).first()
    if state is not None and state.checked_at is not None and not _should_move(state, timezone.now()) \
            and _unchanged(state):
        return False
    with transaction.atomic():
        # The first build is waited for; later, a read does not queue behind another one's refresh.
        state = _lock(wait=state is None or state.checked_from is None)
        if state is None:
            return False
        if state.checked_from is None:
            _rebuild(state)
            return True
        now = timezone.now()
        start = _window_start(now)
        fingerprint = _fingerprint(start)  # before the facts are read, see the module docstring
        if _unchanged(state):
            if _should_move(state, now):
                _save(state, start, now, fingerprint)
            return False
        since = min(state.checked_from, start)
        days = set(
            CaseFact.objects.filter(updated_at__gte=since).annotate(day=local_day()).order_by()
            .values_list("day", flat=True).distinct()
        )
        _recompute(days)
        _save(state, start, now, fingerprint)
        return True


def rebuild_rollup() -> dict:
    """Recompute every roll-up row from the facts (nightly, and after facts were replaced)."""
    with transaction.atomic():
        return _rebuild(_lock(wait=True))


def recompute_days(days: Iterable[date]) -> int:
    """Recompute these local days now: for callers that delete or replace facts."""
    days = set(days)
    if not days:
        return 0
    with transaction.atomic():
        state = _lock(wait=True)
        if state.checked_from is None:
            return 0  # never built: the first read builds everything
        return _recompute(days)
