"""Scheduled jobs (CELERY_BEAT_SCHEDULE in config/settings.py names these).

In the embedded mode there is no beat; cron runs the management commands of the same name.
"""

from celery import shared_task


@shared_task(name="apps.stats.tasks.run_retention")
def run_retention() -> dict:
    from .retention import run_retention as run

    return run()


@shared_task(name="apps.stats.tasks.run_archive")
def run_archive() -> dict:
    from .archive import run_archive as run

    return run()


@shared_task(name="apps.stats.tasks.rebuild_rollup")
def rebuild_rollup() -> dict:
    from .rollup import rebuild_rollup as run

    return run()
