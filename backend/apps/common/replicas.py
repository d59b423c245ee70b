"""Reads that may be a moment behind, served by a PostgreSQL read replica when one is configured.

Which reads: the statistics (summary and its CSV/XLSX export) and the audit log export, the heavy
reads of the office that nobody expects to the second. The owner's and the officer's screens, the
case list that an alert has just announced, and every write stay on the primary, so nobody ever reads
a case back from a copy that has not seen it yet.

A replica serves while it answers and lags at most `REPLICA_MAX_LAG_S` seconds. The lag is asked of
the replica itself, at most every `REPLICA_CHECK_S` seconds per server process: none while it has
replayed all the WAL it received and its WAL receiver is running, else the time since the last
transaction it replayed. A replica whose check or read fails is set aside for `REPLICA_RETRY_S`
seconds, and the read runs again on the primary; with several replicas they take turns.
"""

import itertools
import logging
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.db import DatabaseError, connections

log = logging.getLogger(__name__)
T = TypeVar("T")

_current: ContextVar[str | None] = ContextVar("kckp_read_replica", default=None)
_turn = itertools.count()
_lock = threading.Lock()

# Seconds the replica is behind the primary. A replica that has replayed everything it received while
# still connected to the primary is current; otherwise its age is that of its last replayed commit.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 1e9)
END
"""


@dataclass
class Health:
    checked_at: float = float("-inf")
    usable: bool = False
    lag: float | None = None
    down_until: float = float("-inf")


_health: dict[str, Health] = {}


def current() -> str | None:
    """The replica the reads of this context go to, or None for the primary."""
    return _current.get()


def lag_seconds(alias: str) -> float:
    with connections[alias].cursor() as cursor:
        cursor.execute(LAG_SQL)
        return float(cursor.fetchone()[0])


def set_aside(alias: str, reason: str) -> None:
    with _lock:
        health = _health.setdefault(alias, Health())
        health.usable = False
        health.down_until = time.monotonic() + settings.REPLICA_RETRY_S
    try:
        connections[alias].close()
    except DatabaseError:
        pass
    log.warning("read replica %s set aside for %ss: %s", alias, settings.REPLICA_RETRY_S, reason)


def usable(alias: str) -> bool:
    now = time.monotonic()
    with _lock:
        health = _health.setdefault(alias, Health())
        if now < health.down_until:
            return False
        if now - health.checked_at < settings.REPLICA_CHECK_S:
            return health.usable
    try:
        lag = lag_seconds(alias)
    except DatabaseError as exc:
        set_aside(alias, type(exc).__name__)
        return False
    with _lock:
        first, was = health.lag is None, health.usable
        health.checked_at, health.lag, health.usable = now, lag, lag <= settings.REPLICA_MAX_LAG_S
    if not health.usable and (was or first):
        log.warning("read replica %s is %.1fs behind the primary: reads go to the primary", alias, lag)
    return health.usable


def choose() -> str | None:
    """A usable replica, taking turns among several; None when there is none (read the primary)."""
    aliases = settings.REPLICA_DATABASES
    if not aliases or connections["default"].in_atomic_block:
        return None  # inside a transaction on the primary, its reads must see its own writes
    start = next(_turn)
    for step in range(len(aliases)):
        alias = aliases[(start + step) % len(aliases)]
        if usable(alias):
            return alias
    return None


def read(fn: Callable[..., T], *args, **kwargs) -> T:
    """`fn(*args, **kwargs)` with its reads on a replica when a usable one is configured, else on the
    primary. When the call fails on the replica it runs again on the primary, so `fn` must only read;
    a replica whose connection broke is also set aside."""
    alias = choose()
    if alias is None:
        return fn(*args, **kwargs)
    token = _current.set(alias)
    try:
        return fn(*args, **kwargs)
    except DatabaseError as exc:
        # A replica may also cancel a read that conflicts with the WAL it replays; either way the
        # primary answers instead. An error of the read itself comes back from there.
        if not connections[alias].is_usable():
            set_aside(alias, type(exc).__name__)
        else:
            log.warning("read on replica %s failed (%s); reading the primary", alias, type(exc).__name__)
    finally:
        _current.reset(token)
    return fn(*args, **kwargs)


def stream_alias() -> str:
    """Where a streamed export reads from. Its rows go out as they are read, so a replica that fails
    half-way cannot be replaced: the download breaks off, as it would on the primary."""
    return choose() or "default"


def check_all() -> str:
    """"ok" when every configured replica is usable now, else "degraded" (reads then go to the primary)."""
    return "ok" if all(usable(alias) for alias in settings.REPLICA_DATABASES) else "degraded"
