"""Who is asking: one client per role, for the endpoint × role matrices."""

import pytest
from rest_framework.test import APIClient

# A supervisor at the city level has the widest scope of any non-admin: if they are refused, scope is
# not what lets the admin in, the permission is.
ROLE_USERS = {
    "city_admin": "admin",
    "supervisor": "city_leader",
    "county_supervisor": "youjiang_leader",
    "officer": "youjiang_officer",
    "insurer": "insurer_picc",
}
NON_ADMIN_ROLES = ["supervisor", "county_supervisor", "officer", "insurer", "owner", "anonymous"]


@pytest.fixture
def client_for(staff, owner_client):
    def make(role: str) -> APIClient:
        if role == "anonymous":
            return APIClient()
        if role == "owner":
            return owner_client()
        return staff(ROLE_USERS[role])

    return make


def expected_refusal(role: str) -> int:
    return 401 if role == "anonymous" else 403
