import pytest

from apps.system.tests.helpers import client_for, fast_hasher  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    fast_hasher(settings)
