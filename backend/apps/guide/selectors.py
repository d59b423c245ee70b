"""Reads for the public guide."""

from django.db.models import Count, Q, QuerySet

from apps.cases.media_slots import ALL_SLOTS

from .contacts import contacts_for, contacts_table
from .models import Article, ArticleStatus, Category, SlotExample


def categories_with_counts() -> QuerySet[Category]:
    return Category.objects.annotate(
        article_count=Count("articles", filter=Q(articles__status=ArticleStatus.PUBLISHED))
    ).order_by("order", "code")


def published_articles(category_code: str | None = None) -> QuerySet[Article]:
    articles = Article.objects.filter(status=ArticleStatus.PUBLISHED).select_related("category")
    if category_code:
        articles = articles.filter(category__code=category_code)
    return articles.order_by("category__order", "order", "id").defer("body_markdown", "body_html")


def published_article(article_id: int) -> Article | None:
    return Article.objects.filter(pk=article_id, status=ArticleStatus.PUBLISHED).select_related("category").first()


def public_body(article: Article) -> tuple[str, list[dict] | None]:
    """The article's HTML plus, for the contact categories, the live phone list appended."""
    contacts = contacts_for(article.category.code)
    if contacts is None:
        return article.body_html, None
    return article.body_html + contacts_table(contacts), contacts


def slot_examples() -> list[dict]:
    """Every media slot in the wizard's order, with its example photo where a city admin set one."""
    examples = {e.slot: e for e in SlotExample.objects.select_related("updated_by")}
    return [slot_row(slot, examples.get(slot)) for slot in ALL_SLOTS]


def slot_row(slot: str, example: SlotExample | None) -> dict:
    """A row of the admin list: the slot, its label and its example photo (None for the drawing)."""
    return {"slot": slot, "label": ALL_SLOTS[slot], "example": example}


def published_slot_examples() -> list[SlotExample]:
    """Only the slots that have an example; the H5 draws its own picture for the others."""
    return [row["example"] for row in slot_examples() if row["example"] is not None]
