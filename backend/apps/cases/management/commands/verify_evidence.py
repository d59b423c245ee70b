"""Re-hash stored evidence against the SHA-256 recorded at upload.

    python manage.py verify_evidence            # every stored original
    python manage.py verify_evidence --case 42  # one case

Prints each missing or altered file and exits with status 1 if there is any.
"""

from django.core.management.base import BaseCommand, CommandError

from apps.cases.evidence import verify_stored
from apps.cases.models import Media


class Command(BaseCommand):
    help = "核对已存储的证据文件与上传时记录的 SHA-256，报告缺失或被改动的文件"

    def add_arguments(self, parser):
        parser.add_argument("--case", type=int, help="只核对该案件（案件 id）")

    def handle(self, *args, case=None, **options):
        media = Media.objects.select_related("case").order_by("case_id", "id")
        if case is not None:
            media = media.filter(case_id=case)
        checked, problems = verify_stored(media.iterator(chunk_size=500))
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"核对 {checked} 个文件，发现 {len(problems)} 个问题。", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"核对 {checked} 个文件，全部与上传时一致。"))
