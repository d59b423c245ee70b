"""The cached access profile: fewer queries per staff request, and never a stale grant."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts import access
from apps.accounts.models import User
from apps.units.models import Unit, UnitKind
from conftest import make_submitted_case

pytestmark = pytest.mark.django_db

ACCESS_READS = ('FROM "auth_permission"', 'FROM "auth_group"', 'FROM "units_unit"')


def _access_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if any(read in q["sql"] for read in ACCESS_READS)]


def test_the_second_request_reads_roles_permissions_and_scope_from_the_cache(staff):
    client = staff("pingguo_officer")
    with CaptureQueriesContext(connection) as first:
        assert client.get("/api/v1/cases").status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get("/api/v1/cases").status_code == 200
    assert len(_access_queries(first.captured_queries)) >= 3
    assert _access_queries(second.captured_queries) == []
    assert len(second.captured_queries) <= len(first.captured_queries) - 3


def test_losing_a_role_takes_effect_on_the_next_request(staff):
    client = staff("pingguo_officer")
    assert client.get("/api/v1/cases").status_code == 200
    user = User.objects.get(username="pingguo_officer")
    user.groups.remove(Group.objects.get(name="officer"))
    assert client.get("/api/v1/cases").status_code == 403


def test_a_permission_taken_from_a_role_takes_effect_on_the_next_request(staff):
    client = staff("pingguo_officer")
    assert client.get("/api/v1/cases").status_code == 200
    group = Group.objects.get(name="officer")
    group.permissions.remove(*group.permissions.filter(codename="view_case"))
    assert client.get("/api/v1/cases").status_code == 403


def test_a_new_unit_in_the_subtree_is_in_scope_at_once(staff, demo, owner_client):
    client = staff("pingguo_officer")
    assert client.get("/api/v1/cases").status_code == 200  # profile cached
    county = demo["451082"]
    station = Unit.objects.create(name="平果市新城派出所", kind=UnitKind.STATION, parent=county, adcode="451082")
    submitted = make_submitted_case(owner_client(), "451082")
    from apps.cases.models import Case

    Case.objects.filter(pk=submitted["id"]).update(unit=station)
    ids = [row["id"] for row in client.get("/api/v1/cases").json()["results"]]
    assert submitted["id"] in ids


def test_moving_a_user_to_another_unit_changes_the_scope_without_any_signal(staff, demo, owner_client):
    submitted = make_submitted_case(owner_client(), "451082")
    client = staff("tiandong_officer")
    assert submitted["id"] not in [row["id"] for row in client.get("/api/v1/cases").json()["results"]]
    # A queryset update sends no signal: the profile notices the unit on the fresh user row.
    User.objects.filter(username="tiandong_officer").update(unit=demo["451082"])
    assert submitted["id"] in [row["id"] for row in client.get("/api/v1/cases").json()["results"]]


def test_a_disabled_user_is_refused_even_with_a_cached_profile(staff):
    client = staff("pingguo_officer")
    assert client.get("/api/v1/cases").status_code == 200
    User.objects.filter(username="pingguo_officer").update(is_active=False)
    assert client.get("/api/v1/cases").status_code == 401


def test_without_a_cache_the_profile_comes_from_the_database(staff, owner_client, monkeypatch):
    submitted = make_submitted_case(owner_client(), "451082")
    client = staff("pingguo_officer")
    cached = [row["id"] for row in client.get("/api/v1/cases").json()["results"]]

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(access.cache, "get_many", down)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/cases")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == cached
    assert submitted["id"] in cached
    assert _access_queries(queries.captured_queries)


def test_a_profile_computed_during_a_change_is_not_taken_as_current(staff):
    """The version is read before the profile is computed: a bump in between invalidates it."""
    client = staff("pingguo_officer")
    real_compute = access._compute

    def compute_then_change(u):
        profile = real_compute(u)
        access.bump()  # another request changed roles while this one computed
        return profile

    access._compute = compute_then_change
    try:
        assert client.get("/api/v1/cases").status_code == 200
    finally:
        access._compute = real_compute
    with CaptureQueriesContext(connection) as again:
        assert client.get("/api/v1/cases").status_code == 200
    assert _access_queries(again.captured_queries), "the profile stored under the old version must be recomputed"


def test_a_lost_version_key_does_not_revive_old_profiles(staff):
    """If the cache loses the version (eviction, flush), profiles stored under an older number
    must not become current again: a new version starts from a number none of them has."""
    from django.core.cache import cache

    client = staff("pingguo_officer")
    assert client.get("/api/v1/cases").status_code == 200
    stored = cache.get(access._profile_key(User.objects.get(username="pingguo_officer").pk))
    cache.delete(access.VERSION_KEY)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/cases").status_code == 200
    assert _access_queries(queries.captured_queries), "the profile must be recomputed"
    assert cache.get(access.VERSION_KEY) != stored["version"]
