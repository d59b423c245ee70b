"""Statistics and the audit export read from a PostgreSQL streaming replica; everything else from the
primary; a replica that lags or is down is left out and the primary answers (SPEC §5).

The server runs against a primary and a standby of the test's own (`replication.py`). Pausing the
standby's replay makes the two differ, which shows where each read went: a case submitted meanwhile is
in the owner's and the officer's views at once, and in the statistics only once the replica has it or
has been left out for lagging.
"""

import tempfile
import time
from pathlib import Path

import httpx
import pytest

from .conftest import Server, free_port, staff_token
from .replication import ReplicatedPostgres
from .test_soak import _new_draft

pytestmark = pytest.mark.soak

MAX_LAG_S = 10  # long enough for one submission on a busy CI machine, short enough to wait out


class _Databases:
    def __init__(self, pair: ReplicatedPostgres) -> None:
        self.env = {"DATABASE_URL": pair.url("primary", "kckp"), "DATABASE_REPLICA_URLS": pair.url("standby", "kckp"),
                    "ARCHIVE_DATABASE_URL": "", "REPLICA_MAX_LAG_S": str(MAX_LAG_S), "REPLICA_CHECK_S": "0.2",
                    "REPLICA_RETRY_S": "1", "REPLICA_CONNECT_TIMEOUT": "2"}


@pytest.fixture(scope="module")
def replicated():
    tmp = Path(tempfile.mkdtemp(prefix="kckp-replica-"))
    (tmp / "pg").mkdir()
    pair = ReplicatedPostgres(tmp / "pg", free_port(), free_port())
    pair.start()
    pair.execute("primary", "CREATE DATABASE kckp")
    pair.execute("primary", "CREATE TABLE probe (at timestamptz)", database="kckp")
    server = Server(tmp, _Databases(pair), None)
    server.prepare()
    server.start()
    pair.wait_replayed()
    yield pair, server
    server.stop()
    pair.destroy()


def _summary(base: str, token: str) -> dict:
    r = httpx.get(base + "/api/v1/stats/summary", params={"group": "month"},
                  headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def _submitted(base: str, token: str) -> int:
    return _summary(base, token)["totals"]["submitted"]


def _health(base: str) -> dict:
    r = httpx.get(base + "/api/v1/health", timeout=30)
    assert r.status_code == 200, r.text  # a replica's state never makes the service unhealthy
    return r.json()


def _submit(base: str, n: int) -> tuple[httpx.Client, dict]:
    client, draft = _new_draft(base, n)
    r = client.post(f"/owner/cases/{draft['id']}/submit", headers={"Idempotency-Key": f"replica-{n}"})
    assert r.status_code == 201, r.text
    return client, r.json()


def _audit_actions(base: str, token: str) -> list[str]:
    r = httpx.get(base + "/api/v1/system/audit/export", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200, r.text
    return [line.split(",")[4] for line in r.text.lstrip("\ufeff").splitlines()[1:]]


def _pause_replay_after_a_fresh_commit(pair: ReplicatedPostgres) -> float:
    """The standby replays a commit made now, then stops replaying: its lag counts from this moment."""
    pair.execute("primary", "INSERT INTO probe VALUES (now())", database="kckp")
    pair.wait_replayed()
    pair.execute("standby", "SELECT pg_wal_replay_pause()")
    return time.monotonic()


def _wait_for(predicate, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.2)


def test_statistics_come_from_the_replica_and_from_the_primary_when_it_lags_or_is_down(replicated):
    pair, server = replicated
    base = server.url
    admin = staff_token(base)
    before = _submitted(base, admin)
    assert _health(base)["read_replicas"] == "ok"
    # The answer says how far behind a replica's figures may be (the statistics page shows it).
    assert _summary(base, admin)["max_delay_s"] == MAX_LAG_S

    # Replay paused: the replica no longer follows the primary.
    paused_at = _pause_replay_after_a_fresh_commit(pair)
    owner, case = _submit(base, 1)
    # The statistics and the audit export read the replica, which has not seen the case yet.
    seen, actions = _submitted(base, admin), _audit_actions(base, admin)
    elapsed = time.monotonic() - paused_at
    assert elapsed < MAX_LAG_S, f"too slow ({elapsed:.1f}s) to tell the replica from the primary"
    assert seen == before
    assert "audit.export" not in actions
    # The owner and the officers read the primary: the case is there at once.
    assert owner.get(f"/owner/cases/{case['id']}").json()["status"] == "submitted"
    listed = httpx.get(base + "/api/v1/cases", headers={"Authorization": f"Bearer {admin}"}, timeout=30).json()
    assert case["receipt_no"] in [row["receipt_no"] for row in listed["results"]]

    # Further behind than REPLICA_MAX_LAG_S: left out, the primary answers.
    time.sleep(max(0.0, paused_at + MAX_LAG_S + 0.5 - time.monotonic()))
    assert _submitted(base, admin) == before + 1
    assert _summary(base, admin)["max_delay_s"] == 0  # read live
    assert "audit.export" in _audit_actions(base, admin)
    assert _health(base)["read_replicas"] == "degraded"

    # Replaying again, and caught up: taken back.
    pair.execute("standby", "SELECT pg_wal_replay_resume()")
    pair.wait_replayed()
    _wait_for(lambda: _health(base)["read_replicas"] == "ok")
    assert _submitted(base, admin) == before + 1

    # The replica's server stops: nothing fails, the primary answers.
    pair.stop_node("standby")
    assert _submitted(base, admin) == before + 1
    assert "audit.export" in _audit_actions(base, admin)
    assert _health(base)["read_replicas"] == "degraded"
    _submit(base, 2)
    assert _submitted(base, admin) == before + 2

    # Back: after REPLICA_RETRY_S it serves the statistics again (paused, it shows the older figure).
    pair.start_node("standby")
    pair.wait_replayed()
    _wait_for(lambda: _health(base)["read_replicas"] == "ok")
    _pause_replay_after_a_fresh_commit(pair)
    _submit(base, 3)
    assert _submitted(base, admin) == before + 2
    pair.execute("standby", "SELECT pg_wal_replay_resume()")

    assert server.server_errors() == []
