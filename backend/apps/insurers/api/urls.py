from django.urls import path

from . import views

urlpatterns = [
    path("insurers", views.InsurerListView.as_view(), name="insurers"),
    path("insurer/cases/<str:receipt_no>", views.InsurerCaseView.as_view(), name="insurer-case"),
    path("insurer/cases/<str:receipt_no>/claim", views.InsurerClaimView.as_view(), name="insurer-claim"),
]
