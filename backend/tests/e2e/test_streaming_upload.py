"""A 200 MB video goes to storage in chunks: the server's memory barely moves."""

import os

import httpx
import pytest

from conftest import mp4_head

from .conftest import SERVER, Api

pytestmark = pytest.mark.e2e
MB = 1024 * 1024


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(field)


def write_video(path, size: int) -> None:
    """A valid MP4 (ftyp + moov + an mdat of random bytes, written in 8 MB pieces) of exactly size bytes."""
    head = mp4_head(size - len(mp4_head(0)), brand=b"mp42")
    with open(path, "wb") as out:
        out.write(head)
        written = len(head)
        while written < size:
            piece = os.urandom(min(8 * MB, size - written))
            out.write(piece)
            written += len(piece)


def test_large_video_upload_is_streamed(server_url, tmp_path):
    video = tmp_path / "clip.mp4"
    write_video(video, 200 * MB)
    owner = Api.owner(server_url)
    draft = owner.client.post("/owner/cases", json={}).json()
    pid = SERVER["pid"]
    before = rss_kib(pid)
    with open(video, "rb") as body:
        response = owner.client.post(
            f"/owner/cases/{draft['id']}/media", data={"slot": "video"},
            files={"file": ("clip.mp4", body, "video/mp4")}, timeout=300,
        )
    assert response.status_code == 201, response.text
    assert response.json()["size"] == 200 * MB and response.json()["kind"] == "video"
    peak_growth_mb = (rss_kib(pid, "VmHWM") - before) / 1024
    assert peak_growth_mb < 50, f"server memory grew by {peak_growth_mb:.0f} MB"
    # The stored video is served back through its signed link.
    with httpx.stream("GET", server_url + response.json()["url"]) as stored:
        assert stored.status_code == 200 and stored.headers["content-type"] == "video/mp4"
