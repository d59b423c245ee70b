"""Evidence packages: originals with a SHA-256 manifest, timeline and PDF summary; scope; checking."""

import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.cases.evidence import MANIFEST, MANIFEST_HASH, SUMMARY, TIMELINE, verify_package
from apps.cases.models import Media
from apps.system.models import AuditEntry
from conftest import draft_payload, jpeg_bytes, mp4_bytes, upload


@pytest.fixture
def case(demo, owner_client):
    """A 平果 case with scene photos, a video and a party's licence, decided by an officer."""
    owner = owner_client()
    payload = draft_payload("451082", plates=("桂L70001", "桂LD70001"), phones=("13700000001", "13700000002"))
    case_id = owner.post("/api/v1/owner/cases", payload, format="json").json()["id"]
    for i, slot in enumerate(("scene_front", "scene_rear", "scene_contact")):
        assert upload(owner, case_id, slot, jpeg_bytes(color=(i * 60, 90, 140))).status_code == 201
    assert upload(owner, case_id, "driver_licence", jpeg_bytes(color=(10, 200, 10), size=(320, 200)), party=1).status_code == 201
    video = mp4_bytes(4000, brand=b"mp42")
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = owner.post(f"/api/v1/owner/cases/{case_id}/media",
                   {"slot": "video", "file": SimpleUploadedFile("v.mp4", video, content_type="video/mp4")}, format="multipart")
    assert r.status_code == 201, r.content
    submitted = owner.post(f"/api/v1/owner/cases/{case_id}/submit", HTTP_IDEMPOTENCY_KEY="e").json()
    return submitted


def download(client, case_id) -> bytes:
    response = client.get(f"/api/v1/cases/{case_id}/evidence-package")
    assert response.status_code == 200, getattr(response, "content", b"")[:500]
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert response.streaming
    return b"".join(response.streaming_content)


def test_the_package_lists_every_original_with_its_hash(case, staff, tmp_path):
    officer = staff("pingguo_officer")
    assert officer.post(f"/api/v1/cases/{case['id']}/decision", {"decision": "accepted"}, format="json").status_code == 200
    data = download(officer, case["id"])
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    media = list(Media.objects.filter(case_id=case["id"]))
    assert len(media) == 5
    expected = {f"{m.slot}{'' if m.party is None else f'-party{m.party}'}-{m.pk}{m.extension}" for m in media}
    licence = next(m for m in media if m.slot == "driver_licence")
    assert f"driver_licence-party1-{licence.pk}.jpg" in expected
    assert names == expected | {MANIFEST, MANIFEST_HASH, TIMELINE, SUMMARY}

    manifest_bytes = archive.read(MANIFEST)
    assert archive.read(MANIFEST_HASH).decode().split() == [hashlib.sha256(manifest_bytes).hexdigest(), MANIFEST]
    manifest = json.loads(manifest_bytes)
    assert manifest["receipt_no"] == case["receipt_no"] and manifest["generated_at"]
    by_name = {f["name"]: f for f in manifest["files"]}
    assert set(by_name) == expected
    for m in media:
        entry = by_name[f"{m.slot}{'' if m.party is None else f'-party{m.party}'}-{m.pk}{m.extension}"]
        content = archive.read(entry["name"])
        # The original bytes, unchanged, with the hash recorded at upload.
        assert hashlib.sha256(content).hexdigest() == entry["sha256"] == entry["sha256_at_upload"] == m.sha256
        assert entry["size"] == len(content) == m.size
        assert entry["slot"] == m.slot and entry["party"] == m.party and entry["uploaded_at"]
        assert set(entry["exif"]) == {"taken_at", "lng", "lat", "datum"}
    assert json.loads(archive.read(TIMELINE))[-1]["action"] == "decide"
    for name in (TIMELINE, SUMMARY):
        assert manifest["documents"][name]["sha256"] == hashlib.sha256(archive.read(name)).hexdigest()

    path = tmp_path / "package.zip"
    path.write_bytes(data)
    assert verify_package(path) == []
    entry = AuditEntry.objects.get(action="case.evidence_package", object_id=str(case["id"]))
    assert entry.username == "pingguo_officer"
    assert entry.changes["manifest_sha256"] == hashlib.sha256(manifest_bytes).hexdigest()
    assert verify_package(path, expected_manifest_sha256=entry.changes["manifest_sha256"]) == []


def test_the_summary_pdf_is_chinese_and_names_the_receipt(case, staff):
    archive = zipfile.ZipFile(io.BytesIO(download(staff("admin"), case["id"])))
    pdf = archive.read(SUMMARY)
    assert pdf.startswith(b"%PDF")
    assert b"STSong-Light" in pdf
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    assert case["receipt_no"] in text
    assert case["receipt_no"] in reader.metadata.title


