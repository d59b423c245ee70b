"""Shared fixtures. The demo seed (real polygons, roles, accounts) is the baseline of every test."""

import io
import struct
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

# Tests never throttle unless a test opts in by lowering a rate.

# Points well inside each county (GCJ-02), picked from the real polygons.
COUNTY_POINTS = {
    "451002": (106.6180, 23.9010),  # 右江区 city centre
    "451082": (107.5890, 23.3290),  # 平果市
    "451022": (107.1260, 23.5970),  # 田东县
}


def pytest_configure(config):
    from django.conf import settings

    # Password hashing dominates seeding and logins; its strength is not what the tests measure.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Throttling is tested on purpose where it matters; elsewhere it would only make tests flaky.
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {scope: "100000/min" for scope in rates}


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    from apps.insurers.directory import companies
    from apps.system.parameters import params
    from apps.units.geo import jurisdictions
    from apps.wechat.authentication import forget_verified_tokens

    params.invalidate()
    jurisdictions.invalidate()
    companies.invalidate()
    forget_verified_tokens()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(tmp_path / "media")}},
    }
    from django.core.files.storage import default_storage
    from django.utils.functional import empty

    default_storage._wrapped = empty
    yield


@pytest.fixture(autouse=True)
def _close_worker_thread_connections():
    """`sync_to_async` (in async tests, and in channels' consumers) runs database work on asgiref's
    one worker thread. Its connection would stay open after the test and, on PostgreSQL, keep the
    test database from being dropped at the end of the run."""
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed once per run; every test then runs inside a transaction that is rolled back."""
    from apps.accounts.management.commands.seed_demo import seed

    with django_db_blocker.unblock():
        seed()


@pytest.fixture
def demo(db):
    from apps.accounts.management.commands.seed_demo import seed
    from apps.units.models import Unit

    if not Unit.objects.exists():  # a transactional test before this one flushed the tables
        seed()

    return {u.adcode + ("" if u.kind in ("city", "county") else ":" + u.kind): u for u in Unit.objects.all()}


@pytest.fixture
def api():
    return APIClient()


def login(client: APIClient, username: str, password: str = "Demo@2026") -> APIClient:
    response = client.post("/api/v1/auth/token", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return client


@pytest.fixture
def staff(demo):
    def make(username: str) -> APIClient:
        return login(APIClient(), username)

    return make


@pytest.fixture
def owner_client(db):
    def make() -> APIClient:
        client = APIClient()
        response = client.post("/api/v1/owner/session", {}, format="json")
        assert response.status_code == 200, response.content
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
        return client

    return make


def jpeg_bytes(color=(200, 30, 30), size=(640, 480), exif: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, color)
    if exif:
        image.save(buffer, "JPEG", quality=85, exif=exif)
    else:
        image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def mp4_box(kind: bytes, payload: bytes = b"") -> bytes:
    """One ISO base media box: a 32-bit size, a four-character type, then the payload."""
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def mp4_head(payload_size: int, brand: bytes = b"isom") -> bytes:
    """A valid MP4 up to the media: ftyp + moov + the header of an mdat box holding payload_size bytes.

    Write exactly payload_size bytes after it (in pieces, for a large streamed video) to complete the file.
    """
    ftyp = mp4_box(b"ftyp", brand + b"\x00\x00\x02\x00" + b"isomiso2avc1mp41")
    moov = mp4_box(b"moov", mp4_box(b"mvhd", bytes(100)))
    if 8 + payload_size <= 0xFFFFFFFF:
        mdat = struct.pack(">I4s", 8 + payload_size, b"mdat")
    else:
        mdat = struct.pack(">I4sQ", 1, b"mdat", 16 + payload_size)
    return ftyp + moov + mdat


def mp4_bytes(payload_size: int = 2048, brand: bytes = b"isom", payload: bytes | None = None) -> bytes:
    """A minimal valid MP4 (ftyp + moov + mdat) whose mdat holds payload (default: payload_size zero bytes)."""
    payload = bytes(payload_size) if payload is None else payload
    return mp4_head(len(payload), brand) + payload


def upload(client: APIClient, case_id: int, slot: str, data: bytes, name: str = "photo.jpg", party=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    payload = {"slot": slot, "file": SimpleUploadedFile(name, data, content_type="image/jpeg")}
    if party is not None:
        payload["party"] = party
    return client.post(f"/api/v1/owner/cases/{case_id}/media", payload, format="multipart")


def draft_payload(adcode: str = "451082", plates=("桂L12345", "桂LD12345"), phones=("13800138000", "13900139000"),
                  insurers=("picc", "pingan"), occurred=None) -> dict:
    from apps.cases.checklist import CHECKLIST_KEYS

    lng, lat = COUNTY_POINTS[adcode]
    occurred = occurred or (timezone.localtime() - timedelta(minutes=20)).replace(microsecond=0)
    return {
        "checklist": {key: False for key in CHECKLIST_KEYS},
        "location": {"lng": lng, "lat": lat, "coord_system": "gcj02", "address": "测试路口"},
        "occurred_at": occurred.isoformat(),
        "parties": [
            {"plate": p, "vehicle_type": "small_car", "insurer": i, "phone": ph, "driver_name": "张三"}
            for p, ph, i in zip(plates, phones, insurers, strict=False)
        ],
    }


def make_submitted_case(owner: APIClient, adcode: str = "451082", key: str = "k-1", **kwargs) -> dict:
    response = owner.post("/api/v1/owner/cases", draft_payload(adcode, **kwargs), format="json")
    assert response.status_code == 201, response.content
    case_id = response.json()["id"]
    for i, slot in enumerate(("scene_front", "scene_rear", "scene_contact")):
        r = upload(owner, case_id, slot, jpeg_bytes(color=(i * 60, 100, 150)))
        assert r.status_code == 201, r.content
    response = owner.post(f"/api/v1/owner/cases/{case_id}/submit", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code in (200, 201), response.content
    return response.json()
