"""Owner tokens verified once are remembered for a short time, never longer, never for another token."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.exceptions import AuthenticationFailed

from apps.wechat import authentication
from apps.wechat.authentication import issue_owner_token, owner_from_token
from apps.wechat.models import Owner


@pytest.fixture
def owner(db):
    return Owner.objects.create(openid="o-token-cache")


def test_a_verified_token_is_answered_without_a_query_and_as_a_fresh_instance(owner):
    token = issue_owner_token(owner)
    first = owner_from_token(token)
    with CaptureQueriesContext(connection) as ctx:
        again = owner_from_token(token)
    assert ctx.captured_queries == []
    assert again.pk == owner.pk and again.public_id == owner.public_id and again.openid == owner.openid
    assert again is not first and not again._state.adding


def test_a_tampered_token_is_refused_even_while_the_real_one_is_remembered(owner):
    token = issue_owner_token(owner)
    owner_from_token(token)
    with pytest.raises(AuthenticationFailed):
        owner_from_token(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))


def test_after_the_memory_time_the_token_is_verified_again(owner, monkeypatch, settings):
    token = issue_owner_token(owner)
    owner_from_token(token)
    later = authentication.time.monotonic() + authentication.VERIFIED_SECONDS + 1
    monkeypatch.setattr(authentication.time, "monotonic", lambda: later)
    settings.OWNER_TOKEN_DAYS = 0  # now expired: a fresh verification must refuse it
    with pytest.raises(AuthenticationFailed):
        owner_from_token(token)


def test_an_owner_deleted_is_refused_once_the_memory_time_is_over(owner, monkeypatch):
    token = issue_owner_token(owner)
    owner_from_token(token)
    Owner.objects.filter(pk=owner.pk).delete()
    later = authentication.time.monotonic() + authentication.VERIFIED_SECONDS + 1
    monkeypatch.setattr(authentication.time, "monotonic", lambda: later)
    with pytest.raises(AuthenticationFailed):
        owner_from_token(token)
