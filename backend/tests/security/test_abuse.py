"""Hostile input: upload abuse, brute force, headers, signed media links, oversized and odd requests.

What is correct for a polyglot (a valid JPEG with a script or a ZIP appended): the file *is* a valid
photo, and evidence must keep its original bytes (the sha256 in the case file is of what the owner
sent), so it is accepted and stored as an image with the original bytes — not re-encoded, not
stripped. What makes it harmless is how it is served: always with the image content type recorded at
upload (never guessed from the bytes or the client's name), `X-Content-Type-Options: nosniff` and a
`sandbox` CSP, from a short-lived signed link, under a server-chosen file name and extension. A GIFAR
(GIF + JAR) is refused outright because GIF is not an accepted evidence format.
"""

import hashlib
import io
import json
import struct
import time
import zipfile
import zlib

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from conftest import draft_payload, jpeg_bytes, mp4_bytes, upload

CHINESE = "\u4e00"  # error messages are Chinese: at least one CJK character


def _chinese(response) -> bool:
    detail = response.json().get("detail", "")
    return any("\u4e00" <= ch <= "\u9fff" for ch in detail)


@pytest.fixture
def draft(owner_client, demo):
    owner = owner_client()
    response = owner.post("/api/v1/owner/cases", draft_payload("451082"), format="json")
    assert response.status_code == 201, response.content
    return owner, response.json()["id"]


# ---------------------------------------------------------------- hostile files

