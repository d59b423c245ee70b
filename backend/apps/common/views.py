from rest_framework import viewsets

from apps.common.permissions import IsStaff
from apps.common.scoping import restrict


class ScopedViewSetMixin:
    """Every queryset of a scoped viewset is restricted to the user's unit subtree.

    Subclasses set `scope_field` (the path to the unit foreign key); objects outside the scope
    are simply not in the queryset, so they answer 404.
    """

    scope_field = "unit"
    permission_classes = [IsStaff]

    def get_queryset(self):
        return restrict(super().get_queryset(), self.request.user, self.scope_field)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
