import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.cases.media_slots import ALL_SLOTS
from apps.guide.models import SlotExample
from apps.system.models import AuditEntry
from apps.system.tests.helpers import NON_ADMIN_ROLES, ROLE_USERS, expected_refusal

from .test_admin import png_bytes

ADMIN = "/api/v1/guide/admin/slot-examples"
PUBLIC = "/api/v1/guide/slot-examples"


def upload(client, slot: str, data: bytes | None = None, **fields):
    body = {"file": SimpleUploadedFile("例图.png", data if data is not None else png_bytes()), **fields}
    return client.post(f"{ADMIN}/{slot}", body, format="multipart")


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_admin_endpoints_refuse_everyone_else(demo, client_for, role):
    SlotExample.objects.create(slot="scene_rear", image="a" * 64 + ".png", caption="原要点")
    client = client_for(role)
    calls = [
        client.get(ADMIN),
        upload(client, "scene_front"),
        client.patch(f"{ADMIN}/scene_rear", {"caption": "被改"}, format="json"),
        client.delete(f"{ADMIN}/scene_rear"),
    ]
    for response in calls:
        assert response.status_code == expected_refusal(role), (response.request["PATH_INFO"], response.content[:200])
        assert "code" in response.json()
    assert list(SlotExample.objects.values_list("slot", "caption")) == [("scene_rear", "原要点")]
    assert not AuditEntry.objects.filter(action__startswith="guide.slot_example").exists()


def test_admin_list_has_every_slot_in_the_wizard_order(demo, client_for):
    rows = client_for("city_admin").get(ADMIN).json()
    assert [(r["slot"], r["label"]) for r in rows] == list(ALL_SLOTS.items())
    assert rows[0] == {"slot": "scene_front", "label": "正前方全景", "caption": None, "image": None, "image_url": None,
                       "updated_by": None, "updated_at": None}


def test_set_replace_caption_and_remove_are_audited(demo, client_for, api):
    admin = client_for("city_admin")
    assert api.get(PUBLIC).json() == []

    created = upload(admin, "scene_front", caption="  站在车头正前方5米拍全景 ")
    assert created.status_code == 201, created.content
    row = created.json()
    assert row["slot"] == "scene_front" and row["caption"] == "站在车头正前方5米拍全景"
    assert row["image_url"] == f"/api/v1/guide/images/{row['image']}" and row["updated_by"] == "市支队管理员"
    served = api.get(row["image_url"])
    assert served.status_code == 200 and b"".join(served.streaming_content) == png_bytes()

    public = api.get(PUBLIC)
    assert public.status_code == 200 and "public" in public["Cache-Control"]
    assert public.json() == [{"slot": "scene_front", "label": "正前方全景", "caption": "站在车头正前方5米拍全景",
                              "image_url": row["image_url"]}]

    # Replacing the photo without a caption keeps the caption.
    replaced = upload(admin, "scene_front", png_bytes((60, 40)))
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["image"] != row["image"] and replaced.json()["caption"] == "站在车头正前方5米拍全景"

    patched = admin.patch(f"{ADMIN}/scene_front", {"caption": "车头正前方"}, format="json")
    assert patched.status_code == 200 and patched.json()["caption"] == "车头正前方"
    assert api.get(PUBLIC).json()[0]["caption"] == "车头正前方"

    assert admin.delete(f"{ADMIN}/scene_front").status_code == 204
    assert api.get(PUBLIC).json() == [] and not SlotExample.objects.exists()
    assert admin.delete(f"{ADMIN}/scene_front").status_code == 404
    assert admin.get(ADMIN).json()[0]["image_url"] is None

    entries = AuditEntry.objects.filter(action__startswith="guide.slot_example").order_by("id")
    assert [e.action for e in entries] == ["guide.slot_example_set", "guide.slot_example_set", "guide.slot_example_update",
                                           "guide.slot_example_delete"]
    assert all(e.user.username == ROLE_USERS["city_admin"] and e.object_type == "slotexample" for e in entries)
    first, second, caption, removed = entries
    assert first.changes["caption"] == {"old": "", "new": "站在车头正前方5米拍全景"} and first.changes["slot"] == "scene_front"
    assert second.changes["image"] == {"old": row["image"], "new": replaced.json()["image"]} and "caption" not in second.changes
    assert caption.changes["caption"] == {"old": "站在车头正前方5米拍全景", "new": "车头正前方"}
    assert removed.changes["image"] == replaced.json()["image"]
    # One entry per action: the image storage's own upload entry is not written a second time.
    assert not AuditEntry.objects.filter(action="guide.image_upload").exists()


