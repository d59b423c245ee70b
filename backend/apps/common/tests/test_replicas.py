"""Read routing without a replica, and the guards that keep reads on the primary. The replica itself,
a real streaming standby, is exercised in tests/soak/test_read_replica.py."""

import pytest
from django.db import connections, transaction
from django.test import override_settings

from apps.common import replicas
from apps.common.routers import PrimaryAndReplicaRouter
from apps.units.models import Unit


@pytest.fixture(autouse=True)
def fresh_health():
    replicas._health.clear()
    yield
    replicas._health.clear()


def test_without_replicas_every_read_is_on_the_primary(db):
    assert replicas.choose() is None
    assert replicas.read(lambda: (replicas.current(), Unit.objects.db_manager().db)) == (None, "default")
    assert replicas.stream_alias() == "default"
    assert Unit.objects.all().db == "default"


@override_settings(REPLICA_DATABASES=["replica1"])
def test_migrations_never_run_on_a_replica():
    router = PrimaryAndReplicaRouter()
    assert router.allow_migrate("replica1", "cases") is False
    assert router.allow_migrate("default", "cases") is True
    assert router.allow_migrate("archive", "stats") is True
    assert router.db_for_write(Unit) == "default"


@pytest.mark.django_db(transaction=True)
@override_settings(REPLICA_DATABASES=["default"], REPLICA_CHECK_S=0)
def test_reads_inside_a_transaction_stay_on_the_primary():
    # "default" stands in for a replica alias here: what is checked is where the router sends reads.
    if connections["default"].vendor != "postgresql":
        assert replicas.choose() is None  # the lag query is PostgreSQL's: SQLite is never a replica
        return
    assert replicas.choose() == "default"
    assert replicas.read(replicas.current) == "default"
    with transaction.atomic():
        assert replicas.choose() is None
        assert replicas.read(replicas.current) is None
    assert replicas.current() is None  # the routing ends with the call
