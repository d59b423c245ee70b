import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from shapely.geometry import shape

from apps.accounts.models import Role, User
from apps.accounts.roles import ensure_roles
from apps.insurers.models import InsuranceCompany
from apps.units.baise import CITY, COUNTIES, brigade_name
from apps.units.geo import jurisdictions
from apps.units.models import Unit, UnitKind

DEMO_PASSWORD = "Demo@2026"
FIXTURE = Path(settings.BASE_DIR) / "apps/units/data/baise_jurisdictions.geojson"

# Companies writing motor insurance in Guangxi, with their national claims hotlines.
INSURERS = [
    ("picc", "人保财险", "中国人民财产保险股份有限公司", "95518"),
    ("pingan", "平安财险", "中国平安财产保险股份有限公司", "95511"),
    ("cpic", "太平洋财险", "中国太平洋财产保险股份有限公司", "95500"),
    ("chinalife", "国寿财险", "中国人寿财产保险股份有限公司", "95519"),
    ("ccic", "中华联合财险", "中华联合财产保险股份有限公司", "95585"),
    ("dadi", "大地财险", "中国大地财产保险股份有限公司", "95590"),
    ("taiping", "太平财险", "太平财产保险有限公司", "95589"),
    ("sunshine", "阳光财险", "阳光财产保险股份有限公司", "95510"),
    ("tianan", "天安财险", "天安财产保险股份有限公司", "95505"),
    ("yongan", "永安财险", "永安财产保险股份有限公司", "95502"),
    ("huatai", "华泰财险", "华泰财产保险有限公司", "95509"),
    ("dajia", "大家财险", "大家财产保险有限责任公司", "95569"),
]

# (county adcode, station name, service centre name) for the three demo brigades.
DEMO_SUBUNITS = {
    "451002": ("右江区城东派出所", "右江区快处快赔服务中心"),
    "451082": ("平果市马头派出所", "平果市快处快赔服务中心"),
    "451022": ("田东县平马派出所", "田东县快处快赔服务中心"),
}

USERS = [
    ("admin", "市支队管理员", None, [Role.CITY_ADMIN], None),
    ("youjiang_officer", "右江民警", "451002", [Role.OFFICER], None),
    ("youjiang_leader", "右江大队领导", "451002", [Role.SUPERVISOR], None),
    ("pingguo_officer", "平果民警", "451082", [Role.OFFICER], None),
    ("pingguo_leader", "平果大队领导", "451082", [Role.SUPERVISOR], None),
    ("tiandong_officer", "田东民警", "451022", [Role.OFFICER], None),
    ("tiandong_leader", "田东大队领导", "451022", [Role.SUPERVISOR], None),
    ("city_leader", "支队领导", None, [Role.SUPERVISOR], None),
    ("insurer_picc", "人保财险理赔员", None, [Role.INSURER], "picc"),
    ("insurer_pingan", "平安财险理赔员", None, [Role.INSURER], "pingan"),
]


def load_fixture() -> dict[str, dict]:
    collection = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return {f["properties"]["adcode"]: f for f in collection["features"]}


@transaction.atomic
def seed(stdout=None) -> dict:
    features = load_fixture()
    groups = ensure_roles()
    city, _ = Unit.objects.update_or_create(
        adcode=CITY["adcode"], kind=UnitKind.CITY,
        defaults={k: CITY[k] for k in ("name", "phone", "address", "lng", "lat")} | {"parent": None},
    )
    city.jurisdiction = features[CITY["adcode"]]["geometry"]
    city.jurisdiction_source = features[CITY["adcode"]]["properties"]["source"]
    city.save()
    counties = {}
    for adcode, county, phone in COUNTIES:
        feature = features[adcode]
        point = shape(feature["geometry"]).representative_point()
        unit = Unit.objects.filter(adcode=adcode, kind=UnitKind.COUNTY).first() or Unit(adcode=adcode, kind=UnitKind.COUNTY)
        if unit.pk is None:
            unit.phone, unit.lng, unit.lat = phone, round(point.x, 6), round(point.y, 6)
            unit.address = f"百色市{county}"
            unit.jurisdiction = feature["geometry"]
            unit.jurisdiction_source = feature["properties"]["source"]
        unit.name = brigade_name(county)
        unit.parent = city
        unit.save()
        counties[adcode] = unit
    for adcode, (station, centre) in DEMO_SUBUNITS.items():
        county = counties[adcode]
        point = shape(county.jurisdiction).representative_point()
        for name, kind, dx in ((station, UnitKind.STATION, 0.01), (centre, UnitKind.SERVICE_CENTRE, -0.01)):
            Unit.objects.update_or_create(
                name=name, defaults={"kind": kind, "parent": county, "adcode": adcode, "phone": county.phone,
                                     "address": f"{county.address}", "lng": round(point.x + dx, 6), "lat": round(point.y, 6)},
            )
    Unit.objects.rebuild()

    for order, (code, name, full_name, hotline) in enumerate(INSURERS):
        InsuranceCompany.objects.update_or_create(
            code=code, defaults={"name": name, "full_name": full_name, "hotline": hotline, "order": order}
        )
    companies = {c.code: c for c in InsuranceCompany.objects.all()}

    created = 0
    for username, display, adcode, roles, insurer in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username)
            user.set_password(DEMO_PASSWORD)
            created += 1
        user.display_name = display
        user.unit = counties[adcode] if adcode else (None if insurer else city)
        user.insurer = companies[insurer] if insurer else None
        user.is_demo = True
        user.must_change_password = False
        user.is_active = True
        user.save()
        user.groups.set([groups[r] for r in roles])

    try:
        from apps.guide.seed import seed_guide

        seed_guide()
    except ImportError:
        pass
    transaction.on_commit(jurisdictions.invalidate)
    return {"units": Unit.objects.count(), "users_created": created, "insurers": len(companies)}


class Command(BaseCommand):
    help = "Seed the Baise unit tree with real polygons, demo accounts, insurers and guide content (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="run even with production settings")

    def handle(self, *args, force: bool = False, **options):
        if settings.PRODUCTION and not force:
            raise CommandError("seed_demo creates demo accounts with a known password; refusing in production (use --force).")
        result = seed()
        self.stdout.write(f"seeded: {result}")
