"""A reusable contract for scoped endpoints (in the spirit of NetBox's APIViewTestCases).

Subclass `ScopedEndpointContract`, say how to make an object in a given county unit and where its
list and detail live, and the tests below prove: a county user sees its own subtree only, a sibling's
object is 404, the city sees everything, a user without unit or role sees nothing.
"""

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import User


class ScopedEndpointContract:
    list_url: str = ""
    detail_url_template: str = ""  # with {pk}
    own_user = "pingguo_officer"  # unit 平果市 (451082)
    sibling_user = "tiandong_officer"  # unit 田东县 (451022)
    city_user = "admin"

    def make_object(self, adcode: str):  # pragma: no cover - provided by subclasses
        raise NotImplementedError

    def result_ids(self, body) -> set:
        rows = body["results"] if isinstance(body, dict) and "results" in body else body
        return {row["id"] for row in rows}

    def test_subtree_only_in_list(self, demo, staff):
        own = self.make_object("451082")
        other = self.make_object("451022")
        ids = self.result_ids(staff(self.own_user).get(self.list_url).json())
        assert own.pk in ids and other.pk not in ids
        city_ids = self.result_ids(staff(self.city_user).get(self.list_url).json())
        assert {own.pk, other.pk} <= city_ids

    def test_sibling_object_is_404(self, demo, staff):
        other = self.make_object("451022")
        response = staff(self.own_user).get(self.detail_url_template.format(pk=other.pk))
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    def test_parent_level_object_is_404_for_county(self, demo, staff):
        city_obj = self.make_object("451000")
        assert staff(self.own_user).get(self.detail_url_template.format(pk=city_obj.pk)).status_code == 404

    @pytest.mark.parametrize("strip", ["unit", "roles"])
    def test_fails_closed_without_unit_or_role(self, demo, staff, strip):
        obj = self.make_object("451082")
        user = User.objects.get(username=self.own_user)
        if strip == "unit":
            user.unit = None
            user.save()
        else:
            user.groups.clear()
        client = APIClient()
        token = client.post("/api/v1/auth/token", {"username": self.own_user, "password": "Demo@2026"}, format="json")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}")
        listing = client.get(self.list_url)
        assert listing.status_code in (200, 403)
        if listing.status_code == 200:
            assert self.result_ids(listing.json()) == set()
        assert client.get(self.detail_url_template.format(pk=obj.pk)).status_code in (403, 404)
