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

A streaming response (a media file, the evidence package, the audit CSV) is iterated on the same
thread that made it, the thread whose database connection a lazy queryset reads from, and each part
is handed to the event loop as it comes. Async code called from a view (`async_to_sync`: the channel
layer) still runs on the server's event loop, because the call enters the pool through asgiref.
"""

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
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


class PooledASGIHandler(ASGIHandler):
    def __init__(self, threads: int) -> None:
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="http")
        self._serve = sync_to_async(self._serve_sync, thread_sensitive=False, executor=self.pool)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            ready = await self._serve(scope, body_file, send)
        finally:
            body_file.close()
        if ready is not None:
            status, headers, content = ready
            await send({"type": "http.response.start", "status": status, "headers": headers})
            for chunk, last in self.chunk_bytes(content):
                await send({"type": "http.response.body", "body": chunk, "more_body": not last})

    def _serve_sync(self, scope, body_file, send):
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
