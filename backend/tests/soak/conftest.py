"""Soak fixtures: the real server (uvicorn) as a subprocess we can SIGKILL and restart.

These tests run only when selected with `-m soak` (`make soak`); a plain `pytest` or
`pytest -m "not e2e"` skips them. The server gets its own database: PostgreSQL (a `<name>_soak`
database next to the one DATABASE_URL names) with Redis when REDIS_URL is set, else a fresh SQLite
file. They need no Django test database, so they use none.
"""

import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from tests import databases

BACKEND = Path(__file__).resolve().parents[2]
UNTHROTTLED = {f"THROTTLE_{scope}": "1000000/min" for scope in
               ("LOGIN", "TRACK", "OWNER_SESSION", "UPLOAD", "SUBMIT", "INSURER", "PUBLIC")}


logging.getLogger("httpx").setLevel(logging.WARNING)


def pytest_collection_modifyitems(config, items):
    """Soak tests belong to `make soak` (pytest -m soak): any other run leaves them out."""
    if "soak" in (config.getoption("markexpr") or "") and "not soak" not in config.getoption("markexpr"):
        return
    soak = [item for item in items if "soak" in item.keywords]
    if soak:
        config.hook.pytest_deselected(items=soak)
        items[:] = [item for item in items if "soak" not in item.keywords]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Database:
    """The server's database, read directly to check what the API cannot show (half-written rows)."""

    def __init__(self, tmp: Path) -> None:
        base = os.environ.get("DATABASE_URL", "")
        if base:
            self.url = databases.recreate(base, "soak")
            self.name = databases.name_of(self.url)
            self.env = {"DATABASE_URL": self.url}
        else:
            self.url = ""
            self.path = tmp / "soak.sqlite3"
            self.env = {"SQLITE_PATH": str(self.path), "ARCHIVE_SQLITE_PATH": str(tmp / "archive.sqlite3")}

    @property
    def postgres(self) -> bool:
        return bool(self.url)

    def query(self, sql: str, params=()) -> list[tuple]:
        if self.postgres:
            import psycopg

            with psycopg.connect(self.url) as conn:
                return conn.execute(sql.replace("?", "%s"), params).fetchall()
        with sqlite3.connect(self.path, timeout=30) as conn:
            return conn.execute(sql, params).fetchall()

    def terminate_server_connections(self) -> int:
        """Drop every connection the server holds, from a side connection."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as side:
            rows = side.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = %s AND pid <> pg_backend_pid()", (self.name,)).fetchall()
        return len(rows)

    def drop(self) -> None:
        if self.postgres:
            databases.drop(self.url)


class Server:
    """uvicorn serving config.asgi, as `make run` does; `kill()` is SIGKILL, `start()` brings it back."""

    def __init__(self, tmp: Path, db: Database, redis_url: str | None, extra_env: dict | None = None) -> None:
        self.tmp = tmp
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **db.env, **UNTHROTTLED, "KCKP_VAR_DIR": str(tmp), "MEDIA_ROOT": str(tmp / "media"),
                    "CELERY_EAGER": "1", "FILE_UPLOAD_TEMP_DIR": str(tmp / "uploads"), **(extra_env or {})}
        self.env.pop("REDIS_URL", None)
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        (tmp / "uploads").mkdir(exist_ok=True)
        self.proc: subprocess.Popen | None = None
        self.log = tmp / "server.log"

    def prepare(self) -> None:
        manage = [sys.executable, "manage.py"]
        subprocess.run(manage + ["migrate", "--noinput", "-v0"], cwd=BACKEND, env=self.env, check=True)
        subprocess.run(manage + ["seed_demo"], cwd=BACKEND, env=self.env, check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        log = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(self.port),
             "--ws", "websockets", "--lifespan", "off", "--no-access-log"],
            cwd=BACKEND, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=3).status_code in (200, 503):
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(self.log.read_text()[-3000:])
            time.sleep(0.3)
        raise RuntimeError("server did not start: " + self.log.read_text()[-3000:])

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no finally blocks, open transactions simply vanish."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def server_errors(self) -> list[str]:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [line for line in text.splitlines() if " 500 " in line or "Internal Server Error" in line]


@pytest.fixture(scope="module")
def soak_server():
    """A server with its own database and the shared Redis (if any)."""
    tmp = Path(tempfile.mkdtemp(prefix="kckp-soak-"))
    db = Database(tmp)
    server = Server(tmp, db, os.environ.get("REDIS_URL"))
    server.prepare()
    server.start()
    server.db = db
    yield server
    server.stop()
    db.drop()


def staff_token(base: str, username: str = "admin") -> str:
    response = httpx.post(base + "/api/v1/auth/token", json={"username": username, "password": "Demo@2026"}, timeout=30)
    response.raise_for_status()
    return response.json()["access"]
