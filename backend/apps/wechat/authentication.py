"""Owner tokens: signed, opaque to the client, prefixed `ow.` so staff JWTs never collide."""

import threading
import time
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


# Tokens verified in the last VERIFIED_SECONDS, with the owner row they name: an owner's page makes
# several requests in a row, and the signature check and the lookup are the same each time. An
# owner row never changes its identity, and a token found expired is refused at most this late.
VERIFIED_SECONDS = 30.0
VERIFIED_MAX = 20_000
_verified: dict[str, tuple[float, tuple]] = {}
_verified_lock = threading.Lock()
_FIELDS = tuple(f.attname for f in Owner._meta.concrete_fields)


def owner_from_token(token: str) -> Owner | None:
    if not token.startswith(PREFIX):
        return None
    known = _verified.get(token)
    if known is not None and known[0] > time.monotonic():
        return Owner.from_db("default", _FIELDS, known[1])  # a fresh instance per request
    owner = _verify(token)
    with _verified_lock:
        if len(_verified) >= VERIFIED_MAX:
            _verified.clear()
        _verified[token] = (time.monotonic() + VERIFIED_SECONDS, tuple(getattr(owner, name) for name in _FIELDS))
    return owner


def cached_owner(token: str) -> Owner | None:
    """The owner of a token verified in the last VERIFIED_SECONDS, from memory only; None otherwise.
    For code on an event loop, which hands anything else to the request handling that verifies."""
    known = _verified.get(token)
    if known is None or known[0] <= time.monotonic():
        return None
    return Owner.from_db("default", _FIELDS, known[1])


def forget_verified_tokens() -> None:
    with _verified_lock:
        _verified.clear()


def _verify(token: str) -> Owner:
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
