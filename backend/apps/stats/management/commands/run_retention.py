from django.core.management.base import BaseCommand

from apps.stats.retention import run_retention


class Command(BaseCommand):
    help = "Apply the retention rule: expire (delete or invalidate) owner data older than retention_days; delete abandoned drafts."

    def handle(self, *args, **options):
        c = run_retention()
        self.stdout.write(
            f"数据保留（{c['action']}，{c['retention_days']} 天）：到期案件 {c['cases']}，删除照片视频 {c['media']}，"
            f"删除文件 {c['files']}，删除过期草稿 {c['drafts']}"
        )
