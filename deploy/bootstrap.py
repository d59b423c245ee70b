"""First start of a production database: the Baise unit tree and the first city administrator.

Run once, after `migrate`, through the Django shell (seed_demo refuses to run in production):

    docker compose --env-file deploy/kckp.env exec -T \
        -e KCKP_ADMIN_USERNAME=cityadmin -e KCKP_ADMIN_PASSWORD='<initial password>' \
        asgi-1 python manage.py shell < deploy/bootstrap.py

then load the polygons with `python manage.py import_jurisdictions apps/units/data/baise_jurisdictions.geojson`.
Idempotent: existing units and users are left as they are. The administrator must change the
initial password at first login; every other account is created in 系统管理 → 用户.
"""

import os

from apps.accounts.models import Role, User
from apps.accounts.roles import ensure_roles
from apps.accounts.services import set_password
from apps.units.baise import CITY, COUNTIES, brigade_name
from apps.units.models import Unit, UnitKind
from apps.units.services import save_unit

groups = ensure_roles()

city = Unit.objects.filter(adcode=CITY["adcode"], kind=UnitKind.CITY).first()
if city is None:
    city = save_unit(Unit(kind=UnitKind.CITY, **CITY))
for adcode, county, phone in COUNTIES:
    if not Unit.objects.filter(adcode=adcode, kind=UnitKind.COUNTY).exists():
        save_unit(Unit(kind=UnitKind.COUNTY, adcode=adcode, name=brigade_name(county), phone=phone,
                       address=f"百色市{county}", parent=city))

username = os.environ.get("KCKP_ADMIN_USERNAME", "cityadmin")
password = os.environ.get("KCKP_ADMIN_PASSWORD", "")
admin = User.objects.filter(username=username).first()
if admin is None:
    if not password:
        raise SystemExit("set KCKP_ADMIN_PASSWORD to create the first city administrator")
    admin = User.objects.create(username=username, display_name="市级管理员", unit=city)
    set_password(admin, password, must_change=True)  # Django's validators plus the complexity rule
    admin.groups.set([groups[Role.CITY_ADMIN]])
    print(f"created city administrator {username}")
print(f"units: {Unit.objects.count()}")
