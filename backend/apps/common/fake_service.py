"""What the local fakes of external services (WeChat, the map service) share: an HTTP server on its
own thread, started and stopped by the tests or run standalone."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeHandler(BaseHTTPRequestHandler):
    """GET and POST both go to `_serve(method)`; no access log in the test output."""

    protocol_version = "HTTP/1.1"

    def _serve(self, method: str) -> None:
        raise NotImplementedError

    def _read_request(self) -> tuple[str, dict[str, str], bytes]:
        """The path, the query (the last value of each name) and the body, read whole."""
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        return url.path, query, self.rfile.read(length) if length else b""

    def _send_json(self, status: int, payload, content_type: str = "application/json;charset=UTF-8") -> None:
        """A JSON answer (or bytes as they are); a client that has already given up is not an error."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

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
