"""Evidence packages (固定证据): a case's original files with a manifest of their SHA-256.

The package is a ZIP written to a temporary file on disk, never assembled in memory: media are
copied from storage in chunks (stored, not recompressed: photos and videos are compressed already),
hashing each byte as it goes into the archive. It holds

- every original file, named `<slot>[-party<N>]-<id><ext>` (N is the party index as in the API);
- `manifest.json`: receipt number, generation time, per file name, slot, party, size, sha256 (of the
  bytes packed), the sha256 recorded at upload, upload time and EXIF time/GPS; plus the hashes of
  `timeline.json` and `summary.pdf`;
- `manifest.sha256`: the SHA-256 of `manifest.json` (`sha256sum -c manifest.sha256` checks it);
- `timeline.json` and `summary.pdf` (Chinese, reportlab's built-in CID font STSong-Light).

The manifest hash is also written to the audit log when an officer downloads the package, so a
package can be matched to the download it came from even if someone rewrote the manifest.
`verify_package()` checks a downloaded package; `verify_stored()` re-hashes the stored originals.
"""

import hashlib
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from django.core.files.storage import default_storage
from django.utils import timezone

from .media_files import CHUNK
from .media_slots import ALL_SLOTS
from .models import Case, Media

MANIFEST = "manifest.json"
MANIFEST_HASH = "manifest.sha256"
TIMELINE = "timeline.json"
SUMMARY = "summary.pdf"
DOCUMENTS = (TIMELINE, SUMMARY)
FONT = "STSong-Light"


