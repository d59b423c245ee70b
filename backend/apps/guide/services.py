"""Writes to the guide. Every write by an admin is audited."""

import hashlib
import re

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction

from apps.cases.media_files import decoded_image
from apps.cases.media_slots import ALL_SLOTS
from apps.common.exceptions import ApiError
from apps.system.audit import audit

from .models import Article, Category, SlotExample
from .rendering import plain_summary, render_markdown

IMAGE_DIR = "guide"
IMAGE_MAX_BYTES = 5 * 1024 * 1024  # example photos for a phone screen; anything bigger is a mistake
IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
IMAGE_NAME = re.compile(r"^[0-9a-f]{64}\.(jpg|png|webp|gif)$")
CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp", ".gif": "image/gif"}
EDITABLE = ("category", "title", "summary", "body_markdown", "status", "order", "cover_image")


def image_url(name: str) -> str:
    return f"/api/v1/guide/images/{name}" if name else ""


def render(article: Article, summary_given: bool = False) -> None:
    article.body_html = render_markdown(article.body_markdown)
    if not summary_given:
        article.summary = plain_summary(article.body_html)


def _snapshot(article: Article) -> dict:
    return {"category": article.category.code if article.category_id else None, "title": article.title,
            "status": article.status, "order": article.order, "summary": article.summary,
            "cover_image": article.cover_image, "body_markdown": article.body_markdown}


def _diff(before: dict, after: dict) -> dict:
    changes = {}
    for key, old in before.items():
        new = after[key]
        if old != new:
            # Long bodies would bloat the log; their length and the fact of a change are enough.
            changes[key] = {"old": len(old), "new": len(new)} if key == "body_markdown" else {"old": old, "new": new}
    return changes


@transaction.atomic
def create_article(request, data: dict) -> Article:
    article = Article(updated_by=request.user, **{k: v for k, v in data.items() if k in EDITABLE})
    render(article, summary_given=bool(data.get("summary")))
    article.save()
    audit(request, "guide.article_create", article, changes={"title": article.title, "category": article.category.code,
                                                              "status": article.status})
    return article


@transaction.atomic
def update_article(request, article: Article, data: dict) -> Article:
    before = _snapshot(article)
    for key, value in data.items():
        if key in EDITABLE:
            setattr(article, key, value)
    render(article, summary_given="summary" in data and bool(data["summary"]))
    article.updated_by = request.user
    article.save()
    audit(request, "guide.article_update", article, changes=_diff(before, _snapshot(article)))
    return article


@transaction.atomic
def delete_article(request, article: Article) -> None:
    audit(request, "guide.article_delete", article, changes={"title": article.title, "category": article.category.code})
    article.delete()


def _save_image(upload: File) -> str:
    """Check that the bytes are an image, store them under their SHA-256 and return the storage name."""
    if upload.size is None or upload.size == 0:
        raise ApiError("invalid_file", "图片文件为空，请重新选择。", 400)
    if upload.size > IMAGE_MAX_BYTES:
        raise ApiError("file_too_large", f"图片超过大小上限 {IMAGE_MAX_BYTES // (1024 * 1024)} MB，请压缩后上传。", 413)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with decoded_image(upload) as image:
        fmt = image.format
    if fmt not in IMAGE_FORMATS:
        raise ApiError("invalid_file", "仅支持 JPEG、PNG、WEBP、GIF 格式的图片。", 400)
    name = digest.hexdigest() + IMAGE_FORMATS[fmt]
    path = f"{IMAGE_DIR}/{name}"
    # Content-addressed: the same picture uploaded twice is stored once.
    if not default_storage.exists(path):
        default_storage.save(path, upload)
    return name


def store_image(request, upload: File) -> str:
    name = _save_image(upload)
    audit(request, "guide.image_upload", None, changes={"name": name, "size": upload.size})
    return name


def category_by_code(code: str) -> Category | None:
    return Category.objects.filter(code=code).first()


# ---------------------------------------------------------------- example photos per media slot

def check_slot(slot: str) -> str:
    if slot not in ALL_SLOTS:
        raise ApiError("invalid_slot", f"照片位“{slot[:40]}”不存在，可选：{'、'.join(ALL_SLOTS)}。", 400)
    return slot


def slot_example_or_404(slot: str) -> SlotExample:
    example = SlotExample.objects.filter(slot=check_slot(slot)).first()
    if example is None:
        raise ApiError("not_found", f"“{ALL_SLOTS[slot]}”还没有示意图，请先上传图片。", 404)
    return example


def set_slot_example(request, slot: str, upload: File, caption: str | None = None) -> tuple[SlotExample, bool]:
    """Set or replace a slot's example photo (and its caption when given). Returns (example, created)."""
    check_slot(slot)
    # Stored before the transaction: a file is harmless if the row write fails, a row without its file is not.
    name = _save_image(upload)
    with transaction.atomic():
        example, created = SlotExample.objects.select_for_update().get_or_create(
            slot=slot, defaults={"image": name, "caption": caption or "", "updated_by": request.user})
        before = {"image": "", "caption": ""} if created else {"image": example.image, "caption": example.caption}
        if not created:
            example.image = name
            if caption is not None:
                example.caption = caption
            example.updated_by = request.user
            example.save()
        audit(request, "guide.slot_example_set", example,
              changes={"slot": slot, "size": upload.size, **_slot_diff(before, example)})
    return example, created


@transaction.atomic
def update_slot_example(request, slot: str, caption: str) -> SlotExample:
    example = slot_example_or_404(slot)
    before = {"image": example.image, "caption": example.caption}
    example.caption = caption
    example.updated_by = request.user
    example.save()
    audit(request, "guide.slot_example_update", example, changes={"slot": slot, **_slot_diff(before, example)})
    return example


@transaction.atomic
def delete_slot_example(request, slot: str) -> None:
    example = slot_example_or_404(slot)
    # The stored file stays: images are content-addressed and an article may show the same one.
    audit(request, "guide.slot_example_delete", example,
          changes={"slot": slot, "image": example.image, "caption": example.caption})
    example.delete()


def _slot_diff(before: dict, example: SlotExample) -> dict:
    after = {"image": example.image, "caption": example.caption}
    return {key: {"old": before[key], "new": after[key]} for key in before if before[key] != after[key]}
