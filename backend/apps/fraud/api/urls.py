from django.urls import path

from . import views

urlpatterns = [
    path("fraud/warnings", views.WarningListView.as_view(), name="fraud-warnings"),
    path("fraud/warnings/<int:pk>/history", views.WarningHistoryView.as_view(), name="fraud-history"),
    path("fraud/warnings/<int:pk>/dispatch", views.DispatchView.as_view(), name="fraud-dispatch"),
]
