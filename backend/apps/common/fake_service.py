"""What the local fakes of external services (WeChat, the map service) share: an HTTP server on its
own thread, started and stopped by the tests or run standalone."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeHandler(BaseHTTPRequestHandler):
    """GET and POST both go to `_serve(method)`; no access log in the test output."""

    def _serve(self, method: str) -> None:
        raise NotImplementedError

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self._serve("GET")

    def do_POST(self):  # noqa: N802
        self._serve("POST")

    def log_message(self, format, *args):
        pass


class LocalFakeService:
    """Subclasses build their state first, then call `super().__init__` with their request handler."""

    thread_name = "fake-service"

    def __init__(self, handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = "127.0.0.1" if host in ("", "0.0.0.0") else host
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self):
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever, name=self.thread_name, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()

    def serve_forever(self) -> None:
        """In the foreground, for `python -m ...` (Ctrl-C to stop)."""
        try:
            self._server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
