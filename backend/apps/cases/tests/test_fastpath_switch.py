"""When the owner fast path is on: PostgreSQL with the Redis cache, and OWNER_FAST_PATH not 0."""

from apps.cases import fastpath


def test_on_only_with_postgresql_and_redis_and_when_switched_on(settings):
    postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    redis = settings.CACHES["default"]["BACKEND"].endswith("SharedPoolRedisCache")
    settings.OWNER_FAST_PATH = True
    assert fastpath.enabled() == (postgres and redis)
    settings.OWNER_FAST_PATH = False
    assert not fastpath.enabled()


def test_switched_off_it_hands_every_request_on(settings):
    settings.OWNER_FAST_PATH = False
    assert fastpath.OwnerFastPath(inner=object()).enabled is False
