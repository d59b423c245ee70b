from django.urls import path

from . import views

urlpatterns = [
    path("units/locate", views.LocateView.as_view(), name="units-locate"),
    path("units/jurisdictions", views.JurisdictionsView.as_view(), name="units-jurisdictions"),
    path("units/transfer-targets", views.TransferTargetsView.as_view(), name="units-transfer-targets"),
    path("units", views.UnitListView.as_view(), name="units-list"),
    path("owner/address", views.OwnerAddressView.as_view(), name="owner-address"),
    path("owner/address/search", views.OwnerAddressSearchView.as_view(), name="owner-address-search"),
]
