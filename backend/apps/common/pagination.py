from rest_framework.pagination import CursorPagination, PageNumberPagination


class StandardPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200


class CaseCursorPagination(CursorPagination):
    """Keyset pagination: the first page and every later page cost one index range scan."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-submitted_at", "-id")
