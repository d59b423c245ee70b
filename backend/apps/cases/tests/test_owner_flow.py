import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from apps.cases.models import Case, Media
from conftest import draft_payload, jpeg_bytes, make_submitted_case, mp4_bytes, upload


def new_draft(owner, **kwargs):
    response = owner.post("/api/v1/owner/cases", draft_payload(**kwargs), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def assert_chinese_4xx(response, status=400):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] and any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]), body
    return body


def test_checklist_and_insurers_are_public(demo, api):
    items = api.get("/api/v1/owner/checklist").json()
    assert len(items) >= 7 and all(i["question"].endswith("？") for i in items)
    codes = {i["code"] for i in api.get("/api/v1/insurers").json()}
    assert {"picc", "pingan", "cpic"} <= codes


def test_draft_preview_shows_the_brigade(demo, owner_client):
    draft = new_draft(owner_client(), adcode="451022")
    assert draft["status"] == "draft" and draft["receipt_no"] is None
    assert draft["unit"]["name"] == "田东县交警大队" and draft["unit"]["phone"]
    assert draft["location"]["gcj02"]["lng"] == pytest.approx(107.126)
    assert [p["plate"] for p in draft["parties"]] == ["桂L12345", "桂LD12345"]


def test_wgs84_location_is_stored_in_both_datums(demo, owner_client):
    payload = draft_payload()
    payload["location"]["coord_system"] = "wgs84"
    body = owner_client().post("/api/v1/owner/cases", payload, format="json").json()
    assert body["location"]["wgs84"]["lng"] == pytest.approx(payload["location"]["lng"], abs=1e-6)
    assert body["location"]["gcj02"]["lng"] != pytest.approx(payload["location"]["lng"], abs=1e-3)


def test_full_journey_with_evidence(demo, owner_client):
    owner = owner_client()
    draft = new_draft(owner)
    exif = Image.Exif()
    exif[0x0132] = "2026:11:25 09:41:07"
    r = upload(owner, draft["id"], "scene_front", jpeg_bytes(exif=exif.tobytes()))
    assert r.status_code == 201
    media = r.json()
    assert media["kind"] == "image" and len(media["sha256"]) == 64 and media["thumb_url"]
    stored = Media.objects.get(pk=media["id"])
    assert default_storage.exists(stored.file.name) and default_storage.exists(stored.thumbnail.name)
    assert stored.exif_taken_at is not None
    # The signed link serves the original bytes; a tampered link is refused.
    original = owner.get(media["url"])
    assert original.status_code == 200 and b"".join(original.streaming_content)[:2] == b"\xff\xd8"
    assert owner.get(media["url"] + "x").status_code == 403
    # Overwrite: a second upload to the same slot replaces the first.
    r2 = upload(owner, draft["id"], "scene_front", jpeg_bytes(color=(0, 0, 255)))
    assert r2.status_code == 201
    assert Media.objects.filter(case_id=draft["id"], slot="scene_front").count() == 1
    for slot in ("scene_rear", "scene_contact"):
        assert upload(owner, draft["id"], slot, jpeg_bytes()).status_code == 201
    assert upload(owner, draft["id"], "driver_licence", jpeg_bytes(), party=1).status_code == 201
    submitted = owner.post(f"/api/v1/owner/cases/{draft['id']}/submit", HTTP_IDEMPOTENCY_KEY="abc")
    assert submitted.status_code == 201
    body = submitted.json()
    assert body["status"] == "submitted" and body["unit"]["adcode"] == "451082"
    assert body["timeline"][0]["action"] == "submit" and "平果" in body["timeline"][0]["note"]
    assert not set(body["receipt_no"]) & set("01OI")


