"""Owner tokens: signed, opaque to the client, prefixed `ow.` so staff JWTs never collide."""

import uuid

from django.conf import settings
from django.core import signing
from django.db import connection
from rest_framework import authentication, exceptions

from apps.common import fastsql

from .models import Owner

_PUBLIC_ID = Owner._meta.get_field("public_id")

PREFIX = "ow."
SALT = "kckp.owner-token"


def issue_owner_token(owner: Owner) -> str:
    return PREFIX + signing.dumps({"o": str(owner.public_id)}, salt=SALT, compress=True)


def owner_from_token(token: str) -> Owner | None:
    if not token.startswith(PREFIX):
        return None
    try:
        data = signing.loads(token[len(PREFIX) :], salt=SALT, max_age=settings.OWNER_TOKEN_DAYS * 86400)
    except signing.BadSignature as exc:
        raise exceptions.AuthenticationFailed("登录已失效，请重新打开页面。", code="token_not_valid") from exc
    try:
        public_id = _PUBLIC_ID.get_db_prep_value(uuid.UUID(str(data.get("o"))), connection)
    except ValueError:
        public_id = None
    # Every owner request starts here: the row is read without the ORM's query compiler.
    found = fastsql.select(Owner, "public_id = %s", [public_id]) if public_id else []
    if not found:
        raise exceptions.AuthenticationFailed("登录已失效，请重新打开页面。", code="token_not_valid")
    return found[0]


class OwnerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        parts = header.split()
        if len(parts) != 2 or parts[0] != self.keyword or not parts[1].startswith(PREFIX):
            return None
        owner = owner_from_token(parts[1])
        return owner, parts[1]

    def authenticate_header(self, request):
        return self.keyword
