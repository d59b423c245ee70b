"""Short-lived links to evidence. Locally a signed URL served by Django; on S3 a presigned URL."""

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.http import urlencode

SALT = "kckp.media"


def media_url(media, variant: str = "original") -> str | None:
    field = media.thumbnail if variant == "thumb" else media.file
    if not field or not field.name:
        return None
    if not hasattr(default_storage, "path"):  # object storage: let it presign
        return default_storage.url(field.name)
    token = signing.dumps({"m": media.pk, "v": variant}, salt=SALT, compress=True)
    return reverse("media-file") + "?" + urlencode({"t": token})


def read_token(token: str) -> tuple[int, str] | None:
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.MEDIA_URL_TTL_SECONDS)
    except signing.BadSignature:
        return None
    return data.get("m"), data.get("v")
