import pytest
from django.core.cache import cache

from apps.guide.models import Article, ArticleStatus, Category
from apps.system.tests.helpers import ROLE_USERS

ROLES = [*ROLE_USERS, "owner", "anonymous"]


@pytest.mark.parametrize("role", ROLES)
def test_public_endpoints_answer_everyone(demo, client_for, role):
    client = client_for(role)
    categories = client.get("/api/v1/guide/categories")
    assert categories.status_code == 200
    articles = client.get("/api/v1/guide/articles")
    assert articles.status_code == 200
    first = articles.json()[0]
    assert client.get(f"/api/v1/guide/articles/{first['id']}").status_code == 200


def test_a_stale_or_foreign_token_does_not_break_the_public_guide(demo, api):
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert api.get("/api/v1/guide/categories").status_code == 200


def test_categories_in_order_with_published_counts(demo, api):
    rows = api.get("/api/v1/guide/categories").json()
    assert [r["name"] for r in rows] == ["责任判定指南", "保险公司电话", "交警大队电话", "拍照示意", "处理流程", "受理范围", "温馨提示"]
    liability = next(r for r in rows if r["code"] == "liability")
    published = Article.objects.filter(category__code="liability", status=ArticleStatus.PUBLISHED).count()
    assert liability["article_count"] == published > 5


def test_only_published_articles_are_listed_and_readable(demo, api):
    category = Category.objects.get(code="tips")
    draft = Article.objects.create(category=category, title="草稿文章", body_markdown="未发布", status=ArticleStatus.DRAFT)
    listed = api.get("/api/v1/guide/articles", {"category": "tips"}).json()
    assert listed and draft.pk not in {a["id"] for a in listed}
    assert set(listed[0]) == {"id", "category", "title", "summary", "updated_at"}
    assert all(a["category"] == "tips" for a in listed)
    missing = api.get(f"/api/v1/guide/articles/{draft.pk}")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert api.get("/api/v1/guide/articles", {"category": "nope"}).json() == []
    assert api.get("/api/v1/guide/articles/abc").status_code == 404


def test_article_detail(demo, api):
    article = Article.objects.get(slug="liability-rear-end")
    body = api.get(f"/api/v1/guide/articles/{article.pk}").json()
    assert body["title"] == "追尾：后车负全责" and body["category"] == "liability"
    assert "<strong>一般认定</strong>" in body["body_html"] and body["contacts"] is None


def test_insurer_contacts_follow_a_changed_hotline(demo, api, client_for):
    article = Article.objects.get(category__code="insurer_contacts")
    before = api.get(f"/api/v1/guide/articles/{article.pk}").json()
    assert {"name": "人保财险", "phone": "95518"} in before["contacts"]
    assert 'href="tel:95518"' in before["body_html"]

    from apps.insurers.models import InsuranceCompany

    picc = InsuranceCompany.objects.get(code="picc")
    patched = client_for("city_admin").patch(f"/api/v1/system/insurers/{picc.pk}", {"hotline": "0776-9551800"}, format="json")
    assert patched.status_code == 200, patched.content
    after = api.get(f"/api/v1/guide/articles/{article.pk}").json()
    assert {"name": "人保财险", "phone": "0776-9551800"} in after["contacts"]
    assert "95518<" not in after["body_html"] and "0776-9551800" in after["body_html"]

    client_for("city_admin").patch(f"/api/v1/system/insurers/{picc.pk}", {"is_active": False}, format="json")
    names = [c["name"] for c in api.get(f"/api/v1/guide/articles/{article.pk}").json()["contacts"]]
    assert "人保财险" not in names


def test_brigade_contacts_follow_a_changed_unit_phone(demo, api, client_for, django_capture_on_commit_callbacks):
    article = Article.objects.get(category__code="brigade_contacts")
    contacts = api.get(f"/api/v1/guide/articles/{article.pk}").json()["contacts"]
    assert {"name": "平果市交警大队", "phone": "0776-5822122"} in [{"name": c["name"], "phone": c["phone"]} for c in contacts]
    assert not any("派出所" in c["name"] for c in contacts)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("city_admin").patch(f"/api/v1/system/units/{demo['451082'].pk}", {"phone": "0776-5800122"},
                                                  format="json")
    assert response.status_code == 200
    contacts = api.get(f"/api/v1/guide/articles/{article.pk}").json()["contacts"]
    assert "0776-5800122" in [c["phone"] for c in contacts if c["name"] == "平果市交警大队"]
    cache.clear()


def test_contact_names_are_escaped(demo, api):
    from apps.insurers.models import InsuranceCompany

    InsuranceCompany.objects.create(code="evil", name="<img src=x onerror=alert(1)>", hotline="95000")
    article = Article.objects.get(category__code="insurer_contacts")
    html = api.get(f"/api/v1/guide/articles/{article.pk}").json()["body_html"]
    assert "<img" not in html and "&lt;img" in html
