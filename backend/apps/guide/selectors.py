"""Reads for the public guide."""

from django.db.models import Count, Q, QuerySet

from .contacts import contacts_for, contacts_table
from .models import Article, ArticleStatus, Category


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
