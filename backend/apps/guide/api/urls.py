from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("guide/admin/articles", views.ArticleAdminViewSet, basename="guide-admin-articles")

urlpatterns = [
    path("guide/categories", views.CategoryListView.as_view(), name="guide-categories"),
    path("guide/articles", views.ArticleListView.as_view(), name="guide-articles"),
    path("guide/articles/<int:pk>", views.ArticleDetailView.as_view(), name="guide-article"),
    path("guide/images/<str:name>", views.ImageView.as_view(), name="guide-image"),
    path("guide/slot-examples", views.SlotExampleListView.as_view(), name="guide-slot-examples"),
    path("guide/admin/images", views.ImageUploadView.as_view(), name="guide-admin-images"),
    path("guide/admin/slot-examples", views.SlotExampleAdminListView.as_view(), name="guide-admin-slot-examples"),
    path("guide/admin/slot-examples/<str:slot>", views.SlotExampleAdminView.as_view(), name="guide-admin-slot-example"),
    *router.urls,
]