def test_public_list_shows_only_slots_with_an_example_in_order(demo, client_for, api):
    admin = client_for("city_admin")
    assert upload(admin, "policy", caption="保单首页完整入镜").status_code == 201
    assert upload(admin, "scene_contact").status_code == 201
    rows = api.get(PUBLIC).json()
    assert [(r["slot"], r["label"], r["caption"]) for r in rows] == [("scene_contact", "碰擦点近景", ""),
                                                                      ("policy", "保险单", "保单首页完整入镜")]
    # a stale owner token does not break it either
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert api.get(PUBLIC).status_code == 200


@pytest.mark.parametrize("role", ["owner", "anonymous", "officer", "insurer"])
def test_public_list_answers_everyone(demo, client_for, role):
    SlotExample.objects.create(slot="video", image="b" * 64 + ".jpg")
    response = client_for(role).get(PUBLIC)
    assert response.status_code == 200 and [r["slot"] for r in response.json()] == ["video"]


def test_unknown_slot_is_a_400_with_a_code(demo, client_for):
    admin = client_for("city_admin")
    for response in (
        upload(admin, "scene_roof"),
        admin.patch(f"{ADMIN}/scene_roof", {"caption": "x"}, format="json"),
        admin.delete(f"{ADMIN}/scene_roof"),
        admin.delete(f"{ADMIN}/SCENE_FRONT"),
    ):
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["code"] == "invalid_slot" and "照片位" in body["detail"]
    assert not SlotExample.objects.exists()


def test_bad_files_and_captions_are_400s(demo, client_for, settings):
    admin = client_for("city_admin")
    script = upload(admin, "scene_front", b"<script>alert(1)</script>")
    assert script.status_code == 400 and script.json()["code"] == "invalid_file"
    assert upload(admin, "scene_front", png_bytes()[:60]).json()["code"] == "invalid_file"
    empty = upload(admin, "scene_front", b"")
    assert empty.status_code == 400 and "file" in empty.json()["errors"]
    missing = admin.post(f"{ADMIN}/scene_front", {"caption": "x"}, format="multipart")
    assert missing.status_code == 400 and missing.json()["errors"]["file"] == ["请选择要上传的图片（字段名 file）。"]
    long = upload(admin, "scene_front", caption="长" * 61)
    assert long.status_code == 400 and "caption" in long.json()["errors"]
    unknown = upload(admin, "scene_front", order="1")
    assert unknown.status_code == 400 and "order" in unknown.json()["errors"]
    assert not SlotExample.objects.exists()

    assert upload(admin, "scene_front").status_code == 201
    for body in ({}, {"caption": None}, {"caption": "长" * 61}, {"caption": "x", "image": "evil.png"}):
        response = admin.patch(f"{ADMIN}/scene_front", body, format="json")
        assert response.status_code == 400 and response.json()["code"] == "invalid", (body, response.content)
        assert response.json()["detail"]
    assert admin.patch(f"{ADMIN}/scene_rear", {"caption": "x"}, format="json").status_code == 404
    assert admin.put(f"{ADMIN}/scene_front", {"caption": "x"}, format="json").status_code == 405

    from apps.guide import services

    limit = services.IMAGE_MAX_BYTES
    services.IMAGE_MAX_BYTES = 100
    try:
        big = upload(admin, "scene_front")
    finally:
        services.IMAGE_MAX_BYTES = limit
    assert big.status_code == 413 and big.json()["code"] == "file_too_large"
    assert SlotExample.objects.get().caption == ""


def test_endpoints_are_in_the_schema():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert set(paths["/api/v1/guide/slot-examples"]) == {"get"}
    assert set(paths["/api/v1/guide/admin/slot-examples"]) == {"get"}
    detail = paths["/api/v1/guide/admin/slot-examples/{slot}"]
    assert set(detail) >= {"post", "patch", "delete"}
    assert "multipart/form-data" in detail["post"]["requestBody"]["content"]