def test_submit_lists_exactly_what_is_missing(demo, owner_client):
    owner = owner_client()
    payload = draft_payload()
    payload["parties"][1]["phone"] = ""
    draft = owner.post("/api/v1/owner/cases", payload, format="json").json()
    upload(owner, draft["id"], "scene_front", jpeg_bytes())
    body = assert_chinese_4xx(owner.post(f"/api/v1/owner/cases/{draft['id']}/submit"))
    assert body["code"] == "incomplete"
    fields = [m["field"] for m in body["missing"]]
    assert fields == ["media.scene_rear", "media.scene_contact", "parties.1.phone"]
    assert Case.objects.get(pk=draft["id"]).status == "draft"


def test_any_yes_in_checklist_blocks_submission_with_122(demo, owner_client):
    owner = owner_client()
    payload = draft_payload()
    payload["checklist"]["drunk_or_drugs"] = True
    draft = owner.post("/api/v1/owner/cases", payload, format="json").json()
    for slot in ("scene_front", "scene_rear", "scene_contact"):
        upload(owner, draft["id"], slot, jpeg_bytes())
    body = assert_chinese_4xx(owner.post(f"/api/v1/owner/cases/{draft['id']}/submit"))
    assert "122" in body["detail"]


@pytest.mark.parametrize("data,name,code", [
    (b"#!/bin/sh\nrm -rf /\n", "evil.jpg", "invalid_file"),
    (jpeg_bytes()[:400], "truncated.jpg", "invalid_file"),
    (b"", "empty.jpg", "invalid_file"),
    (b"GIF89a" + b"\x00" * 50, "fake.jpg", "invalid_file"),
])
def test_bad_files_are_refused_and_nothing_is_lost(demo, owner_client, data, name, code):
    owner = owner_client()
    draft = new_draft(owner)
    assert upload(owner, draft["id"], "scene_front", jpeg_bytes()).status_code == 201
    body = assert_chinese_4xx(upload(owner, draft["id"], "scene_front", data, name=name))
    assert body["code"] == code
    assert Media.objects.filter(case_id=draft["id"], slot="scene_front").count() == 1


def test_path_in_file_name_is_ignored(demo, owner_client):
    owner = owner_client()
    draft = new_draft(owner)
    r = upload(owner, draft["id"], "scene_rear", jpeg_bytes(), name="../../../etc/passwd.jpg")
    assert r.status_code == 201
    name = Media.objects.get(pk=r.json()["id"]).file.name
    assert ".." not in name and "passwd" not in name and name.startswith(f"cases/{draft['id']}/")


def test_file_over_the_limit(demo, owner_client):
    from apps.system.models import Parameter
    from apps.system.parameters import params

    Parameter.objects.create(key="photo_max_mb", value=1)
    params.invalidate()
    owner = owner_client()
    draft = new_draft(owner)
    big = io.BytesIO()
    Image.effect_noise((1400, 1400), 80).convert("RGB").save(big, "PNG")
    assert big.tell() > 1024 * 1024
    body = assert_chinese_4xx(upload(owner, draft["id"], "scene_front", big.getvalue(), name="big.png"), status=413)
    assert body["code"] == "file_too_large"


def test_decompression_bomb_is_refused(demo, owner_client):
    owner = owner_client()
    draft = new_draft(owner)
    bomb = io.BytesIO()
    Image.new("1", (12000, 12000)).save(bomb, "PNG")
    assert bomb.tell() < 100_000
    assert_chinese_4xx(upload(owner, draft["id"], "scene_front", bomb.getvalue(), name="bomb.png"))


@pytest.mark.parametrize("patch,field", [
    ({"location": {"lng": 500, "lat": 23, "coord_system": "gcj02"}}, "location"),
    ({"location": {"lng": "east", "lat": 23, "coord_system": "gcj02"}}, "location"),
    ({"location": {"lng": 106.6, "lat": 23.9, "coord_system": "bd09"}}, "location"),
    ({"occurred_at": (timezone.now() + timedelta(hours=2)).isoformat()}, "occurred_at"),
    ({"occurred_at": (timezone.now() - timedelta(days=30)).isoformat()}, "occurred_at"),
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"parties": [{"plate": "ABC123"}]}, "parties"),
    ({"parties": [{"phone": "12345"}]}, "parties"),
    ({"parties": [{"insurer": "no-such-company"}]}, "parties"),
    ({"checklist": {"unknown_question": False}}, "checklist"),
    ({"surprise": 1}, "surprise"),
    ({"parties": "two"}, "parties"),
])
def test_bad_draft_input_is_400_and_keeps_saved_data(demo, owner_client, patch, field):
    owner = owner_client()
    draft = new_draft(owner)
    body = assert_chinese_4xx(owner.patch(f"/api/v1/owner/cases/{draft['id']}", patch, format="json"))
    assert field in body["errors"]
    after = owner.get(f"/api/v1/owner/cases/{draft['id']}").json()
    assert after["location"] == draft["location"] and after["parties"] == draft["parties"]


