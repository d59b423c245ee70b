import json

from django.core.management.base import BaseCommand, CommandError

from apps.stats.archive import ArchiveError, run_archive


class Command(BaseCommand):
    help = "Copy new and changed data to the archive database (ARCHIVE_DATABASE_URL). Incremental and safe to rerun."

    def handle(self, *args, **options):
        try:
            counts = run_archive()
        except ArchiveError as exc:
            raise CommandError(str(exc))
        total = counts.pop("total")
        self.stdout.write(json.dumps(counts, ensure_ascii=False, indent=1))
        self.stdout.write(f"归档完成：写入 {total['written']} 行，删除 {total['deleted']} 行")
