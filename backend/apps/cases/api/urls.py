from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("owner/cases", views.OwnerCaseViewSet, basename="owner-cases")
router.register("cases", views.StaffCaseViewSet, basename="cases")

urlpatterns = [
    path("owner/checklist", views.ChecklistView.as_view(), name="owner-checklist"),
    path("owner/settings", views.OwnerSettingsView.as_view(), name="owner-settings"),
    path("owner/liability/questions", views.LiabilityQuestionsView.as_view(), name="owner-liability-questions"),
    path("agreement/<str:receipt_no>", views.AgreementView.as_view(), name="agreement"),
    path("agreement/<str:receipt_no>/confirm", views.AgreementConfirmView.as_view(), name="agreement-confirm"),
    path("agreement/<str:receipt_no>/pdf", views.AgreementPdfView.as_view(), name="agreement-pdf"),
    path("insurer/cases/<str:receipt_no>/agreement.pdf", views.InsurerAgreementPdfView.as_view(),
         name="insurer-agreement-pdf"),
    path("track/<str:receipt_no>", views.TrackView.as_view(), name="track"),
    path("media/file", views.MediaFileView.as_view(), name="media-file"),
    *router.urls,
]
