import django_filters

from apps.cases.models import Case, Status
from apps.cases.plates import normalize_plate
from apps.cases.receipts import normalize_receipt_no
from apps.units.models import Unit


class CaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    unit = django_filters.NumberFilter(method="filter_unit")
    plate = django_filters.CharFilter(method="filter_plate")
    receipt_no = django_filters.CharFilter(method="filter_receipt")
    fraud = django_filters.BooleanFilter(field_name="has_fraud_warning")
    inside_jurisdiction = django_filters.BooleanFilter()
    submitted_after = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="gte")
    submitted_before = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="lt")

    class Meta:
        model = Case
        fields = []

    def filter_unit(self, queryset, name, value):
        unit = Unit.objects.filter(pk=value).first()
        if unit is None:
            return queryset.none()
        ids = unit.get_descendants(include_self=True).values_list("pk", flat=True)
        return queryset.filter(unit_id__in=list(ids))

    def filter_plate(self, queryset, name, value):
        return queryset.filter(parties__plate_normalized=normalize_plate(value)).distinct()

    def filter_receipt(self, queryset, name, value):
        return queryset.filter(receipt_no=normalize_receipt_no(value))
