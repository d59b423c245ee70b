"""A small pool of asyncio psycopg connections for one event loop.

The owner fast path lends a connection for one or two autocommit statements. psycopg_pool's
AsyncConnectionPool did that with a lock, a waiting client with a condition and a timeout task, the
connection's own context (a commit that autocommit makes a no-op, under the connection's lock) and
statistics: about a sixth of the fast path's CPU beside the statements themselves. Here lending is a
list pop and returning a list append, or handing the connection straight to the oldest waiter.

What the fast path needs and this keeps:
- at most `size` connections, opened when needed (none at start), each set up by `configure`;
- a connection returned broken, closed or not idle (a statement cut off by a cancelled request) is
  closed and forgotten, and the next request opens a new one; one that the server dropped while it
  sat idle fails its first statement, and the caller hands the request on (no check before lending);
- a request waits at most `timeout` seconds for a connection, then gets `PoolTimeout`;
- `close()` closes the idle ones at once and the lent ones when they come back.
Only used from the event loop that made it (not thread-safe, as nothing here needs it to be).
"""

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager

from psycopg import AsyncConnection
from psycopg.pq import TransactionStatus

log = logging.getLogger(__name__)


class PoolTimeout(Exception):
    """No connection came free in time."""


class LoopPool:
    def __init__(self, connect: Callable[[], Awaitable[AsyncConnection]], size: int, timeout: float = 10.0) -> None:
        if size < 1:
            raise ValueError("size must be at least 1")
        self._connect = connect
        self.size = size
        self.timeout = timeout
        self._idle: list[AsyncConnection] = []
        self._waiters: deque[asyncio.Future] = deque()
        self._open = 0  # connections open or being opened
        self._tasks: set[asyncio.Task] = set()  # connections being closed or opened for a waiter
        self.closed = False

    @property
    def open_count(self) -> int:
        return self._open

    @property
    def idle_count(self) -> int:
        return len(self._idle)

    @asynccontextmanager
    async def connection(self):
        conn = await self.acquire()
        try:
            yield conn
        finally:
            self.release(conn)

    async def acquire(self) -> AsyncConnection:
        if self.closed:
            raise PoolTimeout("the pool is closed")
        if self._idle:
            return self._idle.pop()
        if self._open < self.size:
            self._open += 1
            try:
                async with asyncio.timeout(self.timeout):
                    return await self._connect()
            except BaseException:
                self._open -= 1
                self._wake_one()  # a waiter may open the connection this one could not
                raise
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        taken = False
        try:
            async with asyncio.timeout(self.timeout):
                conn = await waiter
                taken = True
                return conn
        except TimeoutError:
            raise PoolTimeout(f"no connection came free in {self.timeout} s") from None
        finally:
            if not taken:
                # Timed out or cancelled, possibly after a connection was handed over in the same turn
                # of the loop: pass that connection on rather than lose it.
                if not waiter.done():
                    waiter.cancel()
                elif not waiter.cancelled() and waiter.exception() is None:
                    self.release(waiter.result())

    def release(self, conn: AsyncConnection) -> None:
        if self.closed or conn.closed or conn.info.transaction_status != TransactionStatus.IDLE:
            self._discard(conn)
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        self._idle.append(conn)

    async def close(self) -> None:
        self.closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            self._discard(conn)
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(PoolTimeout("the pool is closed"))
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _discard(self, conn: AsyncConnection) -> None:
        self._open -= 1
        if not conn.closed:
            task = asyncio.ensure_future(conn.close())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self._wake_one()

    def _wake_one(self) -> None:
        """A place came free: the oldest waiter opens a connection of its own."""
        while self._waiters and not self.closed:
            waiter = self._waiters.popleft()
            if not waiter.done():
                task = asyncio.ensure_future(self._open_for(waiter))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                return

    async def _open_for(self, waiter: asyncio.Future) -> None:
        if self._open >= self.size:
            self._waiters.appendleft(waiter)
            return
        self._open += 1
        try:
            async with asyncio.timeout(self.timeout):
                conn = await self._connect()
        except BaseException as exc:
            self._open -= 1
            if not waiter.done():
                waiter.set_exception(exc if isinstance(exc, Exception) else PoolTimeout("cancelled"))
            return
        if waiter.done():
            self.release(conn)  # the waiter gave up meanwhile: the next one (or the idle list) takes it
        else:
            waiter.set_result(conn)
