import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.guide.models import Article, Category
from apps.system.models import AuditEntry
from apps.system.tests.helpers import NON_ADMIN_ROLES, expected_refusal

URL = "/api/v1/guide/admin/articles"


def png_bytes(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_admin_endpoints_refuse_everyone_else(demo, client_for, role):
    client = client_for(role)
    article = Article.objects.first()
    calls = [
        client.get(URL),
        client.post(URL, {"category": "tips", "title": "x", "body_markdown": "y"}, format="json"),
        client.get(f"{URL}/{article.pk}"),
        client.patch(f"{URL}/{article.pk}", {"title": "被改"}, format="json"),
        client.delete(f"{URL}/{article.pk}"),
        client.post("/api/v1/guide/admin/images", {"file": SimpleUploadedFile("a.png", png_bytes())}, format="multipart"),
    ]
    for response in calls:
        assert response.status_code == expected_refusal(role), (response.request["PATH_INFO"], response.content[:200])
    article.refresh_from_db()
    assert article.title != "被改" and Article.objects.filter(pk=article.pk).exists()


def test_crud_is_audited_and_drafts_stay_private(demo, client_for, api):
    admin = client_for("city_admin")
    created = admin.post(URL, {"category": "tips", "title": "  雨天行车  ", "body_markdown": "**减速慢行**"}, format="json")
    assert created.status_code == 201, created.content
    article = created.json()
    assert article["status"] == "draft" and article["title"] == "雨天行车"
    assert article["body_html"] == "<p><strong>减速慢行</strong></p>" and article["category_label"] == "温馨提示"
    assert api.get(f"/api/v1/guide/articles/{article['id']}").status_code == 404

    listed = admin.get(URL, {"status": "draft"}).json()
    assert article["id"] in [a["id"] for a in listed["results"]]

    patched = admin.patch(f"{URL}/{article['id']}", {"status": "published", "body_markdown": "雨天请**开灯**"}, format="json")
    assert patched.status_code == 200
    assert "<strong>开灯</strong>" in patched.json()["body_html"] and patched.json()["updated_by"] == "市支队管理员"
    assert api.get(f"/api/v1/guide/articles/{article['id']}").json()["title"] == "雨天行车"

    assert admin.delete(f"{URL}/{article['id']}").status_code == 204
    assert not Article.objects.filter(pk=article["id"]).exists()
    actions = list(AuditEntry.objects.filter(object_type="article", object_id=str(article["id"])).values_list("action", flat=True))
    assert sorted(actions) == ["guide.article_create", "guide.article_delete", "guide.article_update"]
    update = AuditEntry.objects.get(action="guide.article_update", object_id=str(article["id"]))
    assert update.changes["status"] == {"old": "draft", "new": "published"}


def test_bad_article_input(demo, client_for):
    admin = client_for("city_admin")
    for body, field in (
        ({"category": "nope", "title": "x"}, "category"),
        ({"category": "tips", "title": "   "}, "title"),
        ({"category": "tips", "title": "x", "status": "live"}, "status"),
        ({"category": "tips", "title": "x", "cover_image": "https://tracker.invalid/p.gif"}, "cover_image"),
        ({"category": "tips", "title": "x", "slug": "hijack"}, "slug"),
    ):
        response = admin.post(URL, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json()["errors"], (body, response.json())
    assert admin.put(f"{URL}/{Article.objects.first().pk}", {}, format="json").status_code == 405
    # Read-only fields sent back by an editor are ignored: the HTML always comes from the Markdown.
    echoed = admin.post(URL, {"category": "tips", "title": "x", "body_markdown": "正文", "body_html": "<script>1</script>"},
                        format="json")
    assert echoed.status_code == 201 and echoed.json()["body_html"] == "<p>正文</p>"


def test_image_upload_is_public_and_content_checked(demo, client_for, api):
    admin = client_for("city_admin")
    data = png_bytes()
    response = admin.post("/api/v1/guide/admin/images", {"file": SimpleUploadedFile("示例.jpg", data)}, format="multipart")
    assert response.status_code == 201, response.content
    url, name = response.json()["url"], response.json()["name"]
    assert url == f"/api/v1/guide/images/{name}" and name.endswith(".png")  # named by content, not by the upload
    served = api.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == data
    assert "public" in served["Cache-Control"]
    assert AuditEntry.objects.filter(action="guide.image_upload").exists()

    cover = admin.patch(f"{URL}/{Article.objects.first().pk}", {"cover_image": name}, format="json")
    assert cover.status_code == 200 and cover.json()["cover_url"] == url


def test_image_upload_refusals(demo, client_for, settings):
    admin = client_for("city_admin")
    script = SimpleUploadedFile("evil.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    refused = admin.post("/api/v1/guide/admin/images", {"file": script}, format="multipart")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_file"
    truncated = SimpleUploadedFile("cut.png", png_bytes()[:60])
    assert admin.post("/api/v1/guide/admin/images", {"file": truncated}, format="multipart").status_code == 400
    empty = SimpleUploadedFile("e.png", b"")
    assert admin.post("/api/v1/guide/admin/images", {"file": empty}, format="multipart").status_code == 400
    assert admin.post("/api/v1/guide/admin/images", {}, format="multipart").status_code == 400

    from apps.guide import services

    settings_limit = services.IMAGE_MAX_BYTES
    services.IMAGE_MAX_BYTES = 100
    try:
        big = admin.post("/api/v1/guide/admin/images", {"file": SimpleUploadedFile("b.png", png_bytes())}, format="multipart")
    finally:
        services.IMAGE_MAX_BYTES = settings_limit
    assert big.status_code == 413 and big.json()["code"] == "file_too_large"
    listed = default_storage.listdir("guide")[1] if default_storage.exists("guide") else []
    assert listed == []


def test_image_names_cannot_escape(demo, api):
    default_storage.save("secret.txt", io.BytesIO(b"private"))
    for name in ("..%2Fsecret.txt", "secret.txt", "a" * 64 + ".txt", "%2e%2e%2fsecret.txt", "A" * 64 + ".png"):
        assert api.get(f"/api/v1/guide/images/{name}").status_code == 404, name


def test_categories_are_protected_from_deletion_with_articles(demo):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        Category.objects.get(code="tips").delete()
