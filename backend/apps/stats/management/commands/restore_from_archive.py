from django.core.management.base import BaseCommand, CommandError

from apps.stats.archive import ArchiveError, restore_from_archive


class Command(BaseCommand):
    help = ("Rebuild an empty primary database from the archive database (run `migrate` on the primary first). "
            "Refuses when the primary already has cases unless --force.")

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="overwrite rows with the same id even if the primary has cases")

    def handle(self, *args, force=False, **options):
        try:
            counts = restore_from_archive(force=force)
        except ArchiveError as exc:
            raise CommandError(str(exc))
        total = counts.pop("total")
        for label, n in counts.items():
            self.stdout.write(f"{label}: {n}")
        self.stdout.write(f"恢复完成：共写入 {total} 行")