def test_oversized_json_is_refused(demo, owner_client):
    owner = owner_client()
    draft = new_draft(owner)
    huge = {"location": {"lng": 106.6, "lat": 23.9, "coord_system": "gcj02", "address": "路" * 2_000_000}}
    response = owner.patch(f"/api/v1/owner/cases/{draft['id']}", huge, format="json")
    assert 400 <= response.status_code < 500


def test_unknown_slot_and_bad_party(demo, owner_client):
    owner = owner_client()
    draft = new_draft(owner)
    assert assert_chinese_4xx(upload(owner, draft["id"], "selfie", jpeg_bytes()))["code"] == "invalid_slot"
    assert assert_chinese_4xx(upload(owner, draft["id"], "driver_licence", jpeg_bytes()))["code"] == "invalid_party"
    assert assert_chinese_4xx(upload(owner, draft["id"], "driver_licence", jpeg_bytes(), party=7))["code"] == "invalid_party"


def test_plates_are_normalised(demo, owner_client):
    owner = owner_client()
    draft = new_draft(owner, plates=("桂ｌ·12345", "桂 LD 12345"))
    assert [p["plate"] for p in draft["parties"]] == ["桂L12345", "桂LD12345"]


def test_foreign_draft_is_404(demo, owner_client):
    alice, bob = owner_client(), owner_client()
    draft = new_draft(alice)
    assert bob.get(f"/api/v1/owner/cases/{draft['id']}").status_code == 404
    assert bob.patch(f"/api/v1/owner/cases/{draft['id']}", {"checklist": {}}, format="json").status_code == 404
    assert upload(bob, draft["id"], "scene_front", jpeg_bytes()).status_code == 404
    assert bob.post(f"/api/v1/owner/cases/{draft['id']}/submit").status_code == 404
    assert bob.delete(f"/api/v1/owner/cases/{draft['id']}").status_code == 404
    assert [c["id"] for c in bob.get("/api/v1/owner/cases").json()] == []


def test_submitted_case_cannot_change(demo, owner_client):
    owner = owner_client()
    case = make_submitted_case(owner)
    assert owner.patch(f"/api/v1/owner/cases/{case['id']}", {"checklist": {}}, format="json").status_code == 409
    assert upload(owner, case["id"], "scene_extra", jpeg_bytes()).status_code == 409
    media_id = case["media"][0]["id"]
    assert owner.delete(f"/api/v1/owner/cases/{case['id']}/media/{media_id}").status_code == 409
    assert owner.delete(f"/api/v1/owner/cases/{case['id']}").status_code == 409


def test_submit_retry_with_same_key_returns_same_case(demo, owner_client):
    owner = owner_client()
    case = make_submitted_case(owner, key="same-key")
    again = owner.post(f"/api/v1/owner/cases/{case['id']}/submit", HTTP_IDEMPOTENCY_KEY="same-key")
    assert again.status_code == 200 and again.json()["receipt_no"] == case["receipt_no"]
    other = owner.post(f"/api/v1/owner/cases/{case['id']}/submit", HTTP_IDEMPOTENCY_KEY="another")
    assert other.status_code == 409 and other.json()["code"] == "already_submitted"
    assert Case.objects.filter(receipt_no=case["receipt_no"]).count() == 1


