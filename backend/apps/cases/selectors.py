from functools import lru_cache

from django.db.models import Prefetch, QuerySet

from apps.common.scoping import restrict

from .models import Case, CaseEvent, Party, Status


def owner_cases(owner) -> QuerySet[Case]:
    # The unit's polygon is not part of any owner response: leave it in the database.
    return Case.objects.filter(owner=owner).select_related("unit").defer("unit__jurisdiction").order_by("-created_at", "-id")


def owner_case_detail(owner) -> QuerySet[Case]:
    return owner_cases(owner).prefetch_related("parties__insurer", "media", "events")


def owner_case_written(case: Case, parties: list, media: list, events: list) -> Case:
    """The case a draft creation or submission just wrote, made ready for `owner_case_data()` from
    the objects the write holds: the shape `owner_case_detail()` gives, without reading five tables
    back. The unit comes from the in-process unit table."""
    from apps.units.geo import jurisdictions

    info = jurisdictions.unit_info(case.unit_id)
    if info is not None:
        case.unit = _unit(info)
    if not hasattr(case, "_prefetched_objects_cache"):
        case._prefetched_objects_cache = {}
    for (model, cache_name), rows in zip(_written_relations(), (parties, media, events), strict=True):
        # What a prefetch leaves behind: a queryset holding the rows (built bare: going through the
        # related manager would compile its filter for nothing).
        queryset = QuerySet(model=model)
        queryset._result_cache = list(rows)
        queryset._prefetch_done = True
        case._prefetched_objects_cache[cache_name] = queryset
    return case


def related_rows(case: Case, name: str):
    """`case.<name>.all()` where a prefetch or `owner_case_written()` left the rows on the case: those
    rows, without building a related manager on every access (a fifth of an owner answer's CPU went
    there). Otherwise the manager's queryset, as before."""
    cache = getattr(case, "_prefetched_objects_cache", None)
    found = cache.get(name) if cache else None
    return found if found is not None else getattr(case, name).all()


@lru_cache(maxsize=512)
def _unit(info):
    """The unit of an answer, from the in-process unit table: one instance per table entry, shared by
    the answers that only read it (a reload of the table gives new entries, so new instances)."""
    from apps.units.models import Unit

    return Unit(id=info.id, name=info.name, adcode=info.adcode, phone=info.phone, kind=info.kind)


@lru_cache(maxsize=1)
def _written_relations() -> tuple:
    relations = (Case._meta.get_field(name) for name in ("parties", "media", "events"))
    return tuple((rel.related_model, rel.cache_name) for rel in relations)


def cases_visible_to(user) -> QuerySet[Case]:
    """The one scoped queryset for every staff read of cases."""
    return restrict(Case.objects.exclude(status=Status.DRAFT), user)


# The columns of a row of the staff case list, as `staff_case_list_data()` reads them.
LIST_ROW_FIELDS = (
    "id", "status", "receipt_no", "unit_id", "inside_jurisdiction", "occurred_at", "submitted_at", "decided_at",
    "address", "has_fraud_warning", "claimed_by_id", "unit__name", "unit__adcode", "unit__phone",
    "claimed_by__username", "claimed_by__display_name",
)
LIST_WARNING_FIELDS = ("case_id", "id", "kind", "plate", "count", "window_days", "reason", "created_at")


def staff_case_rows(user) -> QuerySet[dict]:
    """The staff case list as plain rows (dicts), for `staff_case_list_data()`: a page of model
    instances with their parties and warnings prefetched had cost about half the list's time in
    building objects and related managers. Rows read only the columns the list shows: never the
    unit's polygon (25-150 KB of JSON), the case's JSON columns or the claimant's account details."""
    return cases_visible_to(user).values(*LIST_ROW_FIELDS)


def with_plates_and_warnings(rows: list[dict]) -> list[dict]:
    """A page of `staff_case_rows()` with each case's plates (in party order) and active fraud
    warnings (newest first) added as `plates` and `warnings`: two queries for the whole page."""
    from apps.fraud.models import FraudWarning

    ids = [row["id"] for row in rows]
    plates: dict[int, list[str]] = {pk: [] for pk in ids}
    warnings: dict[int, list[dict]] = {pk: [] for pk in ids}
    if ids:
        parties = Party.objects.filter(case_id__in=ids).order_by("case_id", "index").values_list("case_id", "plate")
        for case_id, plate in parties:
            plates[case_id].append(plate)
        active = FraudWarning.objects.filter(case_id__in=ids, active=True).order_by("-created_at", "-id")
        for warning in active.values(*LIST_WARNING_FIELDS):
            warnings[warning["case_id"]].append(warning)
    for row in rows:
        row["plates"], row["warnings"] = plates[row["id"]], warnings[row["id"]]
    return rows


def staff_case_detail(user) -> QuerySet[Case]:
    from apps.fraud.models import FraudWarning

    return cases_visible_to(user).select_related("unit", "claimed_by").prefetch_related(
        "parties__insurer", "media", "insurer_claims__company",
        Prefetch("events", queryset=CaseEvent.objects.select_related("actor", "unit")),
        Prefetch("fraud_warnings", queryset=FraudWarning.objects.filter(active=True)),
    )


def cases_for_insurer(company_id: int) -> QuerySet[Case]:
    return Case.objects.exclude(status__in=[Status.DRAFT, Status.EXPIRED]).filter(parties__insurer_id=company_id).distinct()