def _png(width: int, height: int) -> bytes:
    """A 1-bit grayscale PNG of any declared size, all zeros: tiny on disk, huge when decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def _jpeg_declaring(width: int, height: int) -> bytes:
    """A real JPEG whose SOF header is patched to claim an enormous size."""
    data = bytearray(jpeg_bytes(size=(16, 16)))
    for marker in (b"\xff\xc0", b"\xff\xc2"):
        at = data.find(marker)
        if at != -1:
            data[at + 5:at + 9] = struct.pack(">HH", height, width)
            return bytes(data)
    raise AssertionError("no SOF marker")


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nMain-Class: Evil\n")
        archive.writestr("Evil.class", b"\xca\xfe\xba\xbe" + b"\x00" * 64)
    return buffer.getvalue()


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (32, 32)).save(buffer, "GIF")
    return buffer.getvalue()


def _huge_exif() -> bytes:
    """A JPEG with a maximal APP1/EXIF segment (64 KB of comment text) plus several extra APP segments."""
    exif = Image.Exif()
    exif[0x010E] = "A" * 60_000  # ImageDescription
    data = jpeg_bytes(size=(64, 48), exif=exif.tobytes())
    extra = b"".join(b"\xff\xe2" + struct.pack(">H", 65_535) + b"\x00" * 65_533 for _ in range(20))  # 1.3 MB of APP2
    return data[:2] + extra + data[2:]


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"

REFUSED = [
    # (what, bytes, client file name)
    ("decompression bomb: 30000×30000 PNG (900 Mpx, ~100 KB)", lambda: _png(30_000, 30_000), "bomb.png"),
    ("bomb below the hard limit: 12000×12000 PNG (144 Mpx)", lambda: _png(12_000, 12_000), "bomb2.png"),
    ("JPEG declaring 65000×65000 pixels", lambda: _jpeg_declaring(65_000, 65_000), "big.jpg"),
    ("HTML page renamed .jpg", lambda: HTML, "photo.jpg"),
    ("script renamed .jpg", lambda: b"#!/bin/sh\nrm -rf /\n", "photo.jpg"),
    ("GIFAR: GIF with a JAR appended", lambda: _gif() + _zip(), "photo.jpg"),
    ("truncated JPEG", lambda: jpeg_bytes()[:2000], "photo.jpg"),
    ("empty file", lambda: b"", "photo.jpg"),
    ("SVG with script", lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "p.svg"),
]


@pytest.mark.parametrize(("what", "make", "name"), REFUSED, ids=[r[0] for r in REFUSED])
def test_hostile_image_is_refused_with_a_clear_message(draft, what, make, name):
    owner, case_id = draft
    good = upload(owner, case_id, "scene_front", jpeg_bytes())
    assert good.status_code == 201
    started = time.monotonic()
    response = upload(owner, case_id, "scene_rear", make(), name=name)
    assert response.status_code == 400, (what, response.status_code, response.content[:300])
    assert response.json()["code"] in ("invalid_file", "invalid"), response.content
    assert _chinese(response), response.content
    assert time.monotonic() - started < 20, "a hostile file must not tie up a worker"
    # nothing already saved is lost, and nothing half-stored remains
    case = owner.get(f"/api/v1/owner/cases/{case_id}").json()
    assert [m["slot"] for m in case["media"]] == ["scene_front"]


POLYGLOTS = [
    ("JPEG + appended script", lambda: jpeg_bytes() + b"<script>alert(1)</script>"),
    ("JPEG + appended ZIP/JAR", lambda: jpeg_bytes() + _zip()),
    ("JPEG + appended HTML", lambda: jpeg_bytes() + HTML),
    ("JPEG with 1.3 MB of APP segments and a 60 KB EXIF text", _huge_exif),
]


@pytest.mark.parametrize(("what", "make"), POLYGLOTS, ids=[p[0] for p in POLYGLOTS])
def test_polyglot_is_stored_as_an_image_and_served_inert(draft, api, what, make):
    owner, case_id = draft
    data = make()
    response = upload(owner, case_id, "scene_contact", data, name="../../evil.html")
    assert response.status_code == 201, (what, response.content[:300])
    media = response.json()
    assert media["kind"] == "image"
    assert media["sha256"] == hashlib.sha256(data).hexdigest()  # the original bytes, unchanged
    served = api.get(media["url"])
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == data
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"] and "default-src 'none'" in served["Content-Security-Policy"]
    assert "html" not in served.get("Content-Disposition", "")
    # the stored name is the server's: no client path, no client extension
    from apps.cases.models import Media

    stored = Media.objects.get(pk=media["id"]).file.name
    assert ".." not in stored and "evil" not in stored and stored.endswith(".jpg"), stored
    thumb = api.get(media["thumb_url"])
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"


def test_video_slot_refuses_a_jpeg_and_html(draft):
    """HTML, and HTML behind a sniffable MP4 header, are not a video container: refused as such (400
    invalid_file), not for their name. The same name on a real MP4 is accepted."""
    owner, case_id = draft

    def post(data, name):
        return owner.post(f"/api/v1/owner/cases/{case_id}/media",
                          {"slot": "video", "file": SimpleUploadedFile(name, data, content_type="video/mp4")},
                          format="multipart")

    header = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"  # a complete, well-formed ftyp box
    for data, name in ((HTML, "v.mp4"), (b"\x00\x00\x00\x18ftypmp42" + HTML, "v.html"), (header + HTML, "v.html"),
                       (mp4_bytes(0) + HTML, "v.mp4")):
        response = post(data, name)
        assert response.status_code == 400 and _chinese(response), response.content
        assert response.json()["code"] == "invalid_file" and "MP4/MOV/3GP" in response.json()["detail"], response.json()
    from apps.cases.models import Media

    assert not Media.objects.filter(case_id=case_id, slot="video").exists()
    # HTML as the media payload of a well-formed container is a (polyglot) video: kept as sent, served inert.
    response = post(mp4_bytes(payload=HTML), "v.html")
    assert response.status_code == 201 and response.json()["kind"] == "video", response.content
    assert Media.objects.get(pk=response.json()["id"]).file.name.endswith(".mp4")
    served = owner.get(response.json()["url"])
    assert served.status_code == 200 and served["Content-Type"] == "video/mp4"
    assert served["X-Content-Type-Options"] == "nosniff"


# ---------------------------------------------------------------- signed media links

def _signed(media_id: int, variant: str = "original", age: int = 0) -> str:
    from apps.cases.media_urls import SALT

    class Backdated(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - age)

    return Backdated(salt=SALT).sign_object({"m": media_id, "v": variant}, compress=True)


def test_media_links_expire_and_tampering_is_refused(draft, api, settings):
    owner, case_id = draft
    media = upload(owner, case_id, "scene_front", jpeg_bytes()).json()
    ttl = settings.MEDIA_URL_TTL_SECONDS
    assert api.get(media["url"]).status_code == 200
    assert api.get("/api/v1/media/file", {"t": _signed(media["id"], age=ttl - 30)}).status_code == 200
    expired = api.get("/api/v1/media/file", {"t": _signed(media["id"], age=ttl + 5)})
    assert expired.status_code == 403 and expired.json()["code"] == "link_expired"
    settings.MEDIA_URL_TTL_SECONDS = 10  # the lifetime is the setting's, read when the link is used
    assert api.get("/api/v1/media/file", {"t": _signed(media["id"], age=60)}).status_code == 403

    token = media["url"].split("t=", 1)[1]
    from urllib.parse import unquote

    token = unquote(token)
    value, _, signature = token.rpartition(":")
    for tampered in (
        value + ":" + ("A" if signature[0] != "A" else "B") + signature[1:],   # signature changed
        _forged(media["id"] + 1),                                              # another media, wrong key
        token.replace(":", "", 1),                                             # structure broken
        "",
        "../../../../etc/passwd",
    ):
        response = api.get("/api/v1/media/file", {"t": tampered})
        assert response.status_code == 403, (tampered, response.status_code)
        assert response.json()["code"] == "link_expired"


def _forged(media_id: int) -> str:
    return signing.TimestampSigner(key="not-the-secret", salt="kckp.media").sign_object({"m": media_id, "v": "original"})


# ---------------------------------------------------------------- brute force

def _lower(settings, **rates):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates}}


def test_login_brute_force_is_throttled(api, demo, settings):
    _lower(settings, login="5/min")
    codes = [api.post("/api/v1/auth/token", {"username": f"nobody{n}", "password": "x"}, format="json").status_code
             for n in range(8)]
    assert codes[:5] == [401] * 5, codes
    assert codes[5:] == [429] * 3, codes
    response = api.post("/api/v1/auth/token", {"username": "admin", "password": "Demo@2026"}, format="json")
    assert response.status_code == 429 and response.json()["code"] == "throttled" and _chinese(response)
    assert "Retry-After" in response


def test_password_guessing_one_account_locks_it(api, demo, settings):
    """Below the throttle, the per-account lockout still stops guessing (403 account_locked)."""
    codes = [api.post("/api/v1/auth/token", {"username": "tiandong_officer", "password": f"guess{n}"},
                      format="json").status_code for n in range(12)]
    assert 403 in codes, codes
    response = api.post("/api/v1/auth/token", {"username": "tiandong_officer", "password": "Demo@2026"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "account_locked"


def test_track_enumeration_is_throttled(api, demo, settings):
    _lower(settings, track="4/min")
    codes = [api.get(f"/api/v1/track/KC{n:08d}", {"phone_last4": "1234"}).status_code for n in range(7)]
    assert codes[:4] == [404] * 4 and codes[4:] == [429] * 3, codes


# ---------------------------------------------------------------- headers

@pytest.mark.parametrize("path", ["/admin/", "/h5/", "/admin/cases/12", "/h5/track"])
def test_csp_on_the_front_ends(api, db, path):
    response = api.get(path)
    csp = response.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, (path, response.status_code, csp)
    assert "'unsafe-eval'" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"


def test_personal_data_answers_are_not_cached(draft, staff, api):
    owner, case_id = draft
    for path in ("/api/v1/owner/cases", f"/api/v1/owner/cases/{case_id}"):
        response = owner.get(path)
        assert response.status_code == 200 and "no-store" in response["Cache-Control"], path
    officer = staff("pingguo_officer")
    for path in ("/api/v1/cases", "/api/v1/auth/me", "/api/v1/alerts"):
        response = officer.get(path)
        assert response.status_code == 200 and "no-store" in response["Cache-Control"], path
    token = api.post("/api/v1/auth/token", {"username": "admin", "password": "Demo@2026"}, format="json")
    assert "no-store" in token["Cache-Control"]  # tokens are personal data too
    # errors as well
    assert "no-store" in owner.get("/api/v1/owner/cases/999999")["Cache-Control"]


# ---------------------------------------------------------------- odd requests

def test_oversized_json_body_is_a_clear_4xx(draft, staff):
    owner, case_id = draft
    big = json.dumps({"location": {"address": "路" * 1_200_000}})
    response = owner.generic("PATCH", f"/api/v1/owner/cases/{case_id}", big, content_type="application/json")
    assert response.status_code in (400, 413), (response.status_code, response.content[:300])
    assert _chinese(response)
    assert owner.get(f"/api/v1/owner/cases/{case_id}").json()["location"]["address"] == "测试路口"  # not lost
    officer = staff("pingguo_officer")
    response = officer.generic("POST", "/api/v1/cases/1/void", json.dumps({"reason": "x" * 2_000_000}),
                               content_type="application/json")
    assert response.status_code in (400, 404, 413), response.status_code


def test_deeply_nested_and_malformed_json(draft):
    owner, case_id = draft
    for body in ("[" * 10_000 + "]" * 10_000, '{"parties": ', "\x00\x01", '{"occurred_at": NaN}', "[]", '"text"'):
        response = owner.generic("PATCH", f"/api/v1/owner/cases/{case_id}", body, content_type="application/json")
        assert 400 <= response.status_code < 500, (body[:20], response.status_code, response.content[:200])


def test_unknown_and_server_owned_fields_are_not_taken(draft, demo):
    owner, case_id = draft
    before = owner.get(f"/api/v1/owner/cases/{case_id}").json()
    response = owner.patch(f"/api/v1/owner/cases/{case_id}", {
        "status": "accepted", "receipt_no": "KCHACKED01", "unit": demo["451022"].pk, "owner": 1, "id": 1,
        "inside_jurisdiction": False, "submitted_at": "2020-01-01T00:00:00+08:00", "fraud_warnings": [{"x": 1}],
        "unknown_field": {"nested": True},
    }, format="json")
    assert response.status_code in (200, 400), response.content
    after = owner.get(f"/api/v1/owner/cases/{case_id}").json()
    for field in ("id", "status", "receipt_no", "unit", "submitted_at", "fraud_warnings"):
        assert after[field] == before[field], field


@pytest.mark.parametrize("path", [
    "/api/v1/guide/images/..%2F..%2Fconfig%2Fsettings.py",
    "/api/v1/guide/images/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/api/v1/guide/images/....//....//etc/passwd",
    "/api/v1/track/..%2F..%2Fadmin?phone_last4=1234",
    "/api/v1/track/%00?phone_last4=1234",
    "/admin/..%2F..%2Fbackend%2Fconfig%2Fsettings.py",
    "/h5/../../backend/config/settings.py",
    "/h5/%2e%2e/%2e%2e/etc/passwd",
    "/api/v1/media/file?t=../../etc/passwd",
])
def test_path_tricks_reach_nothing(api, db, path):
    response = api.get(path)
    assert response.status_code in (301, 302, 400, 403, 404) or (
        response.status_code == 200 and response["Content-Type"].startswith("text/html")), (path, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"SECRET_KEY" not in body and b"root:x:" not in body, path


def test_upload_file_name_tricks(draft):
    owner, case_id = draft
    from apps.cases.models import Media

    for name in ("../../../etc/cron.d/x.jpg", "/etc/passwd", "..\\..\\win.ini", "a\x00.jpg", "照片.php.jpg", "." * 300):
        response = upload(owner, case_id, "scene_extra", jpeg_bytes(color=(len(name), 1, 2)), name=name)
        assert response.status_code in (201, 400), (name, response.status_code)
        if response.status_code == 201:
            stored = Media.objects.get(pk=response.json()["id"]).file.name
            assert ".." not in stored and "\\" not in stored and not stored.startswith("/"), stored
            assert stored.endswith(".jpg") and "php" not in stored, stored


@pytest.mark.parametrize("location", [
    {"lng": "abc", "lat": 23.9, "coord_system": "gcj02"},
    {"lng": 1e308, "lat": -1e308, "coord_system": "gcj02"},
    {"lng": float("nan"), "lat": 23.9, "coord_system": "gcj02"},
    {"lng": 106.6, "lat": 23.9, "coord_system": "mars"},
    {"lng": [1], "lat": {"a": 1}, "coord_system": 3},
    "not an object",
])
def test_invalid_coordinates(draft, location):
    owner, case_id = draft
    body = json.dumps({"location": location}, allow_nan=True)
    response = owner.generic("PATCH", f"/api/v1/owner/cases/{case_id}", body, content_type="application/json")
    assert response.status_code == 400, (location, response.status_code, response.content[:200])
    assert _chinese(response)
    assert owner.get(f"/api/v1/owner/cases/{case_id}").json()["location"]["address"] == "测试路口"