def test_delete_media_and_draft_remove_files(demo, owner_client, django_capture_on_commit_callbacks):
    owner = owner_client()
    draft = new_draft(owner)
    media = upload(owner, draft["id"], "scene_front", jpeg_bytes()).json()
    name = Media.objects.get(pk=media["id"]).file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.delete(f"/api/v1/owner/cases/{draft['id']}/media/{media['id']}").status_code == 204
    assert not Media.objects.filter(pk=media["id"]).exists()
    assert not default_storage.exists(name)
    other = upload(owner, draft["id"], "scene_rear", jpeg_bytes()).json()
    other_name = Media.objects.get(pk=other["id"]).file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.delete(f"/api/v1/owner/cases/{draft['id']}").status_code == 204
    assert not Case.objects.filter(pk=draft["id"]).exists() and not default_storage.exists(other_name)


def test_tracking_by_receipt_and_phone(demo, owner_client, api):
    case = make_submitted_case(owner_client())
    ok = api.get(f"/api/v1/track/{case['receipt_no']}", {"phone_last4": "9000"})
    assert ok.status_code == 200
    body = ok.json()
    assert body["status"] == "submitted" and body["timeline"]
    assert "13900139000" not in ok.content.decode() and "张三" not in ok.content.decode()
    wrong = api.get(f"/api/v1/track/{case['receipt_no']}", {"phone_last4": "1111"})
    unknown = api.get("/api/v1/track/ZZZZZZZZZZ", {"phone_last4": "9000"})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()


