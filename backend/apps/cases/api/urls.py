from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("owner/cases", views.OwnerCaseViewSet, basename="owner-cases")
router.register("cases", views.StaffCaseViewSet, basename="cases")

urlpatterns = [
    path("owner/checklist", views.ChecklistView.as_view(), name="owner-checklist"),
    path("track/<str:receipt_no>", views.TrackView.as_view(), name="track"),
    path("media/file", views.MediaFileView.as_view(), name="media-file"),
    *router.urls,
]
