from django.urls import path

from . import views

urlpatterns = [
    path("owner/session", views.SessionView.as_view(), name="owner-session"),
    path("owner/wechat/oauth-url", views.OAuthUrlView.as_view(), name="owner-wechat-oauth-url"),
    path("owner/wechat/jssdk", views.JssdkView.as_view(), name="owner-wechat-jssdk"),
]
