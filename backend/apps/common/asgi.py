"""Django's HTTP requests under ASGI, each run whole on one thread of a fixed pool.

Django's own ASGI handler runs a synchronous view in a thread made for that request, and moves to it
and back three times (the request_started signal, the view, the response's close). Every view of this
service is synchronous, so under load a server process holds one thread per request in flight, all
taking turns on the one interpreter lock; the CPU one request costs grew by half between 4 and 20
concurrent clients on the 2-core machine, most of it in those handoffs.

Here the event loop only reads the request body (spooled to disk past FILE_UPLOAD_MAX_MEMORY_SIZE,
as Django does) and writes the response; everything between runs in one call on a pool of
`ASGI_THREADS` threads, like a threaded WSGI server: the signals, the middleware (in their synchronous
form), the view, and the response's close, which gives the thread's database connection back to the
psycopg pool before the bytes go out. Requests beyond the pool wait in the event loop, not in threads.

At most `ASGI_THREADS` requests run at once. The requests of a process share one interpreter lock, so
more of them at once do not finish sooner: they take turns, and the turns are not fair. On the 2-core
benchmark machine, with 20 clients, the draft + submit's p99 was 168-178 ms with 8 at once and
138-140 ms with 2 or 3, at the same throughput.

A streaming response (a media file, the evidence package, the audit CSV) is iterated on the same
thread that made it, the thread whose database connection a lazy queryset reads from, and each part
is handed to the event loop as it comes. Such a response mostly waits for its client, a phone on a
slow network perhaps, so it gives up its place among the `ASGI_THREADS` before it starts sending; the
pool has `ASGI_STREAM_THREADS` more threads for them. A file response also gives back its database
connection before sending, as it reads only the file. Async code called from a view (`async_to_sync`: the channel
layer) still runs on the server's event loop, because the call enters the pool through asgiref.
"""

import asyncio
import weakref
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.db import connections
from django.http import FileResponse
from django.urls import set_script_prefix


def response_headers(response) -> list[tuple[bytes, bytes]]:
    headers = []
    for name, value in response.items():
        headers.append((name.encode("ascii") if isinstance(name, str) else bytes(name),
                        value.encode("latin1") if isinstance(value, str) else bytes(value)))
    for cookie in response.cookies.values():
        headers.append((b"Set-Cookie", cookie.output(header="").encode("ascii").strip()))
    return headers


class Place:
    """One of the `threads` places of a request that is running, given back once: by the event loop when
    the request is done, or earlier from the pool thread when the response starts streaming."""

    def __init__(self, places: asyncio.Semaphore, loop: asyncio.AbstractEventLoop) -> None:
        self.places = places
        self.loop = loop
        self.held = True

    def give_back(self, from_thread: bool = False) -> None:
        if self.held:
            self.held = False
            if from_thread:
                self.loop.call_soon_threadsafe(self.places.release)
            else:
                self.places.release()


class PooledASGIHandler(ASGIHandler):
    def __init__(self, threads: int, stream_threads: int = 8) -> None:
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self.threads = threads
        self.pool = ThreadPoolExecutor(max_workers=threads + stream_threads, thread_name_prefix="http")
        self._serve = sync_to_async(self._serve_sync, thread_sensitive=False, executor=self.pool)
        # One semaphore per event loop: an asyncio primitive belongs to the loop it first waited on.
        self._places: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        loop = asyncio.get_running_loop()
        places = self._places.get(loop)
        if places is None:
            places = self._places[loop] = asyncio.Semaphore(self.threads)
        place = None
        try:
            await places.acquire()
            place = Place(places, loop)
            ready = await self._serve(scope, body_file, send, place)
        finally:
            if place is not None:
                place.give_back()
            body_file.close()
        if ready is not None:
            status, headers, content = ready
            await send({"type": "http.response.start", "status": status, "headers": headers})
            for chunk, last in self.chunk_bytes(content):
                await send({"type": "http.response.body", "body": chunk, "more_body": not last})

    def _serve_sync(self, scope, body_file, send, place: Place):
        """The request on a pool thread. Returns (status, headers, body) to be sent by the event loop, or
        None when a streaming response has already been sent from here."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
        try:
            if not response.streaming:
                return response.status_code, response_headers(response), response.content
            if isinstance(response, FileResponse):
                for connection in connections.all(initialized_only=True):
                    if not connection.in_atomic_block:
                        connection.close()
            place.give_back(from_thread=True)
            self._stream(response, async_to_sync(send))
            return None
        finally:
            response.close()  # request_finished: the database connection goes back to the pool

    def _stream(self, response, send) -> None:
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        try:
            send({"type": "http.response.start", "status": response.status_code, "headers": response_headers(response)})
            for part in response:
                for chunk, _ in self.chunk_bytes(part):
                    send({"type": "http.response.body", "body": chunk, "more_body": True})
            send({"type": "http.response.body", "body": b""})
        except OSError:
            pass  # the client went away mid-download; the response is closed all the same