def file_name(media: Media) -> str:
    party = f"-party{media.party}" if media.party is not None else ""
    return f"{media.slot}{party}-{media.pk}{media.extension}"


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _local(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else "—"


def timeline(case: Case) -> list[dict]:
    return [
        {"at": _iso(e.at), "action": e.action, "status": e.status, "label": e.get_status_display(), "note": e.note,
         "actor": e.actor.shown_name if e.actor_id else "",
         "unit": e.unit.name if e.unit_id else ""}
        for e in case.events.select_related("actor", "unit").order_by("at", "id")
    ]


def _copy(media: Media, archive: zipfile.ZipFile, name: str) -> tuple[str, int] | None:
    """Copy one stored original into the archive; returns (sha256, size), or None when it is gone."""
    if not media.file or not media.file.name or not default_storage.exists(media.file.name):
        return None
    digest = hashlib.sha256()
    size = 0
    info = zipfile.ZipInfo(name, date_time=timezone.localtime(media.created_at).timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED
    with default_storage.open(media.file.name, "rb") as source, archive.open(info, "w", force_zip64=True) as target:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            target.write(chunk)
    return digest.hexdigest(), size


def _file_entry(media: Media, name: str, copied: tuple[str, int] | None) -> dict:
    entry = {
        "name": name, "slot": media.slot, "slot_label": ALL_SLOTS.get(media.slot, media.slot), "party": media.party,
        "kind": media.kind, "content_type": media.content_type, "size": copied[1] if copied else None,
        "sha256": copied[0] if copied else None, "sha256_at_upload": media.sha256, "uploaded_at": _iso(media.created_at),
        "exif": {"taken_at": _iso(media.exif_taken_at), "lng": media.exif_lng, "lat": media.exif_lat, "datum": "wgs84"},
    }
    if copied is None:
        entry["missing"] = True
    elif copied[0] != media.sha256:
        entry["altered"] = True  # the stored bytes no longer match what was uploaded
    return entry


def _json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def write_package(case: Case, target: IO[bytes], generated_at: datetime | None = None) -> dict:
    """Write the package into `target` (a binary file); returns the manifest."""
    generated_at = generated_at or timezone.now()
    events = timeline(case)
    files = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for media in case.media.all().order_by("created_at", "id"):
            name = file_name(media)
            files.append(_file_entry(media, name, _copy(media, archive, name)))
        documents = {}
        timeline_bytes = _json(events)
        pdf = summary_pdf(case, files, events, generated_at)
        for name, data in ((TIMELINE, timeline_bytes), (SUMMARY, pdf)):
            archive.writestr(name, data)
            documents[name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        manifest = {
            "receipt_no": case.receipt_no, "case_id": case.pk, "unit": case.unit.name if case.unit_id else "",
            "generated_at": _iso(generated_at), "hash_algorithm": "sha256", "files": files, "documents": documents,
        }
        manifest_bytes = _json(manifest)
        archive.writestr(MANIFEST, manifest_bytes)
        manifest_sha = hashlib.sha256(manifest_bytes).hexdigest()
        archive.writestr(MANIFEST_HASH, f"{manifest_sha}  {MANIFEST}\n")
    manifest["manifest_sha256"] = manifest_sha
    return manifest


def build_package(case: Case) -> tuple[IO[bytes], dict]:
    """The package in an anonymous temporary file (removed when closed), rewound for streaming."""
    target = tempfile.TemporaryFile(prefix="evidence-", suffix=".zip")
    try:
        manifest = write_package(case, target)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return target, manifest


# ---- the PDF summary ----

def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def summary_pdf(case: Case, files: list[dict], events: list[dict], generated_at: datetime) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _register_font()
    body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=14, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=10)
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=22, spaceAfter=6)
    heading = ParagraphStyle("heading", parent=body, fontSize=11.5, leading=18, spaceBefore=8, spaceAfter=3)
    # The receipt number also in a standard Latin font, so that any PDF reader can search it.
    latin = ParagraphStyle("latin", fontName="Helvetica", fontSize=9, leading=12)

    def p(text, style=body):
        return Paragraph(escape(str(text if text not in (None, "") else "—")).replace("\n", "<br/>"), style)

    def table(rows, widths):
        t = Table(rows, colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        return t

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=f"证据摘要 {case.receipt_no}", author="百色市公安局交通警察支队",
                            subject=f"Receipt {case.receipt_no}")
    width = A4[0] - 32 * mm
    story = [
        p("道路交通事故快处快赔 证据摘要", title),
        Paragraph(f"Receipt No. {escape(case.receipt_no or '')} / generated {escape(_local(generated_at))}", latin),
        Spacer(1, 4),
    ]
    location = case.address + (f"（{case.address_detail}）" if case.address_detail else "")
    facts = [
        ("受理号", case.receipt_no), ("受理单位", case.unit.name if case.unit_id else ""),
        ("事故时间", _local(case.occurred_at)), ("事故地点", location),
        ("坐标（GCJ-02）", f"{case.gcj_lng}, {case.gcj_lat}" if case.gcj_lng is not None else ""),
        ("提交时间", _local(case.submitted_at)), ("当前状态", case.get_status_display()),
        ("审核结论", case.get_status_display() if case.decided_at else "尚未审核"),
        ("审核时间", _local(case.decided_at)), ("处理意见", case.feedback), ("办结备注", case.closing_notes),
        ("生成时间", _local(generated_at)),
    ]
    story.append(table([[p(k), p(v)] for k, v in facts], [32 * mm, width - 32 * mm]))

    story.append(p("当事人", heading))
    rows = [[p("序号"), p("号牌"), p("车辆类型"), p("保险公司"), p("责任")]]
    for party in case.parties.select_related("insurer").order_by("index"):
        insurer = party.insurer.name if party.insurer_id else party.insurer_name
        rows.append([p(f"第 {party.index + 1} 方"), p(party.plate), p(party.get_vehicle_type_display()), p(insurer),
                     p(party.get_liability_display() if party.liability else "未认定")])
    story.append(table(rows, [18 * mm, 32 * mm, 36 * mm, 46 * mm, width - 132 * mm]))

    story.append(p("证据文件（SHA-256）", heading))
    rows = [[p("文件"), p("类别"), p("大小（字节）"), p("SHA-256")]]
    for f in files:
        state = "（文件缺失）" if f.get("missing") else "（与上传时不一致）" if f.get("altered") else ""
        rows.append([p(f["name"], small), p(f["slot_label"] + (f"（第 {f['party'] + 1} 方）" if f["party"] is not None else ""), small),
                     p(f["size"], small), p((f["sha256"] or f["sha256_at_upload"]) + state, small)])
    story.append(table(rows, [44 * mm, 30 * mm, 20 * mm, width - 94 * mm]))

    story.append(p("处理经过", heading))
    rows = [[p("时间"), p("状态"), p("经办"), p("说明")]]
    for e in events:
        who = "、".join(x for x in (e["unit"], e["actor"]) if x)
        rows.append([p(_local(datetime.fromisoformat(e["at"])) if e["at"] else "", small), p(e["label"], small),
                     p(who, small), p(e["note"], small)])
    story.append(table(rows, [32 * mm, 22 * mm, 36 * mm, width - 90 * mm]))
    story.append(Spacer(1, 6))
    story.append(p("说明：证据包内 manifest.json 列出每个文件的 SHA-256，manifest.sha256 为清单本身的 SHA-256；"
                   "下载记录与清单哈希已写入系统审计日志。", small))
    doc.build(story)
    return buffer.getvalue()


# ---- checking ----

@dataclass
class Problem:
    name: str
    problem: str  # missing | altered | unlisted | manifest
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.name}: {self.problem}" + (f" ({self.detail})" if self.detail else "")


