from apps.guide.models import Article
from apps.guide.rendering import render_markdown

HOSTILE = """# 标题

正文 <script>alert('x')</script>

<img src="x.png" onerror="alert(1)">

[点我](javascript:alert(1)) <a href="JaVaScRiPt:alert(2)" onclick="alert(3)">链接</a>

<iframe src="https://example.invalid"></iframe><style>body{display:none}</style>
<div onmouseover="alert(4)">悬停</div> <a href="data:text/html,<script>alert(5)</script>">数据</a>

拨打 [95518](tel:95518) 或访问 [官网](https://www.example.invalid/)
"""


def _assert_clean(html: str) -> None:
    lowered = html.lower()
    for needle in ("<script", "alert(", "onerror", "onclick", "onmouseover", "javascript:", "<iframe", "<style", "data:text"):
        assert needle not in lowered, (needle, html)


def test_hostile_markdown_is_neutralised():
    html = render_markdown(HOSTILE)
    _assert_clean(html)
    assert "<h1>标题</h1>" in html
    assert '<a href="tel:95518">95518</a>' in html
    assert 'href="https://www.example.invalid/"' in html
    assert '<img src="x.png">' in html


def test_admin_written_article_is_clean_in_preview_and_public_view(demo, client_for, api):
    created = client_for("city_admin").post("/api/v1/guide/admin/articles", {
        "category": "tips", "title": "测试", "body_markdown": HOSTILE, "status": "published"}, format="json")
    assert created.status_code == 201, created.content
    _assert_clean(created.json()["body_html"])
    assert created.json()["body_markdown"] == HOSTILE.strip()  # the source is kept as written
    public = api.get(f"/api/v1/guide/articles/{created.json()['id']}").json()
    _assert_clean(public["body_html"])
    assert "alert" not in Article.objects.get(pk=created.json()["id"]).summary


def test_tables_and_lists_survive():
    html = render_markdown("| 情形 | 责任 |\n|---|---|\n| 追尾 | 后车 |\n\n1. 一\n2. 二\n")
    assert "<table>" in html and "<td>追尾</td>" in html and "<ol>" in html
