from django.core.management.base import BaseCommand

from apps.units.models import Unit


class Command(BaseCommand):
    help = "Rebuild the MPTT tree fields of the unit tree."

    def handle(self, *args, **options):
        Unit.objects.rebuild()
        self.stdout.write("unit tree rebuilt")
