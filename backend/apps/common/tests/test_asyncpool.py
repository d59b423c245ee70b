"""`apps.common.asyncpool.LoopPool` on real PostgreSQL connections: lending, waiting in turn, the
size limit, connections that come back broken or busy, time-outs, cancelled waiters and closing."""

import asyncio
import time

import psycopg
import pytest
from django.db import connection

from apps.cases.fastpath import _connect
from apps.common.asyncpool import LoopPool, PoolTimeout

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="asyncio psycopg connections: PostgreSQL only"),
    pytest.mark.django_db(transaction=True),
]


class Counting:
    """The pool's `connect`, counting the connections it opens."""

    def __init__(self) -> None:
        self.opened = 0

    async def __call__(self):
        self.opened += 1
        return await _connect()


async def backend_pid(conn) -> int:
    return (await (await conn.execute("SELECT pg_backend_pid()")).fetchone())[0]


async def test_connections_are_opened_on_demand_and_reused():
    connect = Counting()
    pool = LoopPool(connect, size=3)
    try:
        assert connect.opened == 0
        async with pool.connection() as conn:
            first = await backend_pid(conn)
        for _ in range(5):
            async with pool.connection() as conn:
                assert await backend_pid(conn) == first
        assert (connect.opened, pool.open_count, pool.idle_count) == (1, 1, 1)
        # The connection is set up as the fast path needs it.
        async with pool.connection() as conn:
            assert (await (await conn.execute("SHOW TIME ZONE")).fetchone())[0] == "UTC"
            assert conn.autocommit
    finally:
        await pool.close()


async def test_at_most_size_connections_and_waiters_are_served_in_turn():
    connect = Counting()
    pool = LoopPool(connect, size=2)
    order: list[int] = []

    async def use(index: int) -> int:
        async with pool.connection() as conn:
            order.append(index)
            pid = await backend_pid(conn)
            await conn.execute("SELECT pg_sleep(0.05)")
            return pid

    try:
        pids = await asyncio.gather(*(use(i) for i in range(8)))
        assert connect.opened == 2 and len(set(pids)) == 2
        # The first two open connections side by side; the six waiters are served in turn.
        assert sorted(order[:2]) == [0, 1] and order[2:] == list(range(2, 8))
        assert (pool.open_count, pool.idle_count) == (2, 2)
    finally:
        await pool.close()


async def test_a_connection_the_server_dropped_is_replaced():
    connect = Counting()
    pool = LoopPool(connect, size=1)
    try:
        async with pool.connection() as conn:
            dropped = await backend_pid(conn)
        async with await _connect() as admin:
            await admin.execute("SELECT pg_terminate_backend(%s)", [dropped])
        # Not checked before lending: the first statement fails, as the fast path expects...
        with pytest.raises(psycopg.OperationalError):
            async with pool.connection() as conn:
                await conn.execute("SELECT 1")
        assert (pool.open_count, pool.idle_count) == (0, 0)
        # ...and the next request gets a new connection.
        async with pool.connection() as conn:
            assert await backend_pid(conn) != dropped
        assert connect.opened == 2
    finally:
        await pool.close()


async def test_a_cancelled_request_leaves_a_usable_pool():
    """psycopg cancels the statement on the server when its task is cancelled; whatever state the
    connection is left in, the next request gets a working one and the pool keeps its size."""
    pool = LoopPool(Counting(), size=1)
    try:
        async def slow():
            async with pool.connection() as conn:
                await conn.execute("SELECT pg_sleep(5)")

        task = asyncio.ensure_future(slow())
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 3)
        async with pool.connection() as conn:
            assert (await (await conn.execute("SELECT 41 + 1")).fetchone())[0] == 42
        assert pool.open_count == 1
    finally:
        await pool.close()