def rewrite(data: bytes, replace: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
    return out.getvalue()


def test_a_tampered_package_is_reported(case, staff, tmp_path):
    data = download(staff("pingguo_officer"), case["id"])
    archive = zipfile.ZipFile(io.BytesIO(data))
    photo = next(n for n in archive.namelist() if n.startswith("scene_front-"))
    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(rewrite(data, {photo: jpeg_bytes(color=(255, 255, 0))}))
    problems = verify_package(tampered)
    assert [(p.name, p.problem) for p in problems] == [(photo, "altered")]

    # Rewriting the manifest to match is caught by its own hash, and by the hash kept in the audit log.
    manifest = json.loads(archive.read(MANIFEST))
    for f in manifest["files"]:
        if f["name"] == photo:
            f["sha256"] = hashlib.sha256(jpeg_bytes(color=(255, 255, 0))).hexdigest()
            f["size"] = len(jpeg_bytes(color=(255, 255, 0)))
    forged = json.dumps(manifest).encode()
    both = tmp_path / "forged.zip"
    both.write_bytes(rewrite(data, {photo: jpeg_bytes(color=(255, 255, 0)), MANIFEST: forged}))
    assert [p.problem for p in verify_package(both)] == ["manifest"]
    rehashed = tmp_path / "rehashed.zip"
    rehashed.write_bytes(rewrite(data, {photo: jpeg_bytes(color=(255, 255, 0)), MANIFEST: forged,
                                        MANIFEST_HASH: f"{hashlib.sha256(forged).hexdigest()}  {MANIFEST}\n".encode()}))
    assert verify_package(rehashed) == []  # self-consistent: only the audited hash can tell
    audited = AuditEntry.objects.filter(action="case.evidence_package").latest("id").changes["manifest_sha256"]
    assert [p.problem for p in verify_package(rehashed, expected_manifest_sha256=audited)] == ["manifest"]

    # A removed file and an added one are reported too.
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename != photo:
                target.writestr(info.filename, source.read(info.filename))
        target.writestr("extra.jpg", b"x")
    changed = tmp_path / "changed.zip"
    changed.write_bytes(out.getvalue())
    assert {(p.name, p.problem) for p in verify_package(changed)} == {(photo, "missing"), ("extra.jpg", "unlisted")}


def test_verify_evidence_finds_a_corrupted_and_a_missing_stored_file(case, capsys):
    call_command("verify_evidence", "--case", str(case["id"]))
    assert "全部与上传时一致" in capsys.readouterr().out
    media = list(Media.objects.filter(case_id=case["id"]).order_by("id"))
    corrupted, missing = media[0], media[1]
    with default_storage.open(corrupted.file.name, "wb") as f:
        f.write(b"not the original")
    default_storage.delete(missing.file.name)
    with pytest.raises(CommandError) as raised:
        call_command("verify_evidence", "--case", str(case["id"]))
    assert raised.value.returncode == 1
    err = capsys.readouterr().err
    assert f"文件 {corrupted.pk}" in err and "altered" in err
    assert f"文件 {missing.pk}" in err and "missing" in err
    # The package says so as well, instead of silently shipping the changed bytes.
    with pytest.raises(CommandError):
        call_command("verify_evidence")


def test_a_corrupted_stored_file_is_flagged_in_the_package(case, staff):
    media = Media.objects.filter(case_id=case["id"], slot="scene_rear").get()
    with default_storage.open(media.file.name, "wb") as f:
        f.write(b"changed")
    archive = zipfile.ZipFile(io.BytesIO(download(staff("pingguo_officer"), case["id"])))
    entry = next(f for f in json.loads(archive.read(MANIFEST))["files"] if f["slot"] == "scene_rear")
    assert entry["altered"] is True and entry["sha256"] != entry["sha256_at_upload"] == media.sha256


def test_scope_and_permission(case, staff):
    # Outside the unit's scope: 404 as for any case; a supervisor may read but not export: 403.
    assert staff("tiandong_officer").get(f"/api/v1/cases/{case['id']}/evidence-package").status_code == 404
    assert staff("pingguo_leader").get(f"/api/v1/cases/{case['id']}/evidence-package").status_code == 403
    assert staff("pingguo_leader").get(f"/api/v1/cases/{case['id']}").status_code == 200
    assert staff("insurer_picc").get(f"/api/v1/cases/{case['id']}/evidence-package").status_code == 403
    assert not AuditEntry.objects.filter(action="case.evidence_package").exists()
    assert staff("youjiang_officer").get("/api/v1/cases/999999/evidence-package").status_code == 404
