from django.urls import path

from .views import ExportView, SummaryView

urlpatterns = [
    path("stats/summary", SummaryView.as_view(), name="stats-summary"),
    path("stats/export", ExportView.as_view(), name="stats-export"),
]