def _hash_stream(stream: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def verify_package(zip_path, expected_manifest_sha256: str | None = None) -> list[Problem]:
    """Check a downloaded package against its own manifest. An empty list means it is intact.

    `expected_manifest_sha256` (from the audit log of the download) also catches a package whose
    manifest was rewritten together with its files."""
    problems: list[Problem] = []
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        return [Problem(str(zip_path), "unreadable", str(exc))]
    with archive:
        names = set(archive.namelist())
        if MANIFEST not in names:
            return [Problem(MANIFEST, "missing")]
        manifest_bytes = archive.read(MANIFEST)
        manifest_sha = hashlib.sha256(manifest_bytes).hexdigest()
        recorded = archive.read(MANIFEST_HASH).decode(errors="replace").split()[:1] if MANIFEST_HASH in names else []
        if recorded != [manifest_sha]:
            problems.append(Problem(MANIFEST, "manifest", "与 manifest.sha256 不一致"))
        if expected_manifest_sha256 and expected_manifest_sha256 != manifest_sha:
            problems.append(Problem(MANIFEST, "manifest", "与下载时记录的清单哈希不一致"))
        try:
            manifest = json.loads(manifest_bytes)
        except ValueError:
            return [*problems, Problem(MANIFEST, "manifest", "无法解析")]
        expected = {f["name"]: (f.get("sha256"), f.get("size")) for f in manifest.get("files", []) if not f.get("missing")}
        expected.update({name: (d.get("sha256"), d.get("size")) for name, d in manifest.get("documents", {}).items()})
        for name, (sha, size) in expected.items():
            if name not in names:
                problems.append(Problem(name, "missing"))
                continue
            with archive.open(name) as stream:
                actual_sha, actual_size = _hash_stream(stream)
            if actual_sha != sha or actual_size != size:
                problems.append(Problem(name, "altered", f"sha256 {actual_sha}，清单记录 {sha}"))
        for name in sorted(names - set(expected) - {MANIFEST, MANIFEST_HASH}):
            problems.append(Problem(name, "unlisted"))
    return problems


def verify_stored(media: Iterable[Media]) -> tuple[int, list[Problem]]:
    """Re-hash stored originals against `Media.sha256`; returns (files checked, problems)."""
    checked = 0
    problems: list[Problem] = []
    for m in media:
        checked += 1
        label = f"案件 {m.case.receipt_no or m.case_id} 文件 {m.pk}（{m.slot}）"
        if not m.file or not m.file.name or not default_storage.exists(m.file.name):
            problems.append(Problem(label, "missing", m.file.name if m.file else ""))
            continue
        with default_storage.open(m.file.name, "rb") as stream:
            sha, size = _hash_stream(stream)
        if sha != m.sha256:
            problems.append(Problem(label, "altered", f"sha256 {sha}，上传时 {m.sha256}"))
        elif size != m.size:
            problems.append(Problem(label, "altered", f"大小 {size}，上传时 {m.size}"))
    return checked, problems


def save_copy(package: IO[bytes], path) -> None:
    """Write an open package to a path (for the command line and tests)."""
    package.seek(0)
    with open(path, "wb") as out:
        shutil.copyfileobj(package, out, CHUNK)
    package.seek(0)
