"""Fixtures for the security suite: named demo accounts, owners and cases in known units."""

import pytest
from rest_framework.test import APIClient

from conftest import login, make_submitted_case

STAFF_USERS = ("admin", "pingguo_leader", "pingguo_officer", "tiandong_officer", "insurer_picc", "insurer_pingan")


@pytest.fixture
def clients(demo):
    """`clients(name)` → an APIClient for a demo account, an owner (`owner`, `other_owner`) or `anonymous`."""
    cache: dict[str, APIClient] = {}

    def get(name: str) -> APIClient:
        if name not in cache:
            client = APIClient()
            if name in STAFF_USERS:
                login(client, name)
            elif name in ("owner", "other_owner"):
                response = client.post("/api/v1/owner/session", {}, format="json")
                assert response.status_code == 200, response.content
                client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
            else:
                assert name == "anonymous", name
            cache[name] = client
        return cache[name]

    return get


@pytest.fixture
def cases(clients):
    """Three submitted cases from two owners: 平果 (人保 + 平安), 田东 (人保 + 太平洋), 平果 (人保 only)."""
    return {
        "pingguo": make_submitted_case(clients("owner"), "451082", key="sec-pg", plates=("桂LSEC01", "桂LSEC02"),
                                       insurers=("picc", "pingan")),
        "tiandong": make_submitted_case(clients("owner"), "451022", key="sec-td", plates=("桂LSEC03", "桂LSEC04"),
                                        insurers=("picc", "cpic")),
        "picc_only": make_submitted_case(clients("other_owner"), "451082", key="sec-po", plates=("桂LSEC05", "桂LSEC06"),
                                         insurers=("picc", "cpic")),
    }
