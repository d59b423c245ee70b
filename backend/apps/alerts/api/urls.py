from django.urls import path

from . import views

urlpatterns = [
    path("alerts/ticket", views.TicketView.as_view(), name="alerts-ticket"),
    path("alerts", views.AlertListView.as_view(), name="alerts-list"),
    path("alerts/read", views.ReadView.as_view(), name="alerts-read"),
]