def test_tracking_is_rate_limited(demo, api, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "track": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    codes = [api.get("/api/v1/track/ABCDEFGHJK", {"phone_last4": "0000"}).status_code for _ in range(5)]
    assert codes == [404, 404, 404, 429, 429]
    assert "秒后再试" in api.get("/api/v1/track/ABCDEFGHJK", {"phone_last4": "0000"}).json()["detail"]


def test_video_container_is_sniffed(demo, owner_client):
    owner = owner_client()
    draft = new_draft(owner)
    r = upload(owner, draft["id"], "video", mp4_bytes(2048, brand=b"mp42"), name="clip.mp4")
    assert r.status_code == 201 and r.json()["kind"] == "video" and r.json()["thumb_url"] is None
    assert Media.objects.get(pk=r.json()["id"]).file.name.endswith(".mp4")
    assert_chinese_4xx(upload(owner, draft["id"], "video", jpeg_bytes(), name="clip.mp4"))


NOT_A_VIDEO = "文件不是有效的视频，请上传手机拍摄的 MP4/MOV/3GP 视频。"
FAKE_VIDEOS = {
    "shell script behind an ftyp header": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom#!/bin/sh\nrm -rf ~\n",
    "script after a moov atom header": b"\x00\x00\x00\x08moov<script>alert(document.cookie)</script>",
    "truncated upload": mp4_bytes(4096)[:-1000],
    "ftyp only": mp4_bytes(0)[:32],
}


def _stored_files(settings) -> set[str]:
    from pathlib import Path

    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.mark.parametrize("data", FAKE_VIDEOS.values(), ids=FAKE_VIDEOS.keys())
def test_a_fake_video_is_refused_and_nothing_is_stored(demo, owner_client, settings, data):
    owner = owner_client()
    draft = new_draft(owner)
    assert upload(owner, draft["id"], "scene_front", jpeg_bytes()).status_code == 201
    before = owner.get(f"/api/v1/owner/cases/{draft['id']}").json()
    case_before = Case.objects.values().get(pk=draft["id"])
    media_before = list(Media.objects.filter(case_id=draft["id"]).values_list("pk", "slot", "sha256"))
    files_before = _stored_files(settings)
    assert files_before, "the scene photo is on disk"

    body = assert_chinese_4xx(upload(owner, draft["id"], "video", data, name="clip.mp4"))
    assert body["code"] == "invalid_file" and body["detail"] == NOT_A_VIDEO

    assert not Media.objects.filter(slot="video").exists()
    assert list(Media.objects.filter(case_id=draft["id"]).values_list("pk", "slot", "sha256")) == media_before
    assert _stored_files(settings) == files_before, "no file of the refused video is left in storage"
    assert Case.objects.values().get(pk=draft["id"]) == case_before
    after = owner.get(f"/api/v1/owner/cases/{draft['id']}").json()
    assert after["status"] == "draft"
    assert [(m["id"], m["slot"], m["sha256"]) for m in after["media"]] == [
        (m["id"], m["slot"], m["sha256"]) for m in before["media"]]
    # The draft still takes a real video.
    ok = upload(owner, draft["id"], "video", mp4_bytes(2048), name="clip.mp4")
    assert ok.status_code == 201 and ok.json()["kind"] == "video"


def test_draft_and_media_quotas(demo, owner_client):
    from apps.system.models import Parameter
    from apps.system.parameters import params

    Parameter.objects.create(key="max_drafts_per_owner", value=2)
    Parameter.objects.create(key="max_media_per_case", value=5)
    params.invalidate()
    owner = owner_client()
    first = new_draft(owner)
    new_draft(owner)
    assert assert_chinese_4xx(owner.post("/api/v1/owner/cases", {}, format="json"), status=429)["code"] == "quota_exceeded"
    for i in range(5):
        assert upload(owner, first["id"], "scene_extra", jpeg_bytes(color=(i * 40, 0, 0))).status_code == 201
    assert upload(owner, first["id"], "scene_extra", jpeg_bytes()).status_code == 429


def test_a_receipt_number_collision_submits_again_with_a_new_number(demo, owner_client, monkeypatch):
    """A drawn receipt number that is taken rolls the whole submission back and retries it:
    one case, one timeline entry, one alert and one fact, under the new number."""
    from apps.alerts.models import Alert
    from apps.cases import services
    from apps.cases.models import CaseEvent
    from apps.stats.models import CaseFact

    owner = owner_client()
    taken = make_submitted_case(owner, "451082", key="first")["receipt_no"]
    draft = new_draft(owner, plates=("桂L70001", "桂L70002"))
    for i, slot in enumerate(("scene_front", "scene_rear", "scene_contact")):
        assert upload(owner, draft["id"], slot, jpeg_bytes(color=(i * 50, 90, 160))).status_code == 201
    drawn = iter([taken, taken, "Q2W3E4R5T6"])
    monkeypatch.setattr(services, "new_receipt_no", lambda: next(drawn))
    response = owner.post(f"/api/v1/owner/cases/{draft['id']}/submit", HTTP_IDEMPOTENCY_KEY="second")
    assert response.status_code == 201, response.content
    assert response.json()["receipt_no"] == "Q2W3E4R5T6"
    assert Case.objects.get(pk=draft["id"]).receipt_no == "Q2W3E4R5T6"
    assert CaseEvent.objects.filter(case_id=draft["id"], action="submit").count() == 1
    assert Alert.objects.filter(case_id=draft["id"], type="case.new").count() == 1
    assert CaseFact.objects.filter(case_id=draft["id"]).count() == 1


def test_endless_receipt_collisions_answer_503_and_keep_the_draft(demo, owner_client, monkeypatch):
    from apps.cases import services

    owner = owner_client()
    taken = make_submitted_case(owner, "451082", key="first")["receipt_no"]
    draft = new_draft(owner, plates=("桂L70011", "桂L70012"))
    for i, slot in enumerate(("scene_front", "scene_rear", "scene_contact")):
        assert upload(owner, draft["id"], slot, jpeg_bytes(color=(i * 50, 90, 160))).status_code == 201
    monkeypatch.setattr(services, "new_receipt_no", lambda: taken)
    body = assert_chinese_4xx(owner.post(f"/api/v1/owner/cases/{draft['id']}/submit", HTTP_IDEMPOTENCY_KEY="x"), 503)
    assert body["code"] == "busy"
    case = Case.objects.get(pk=draft["id"])
    assert case.status == "draft" and case.receipt_no is None and case.media.count() == 3
