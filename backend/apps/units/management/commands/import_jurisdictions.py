import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.units.services import import_feature_collection


class Command(BaseCommand):
    help = "Replace unit jurisdiction polygons from a GeoJSON FeatureCollection (features matched by properties.adcode)."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path: str, **options):
        try:
            collection = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"无法读取 GeoJSON 文件：{exc}") from exc
        try:
            updated, unmatched = import_feature_collection(collection, source=Path(path).name)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"updated {updated} unit(s)")
        if unmatched:
            self.stdout.write(f"no unit for adcode(s): {', '.join(unmatched)}")
