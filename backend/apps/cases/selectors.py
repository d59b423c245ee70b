from django.db.models import Prefetch, QuerySet

from apps.common.scoping import restrict

from .models import Case, CaseEvent, Party, Status


def owner_cases(owner) -> QuerySet[Case]:
    # The unit's polygon is not part of any owner response: leave it in the database.
    return Case.objects.filter(owner=owner).select_related("unit").defer("unit__jurisdiction").order_by("-created_at", "-id")


def owner_case_detail(owner) -> QuerySet[Case]:
    return owner_cases(owner).prefetch_related("parties__insurer", "media", "events")


def cases_visible_to(user) -> QuerySet[Case]:
    """The one scoped queryset for every staff read of cases."""
    return restrict(Case.objects.exclude(status=Status.DRAFT), user)


def staff_case_list(user) -> QuerySet[Case]:
    from apps.fraud.models import FraudWarning

    # The list shows neither the unit's polygon (25-150 KB of JSON per row) nor the checklist or the
    # agreement confirmations: not reading and decoding them is most of the first page's cost.
    return cases_visible_to(user).select_related("unit", "claimed_by").defer(
        "unit__jurisdiction", "checklist", "agreement_confirmations",
    ).prefetch_related(
        Prefetch("parties", queryset=Party.objects.only("id", "case_id", "index", "plate")),
        Prefetch("fraud_warnings", queryset=FraudWarning.objects.filter(active=True)),
    )


def staff_case_detail(user) -> QuerySet[Case]:
    from apps.fraud.models import FraudWarning

    return cases_visible_to(user).select_related("unit", "claimed_by").prefetch_related(
        "parties__insurer", "media", "insurer_claims__company",
        Prefetch("events", queryset=CaseEvent.objects.select_related("actor", "unit")),
        Prefetch("fraud_warnings", queryset=FraudWarning.objects.filter(active=True)),
    )


def cases_for_insurer(company_id: int) -> QuerySet[Case]:
    return Case.objects.exclude(status__in=[Status.DRAFT, Status.EXPIRED]).filter(parties__insurer_id=company_id).distinct()
