from apps.system.tests.helpers import client_for  # noqa: F401 - fixture
