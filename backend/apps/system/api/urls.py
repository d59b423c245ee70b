from django.urls import path

from apps.insurers.api.admin_views import urlpatterns as insurer_admin_urls

from . import views

urlpatterns = [
    path("system/parameters", views.ParameterListView.as_view(), name="system-parameters"),
    path("system/parameters/<str:key>", views.ParameterDetailView.as_view(), name="system-parameter"),
    path("system/users", views.UserListView.as_view(), name="system-users"),
    path("system/users/<int:pk>", views.UserDetailView.as_view(), name="system-user"),
    path("system/users/<int:pk>/reset-password", views.UserResetPasswordView.as_view(), name="system-user-reset-password"),
    path("system/roles", views.RoleListView.as_view(), name="system-roles"),
    path("system/roles/<str:code>", views.RoleDetailView.as_view(), name="system-role"),
    path("system/permissions", views.PermissionListView.as_view(), name="system-permissions"),
    path("system/units", views.UnitListView.as_view(), name="system-units"),
    path("system/units/<int:pk>", views.UnitDetailView.as_view(), name="system-unit"),
    path("system/units/<int:pk>/jurisdiction", views.UnitJurisdictionView.as_view(), name="system-unit-jurisdiction"),
    path("system/audit", views.AuditListView.as_view(), name="system-audit"),
    path("system/audit/export", views.AuditExportView.as_view(), name="system-audit-export"),
    *insurer_admin_urls,
]
