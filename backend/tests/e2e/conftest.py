"""End-to-end fixtures: the real server (uvicorn, as `make run` starts it) and Debian's Chromium.

The server gets its own database: a fresh SQLite file locally, or the database named by
DATABASE_URL (PostgreSQL in CI) with Redis when REDIS_URL is set. Screenshots land in
`artifacts/screenshots/` at the repository root.
"""

import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests import databases

BACKEND = Path(__file__).resolve().parents[2]
ARTIFACTS = BACKEND.parent / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER: dict = {}


def start_server(env: dict, log_path: Path) -> tuple[subprocess.Popen, str]:
    """uvicorn on a free port with `env`, once /api/v1/health answers ok."""
    port = free_port()
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--ws", "websockets", "--lifespan", "off", "--no-access-log"],
        cwd=BACKEND, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if httpx.get(url + "/api/v1/health", timeout=2).json().get("status") == "ok":
                return proc, url
        except Exception:
            pass
        if proc.poll() is not None:
            raise RuntimeError(log_path.read_text())
        time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("server did not become healthy")


@pytest.fixture(scope="session")
def server_url():
    tmp = Path(tempfile.mkdtemp(prefix="kckp-e2e-"))
    env = {**os.environ, "KCKP_VAR_DIR": str(tmp), "MEDIA_ROOT": str(tmp / "media"), "CELERY_EAGER": "1"}
    if env.get("DATABASE_URL"):
        # An empty database per run: rows left by an earlier run (a guide example photo, media whose
        # files were in that run's temporary folder) must not change what these tests see.
        env["DATABASE_URL"] = databases.recreate(env["DATABASE_URL"], "e2e")
    else:
        env["SQLITE_PATH"] = str(tmp / "e2e.sqlite3")
    manage = [sys.executable, "manage.py"]
    subprocess.run(manage + ["migrate", "--noinput", "-v0"], cwd=BACKEND, env=env, check=True)
    subprocess.run(manage + ["seed_demo"], cwd=BACKEND, env=env, check=True, stdout=subprocess.DEVNULL)
    proc, url = start_server(env, tmp / "server.log")
    SERVER.update(pid=proc.pid, env=env, tmp=tmp)
    yield url
    proc.terminate()
    proc.wait(10)
    if env.get("DATABASE_URL"):
        databases.drop(env["DATABASE_URL"])


@pytest.fixture(scope="session")
def wechat_server_url(server_url):
    """A second server on the same database with the official account configured: owner
    identities then come only from WeChat OAuth (no fake is needed until a code is exchanged)."""
    env = {**SERVER["env"], "WECHAT_APP_ID": "wx0fake0appid0001", "WECHAT_APP_SECRET": "fake-app-secret"}
    proc, url = start_server(env, SERVER["tmp"] / "server-wechat.log")
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def new_context(playwright_instance, tmp_path):
    contexts = []

    def make(**kwargs):
        profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp_path)
        context = playwright_instance.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, locale="zh-CN",
            timezone_id="Asia/Shanghai", **kwargs,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def jpeg(color, size=(800, 600), exif: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 40):  # some structure so thumbnails are not flat
        for y in range(size[1] // 3, size[1] // 3 + 20):
            image.putpixel((x, y), (255, 255, 255))
    image.save(buffer, "JPEG", quality=85, **({"exif": exif} if exif else {}))
    return buffer.getvalue()


class Api:
    """A thin client for arranging data through the public API, as the apps do."""

    def __init__(self, base: str, token: str | None = None) -> None:
        self.base = base
        self.client = httpx.Client(base_url=base + "/api/v1", timeout=20)
        if token:
            self.client.headers["Authorization"] = f"Bearer {token}"

    @classmethod
    def staff(cls, base: str, username: str) -> "Api":
        response = httpx.post(base + "/api/v1/auth/token", json={"username": username, "password": "Demo@2026"})
        response.raise_for_status()
        return cls(base, response.json()["access"])

    @classmethod
    def owner(cls, base: str) -> "Api":
        response = httpx.post(base + "/api/v1/owner/session", json={})
        response.raise_for_status()
        return cls(base, response.json()["token"])

    def submit_case(self, point=(107.589, 23.329), insurers=("picc", "cpic"), plates=("桂L5E2E1", "桂L5E2E2")) -> dict:
        from datetime import datetime, timedelta, timezone

        occurred = (datetime.now(timezone(timedelta(hours=8))) - timedelta(minutes=15)).replace(microsecond=0)
        checklist = {item["key"]: False for item in self.client.get("/owner/checklist").json()}
        draft = self.client.post("/owner/cases", json={
            "checklist": checklist,
            "location": {"lng": point[0], "lat": point[1], "coord_system": "gcj02", "address": "平果市城区测试路口"},
            "occurred_at": occurred.isoformat(),
            "parties": [{"plate": p, "vehicle_type": "small_car", "insurer": i, "phone": f"1380013{n:04d}",
                         "driver_name": "测试"} for n, (p, i) in enumerate(zip(plates, insurers, strict=True))],
        })
        assert draft.status_code == 201, draft.text
        draft = draft.json()
        for n, slot in enumerate(("scene_front", "scene_rear", "scene_contact")):
            r = self.client.post(f"/owner/cases/{draft['id']}/media", data={"slot": slot},
                                 files={"file": ("p.jpg", jpeg((40 + n * 70, 90, 160)), "image/jpeg")})
            r.raise_for_status()
        r = self.client.post(f"/owner/cases/{draft['id']}/submit", headers={"Idempotency-Key": f"e2e-{draft['id']}"})
        r.raise_for_status()
        return r.json()