async def test_a_connection_returned_inside_a_transaction_is_closed():
    connect = Counting()
    pool = LoopPool(connect, size=1)
    try:
        conn = await pool.acquire()
        await conn.set_autocommit(False)
        await conn.execute("SELECT 1")  # a transaction left open
        pool.release(conn)
        await asyncio.sleep(0.05)
        assert conn.closed and (pool.open_count, pool.idle_count) == (0, 0)
        async with pool.connection() as fresh:
            assert fresh is not conn and fresh.autocommit
        assert connect.opened == 2
    finally:
        await pool.close()


async def test_waiting_longer_than_the_timeout_raises_and_loses_nothing():
    pool = LoopPool(Counting(), size=1, timeout=0.2)
    try:
        async with pool.connection() as held:
            with pytest.raises(PoolTimeout):
                async with pool.connection():
                    pass
            await held.execute("SELECT 1")
        # The waiter that gave up is not handed the connection: the next request gets it at once.
        async with pool.connection() as conn:
            await conn.execute("SELECT 1")
        assert (pool.open_count, pool.idle_count) == (1, 1)
    finally:
        await pool.close()


async def test_a_waiter_cancelled_as_the_connection_arrives_passes_it_on():
    pool = LoopPool(Counting(), size=1)
    try:
        held = await pool.acquire()
        waiter = asyncio.ensure_future(pool.acquire())
        second = asyncio.ensure_future(pool.acquire())
        await asyncio.sleep(0.05)
        pool.release(held)  # handed to the first waiter...
        waiter.cancel()  # ...which is cancelled before it runs again
        with pytest.raises(asyncio.CancelledError):
            await waiter
        conn = await asyncio.wait_for(second, 2)
        assert conn is held
        pool.release(conn)
        assert (pool.open_count, pool.idle_count) == (1, 1)
    finally:
        await pool.close()


async def test_a_failed_connect_frees_its_place_for_a_waiter():
    calls = {"n": 0}

    async def flaky():
        calls["n"] += 1
        if calls["n"] == 1:
            await asyncio.sleep(0.05)
            raise psycopg.OperationalError("connection refused")
        return await _connect()

    pool = LoopPool(flaky, size=1)
    try:
        first = asyncio.ensure_future(pool.acquire())
        second = asyncio.ensure_future(pool.acquire())
        with pytest.raises(psycopg.OperationalError):
            await first
        conn = await asyncio.wait_for(second, 5)  # opened for the waiter once the place came free
        await conn.execute("SELECT 1")
        pool.release(conn)
        assert (pool.open_count, pool.idle_count, calls["n"]) == (1, 1, 2)
    finally:
        await pool.close()


async def test_close_closes_idle_connections_and_those_returned_later():
    pool = LoopPool(Counting(), size=2)
    idle = await pool.acquire()
    lent = await pool.acquire()
    pool.release(idle)
    await pool.close()
    assert idle.closed and not lent.closed
    pool.release(lent)
    await asyncio.sleep(0.05)
    assert lent.closed and pool.open_count == 0
    with pytest.raises(PoolTimeout):
        await pool.acquire()


async def test_a_connection_handed_over_as_the_wait_times_out_is_not_lost():
    """The hand-over and the waiter's time-out come due in the same turn of the event loop, the
    hand-over first: the waiter is cancelled with the connection already given to it. Either it
    keeps the connection or the connection goes back to the pool; it is never lost."""
    pool = LoopPool(Counting(), size=1, timeout=0.05)
    try:
        held = await pool.acquire()
        loop = asyncio.get_running_loop()
        loop.call_at(loop.time() + 0.05, pool.release, held)
        waiter = asyncio.ensure_future(pool.acquire())
        await asyncio.sleep(0)  # queued, its time-out due just after the hand-over
        time.sleep(0.1)  # the loop is held up until both are due
        try:
            conn = await waiter
        except PoolTimeout:
            conn = None
        if conn is not None:
            pool.release(conn)
        assert (pool.open_count, pool.idle_count) == (1, 1)
    finally:
        await pool.close()
