"""Settings for the benchmark server: the project's settings plus one bare JSON endpoint (bench.urls)."""

from config.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.urls"
