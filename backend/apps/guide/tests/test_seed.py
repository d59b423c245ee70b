from apps.cases.media_slots import PARTY_SLOTS, SCENE_SLOTS
from apps.guide.models import Article, ArticleStatus, Category
from apps.guide.seed import seed_guide


def test_seed_is_idempotent_and_keeps_admin_edits(demo, client_for):
    seed_guide()
    counts = (Category.objects.count(), Article.objects.count())
    snapshot = dict(Article.objects.values_list("slug", "body_html"))
    seed_guide()
    assert (Category.objects.count(), Article.objects.count()) == counts
    assert dict(Article.objects.values_list("slug", "body_html")) == snapshot

    article = Article.objects.get(slug="tips-safety")
    client_for("city_admin").patch(f"/api/v1/guide/admin/articles/{article.pk}", {"body_markdown": "本地修改"}, format="json")
    seed_guide()
    article.refresh_from_db()
    assert article.body_markdown == "本地修改"


def test_seed_covers_what_drivers_need(demo):
    assert Category.objects.count() == 7
    for category in Category.objects.all():
        assert category.articles.filter(status=ArticleStatus.PUBLISHED).exists(), category.code
    slugs = set(Article.objects.values_list("slug", flat=True))
    for slot in [*SCENE_SLOTS, *PARTY_SLOTS]:
        assert f"photo-{slot}" in slugs, slot
    liability = " ".join(Article.objects.filter(category__code="liability").values_list("body_markdown", flat=True))
    for situation in ("追尾", "倒车", "逆行", "开关车门", "变更车道", "闯红灯", "让行", "交通信号"):
        assert situation in liability, situation
    must_call = Article.objects.get(slug="scope-call-police").body_markdown
    for item in ("无号牌", "无检验合格标志", "无交强险标志", "无有效机动车驾驶证", "饮酒", "不能自行移动", "公共设施", "假号牌", "有争议"):
        assert item in must_call, item
    tips = Article.objects.get(slug="tips-safety").body_markdown
    assert "双闪" in tips and "三角警示牌" in tips and "150 米" in tips and "安全处" in tips
