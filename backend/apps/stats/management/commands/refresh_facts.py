from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.stats.rollup import rebuild_rollup
from apps.stats.services import refresh_facts


class Command(BaseCommand):
    help = ("(Re)build the anonymous statistics facts from the cases, then the daily roll-up. Idempotent; only changed "
            "facts are written.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="only cases changed in the last N days")

    def handle(self, *args, days=None, **options):
        since = timezone.now() - timedelta(days=days) if days else None
        result = refresh_facts(since=since)
        self.stdout.write(f"统计事实：新增 {result['created']}，更新 {result['updated']}，未变 {result['unchanged']}")
        # Facts may have moved to other days or units: recompute every roll-up row.
        rows = rebuild_rollup()["rows"]
        self.stdout.write(f"每日统计：重建 {rows} 行")
