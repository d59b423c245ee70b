import json

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.system.models import AuditEntry
from apps.units.geo import jurisdictions
from apps.units.models import Unit
from conftest import login

URL = "/api/v1/system/units"
SQUARE = {"type": "Polygon", "coordinates": [[[107.0, 23.0], [107.2, 23.0], [107.2, 23.2], [107.0, 23.2], [107.0, 23.0]]]}


def geojson_file(content, name: str = "area.geojson") -> SimpleUploadedFile:
    data = content if isinstance(content, bytes) else json.dumps(content).encode()
    return SimpleUploadedFile(name, data, content_type="application/geo+json")


def test_tree_list_is_in_tree_order(demo, client_for):
    rows = client_for("city_admin").get(URL).json()
    assert rows[0]["kind"] == "city" and rows[0]["parent"] is None and rows[0]["level"] == 0
    assert len(rows) == Unit.objects.count()
    positions = {r["id"]: i for i, r in enumerate(rows)}
    assert all(positions[r["parent"]] < positions[r["id"]] for r in rows if r["parent"])


def test_create_and_patch_a_station_audited(demo, client_for):
    admin = client_for("city_admin")
    county = demo["451082"]
    response = admin.post(URL, {"name": "平果市新安派出所", "kind": "station", "adcode": "451082", "parent": county.pk,
                                "phone": "0776-5811110", "lng": 107.59, "lat": 23.33}, format="json")
    assert response.status_code == 201, response.content
    station = Unit.objects.get(pk=response.json()["id"])
    assert station.parent_id == county.pk and station.level == 2
    assert AuditEntry.objects.filter(action="unit.create", object_id=str(station.pk)).exists()

    response = admin.patch(f"{URL}/{station.pk}", {"phone": "0776-5811111", "parent": demo["451022"].pk}, format="json")
    assert response.status_code == 200, response.content
    station.refresh_from_db()
    assert station.phone == "0776-5811111" and station.parent_id == demo["451022"].pk
    entry = AuditEntry.objects.filter(action="unit.update", object_id=str(station.pk)).latest("id")
    assert entry.changes["parent"] == {"old": county.pk, "new": demo["451022"].pk}


def test_cycles_are_refused(demo, client_for):
    admin = client_for("city_admin")
    county = demo["451082"]
    station = county.get_children().first()
    response = admin.patch(f"{URL}/{county.pk}", {"parent": station.pk}, format="json")
    assert response.status_code == 400
    assert "下级单位" in response.json()["detail"]
    assert admin.patch(f"{URL}/{county.pk}", {"parent": county.pk}, format="json").status_code == 400
    county.refresh_from_db()
    assert county.parent.kind == "city"


def test_bad_unit_input(demo, client_for):
    admin = client_for("city_admin")
    city = demo["451000"]
    for body in (
        {"name": "", "kind": "station", "parent": city.pk},
        {"name": "x", "kind": "galaxy", "parent": city.pk},
        {"name": "x", "kind": "station", "parent": city.pk, "lng": 500, "lat": 23},
        {"name": "x", "kind": "station", "parent": None},
        {"name": "x", "kind": "station", "parent": city.pk, "jurisdiction": SQUARE},
    ):
        response = admin.post(URL, body, format="json")
        assert response.status_code in (400, 403), (body, response.content)
        assert response.json()["detail"]


def test_county_user_scope_for_unit_writes(demo, client_for):
    """The scope check itself, with a county user given the unit permissions (a future county admin)."""
    leader = User.objects.get(username="pingguo_leader")
    for codename in ("view_unit", "add_unit", "change_unit"):
        leader.user_permissions.add(Permission.objects.get(content_type__app_label="units", codename=codename))
    client = client_for("county_supervisor")  # youjiang_leader: no unit permissions
    assert client.get(URL).status_code == 403

    pingguo = login(APIClient(), "pingguo_leader")
    ids = {r["id"] for r in pingguo.get(URL).json()}
    assert demo["451082"].pk in ids and demo["451022"].pk not in ids and demo["451000"].pk not in ids
    assert pingguo.patch(f"{URL}/{demo['451022'].pk}", {"phone": "1"}, format="json").status_code == 404
    create_outside = pingguo.post(URL, {"name": "x", "kind": "station", "parent": demo["451022"].pk}, format="json")
    assert create_outside.status_code == 403
    station = demo["451082"].get_children().first()
    move_out = pingguo.patch(f"{URL}/{station.pk}", {"parent": demo["451022"].pk}, format="json")
    assert move_out.status_code == 403
    assert pingguo.patch(f"{URL}/{demo['451082'].pk}", {"parent": demo["451022"].pk}, format="json").status_code == 403
    own_station = pingguo.patch(f"{URL}/{station.pk}", {"phone": "0776-5800000"}, format="json")
    assert own_station.status_code == 200
    station.refresh_from_db()
    assert station.parent_id == demo["451082"].pk


def test_jurisdiction_upload_replaces_polygon_and_lookup_follows(demo, client_for):
    admin = client_for("city_admin")
    county = demo["451082"]
    feature = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": SQUARE}]}
    response = admin.post(f"{URL}/{county.pk}/jurisdiction", {"file": geojson_file(feature)}, format="multipart")
    assert response.status_code == 200, response.content
    county.refresh_from_db()
    assert county.jurisdiction == SQUARE and "area.geojson" in county.jurisdiction_source
    shown = admin.get(f"{URL}/{county.pk}/jurisdiction").json()
    assert shown["geometry"] == SQUARE
    jurisdictions.invalidate()
    assert jurisdictions.locate(107.1, 23.1, "gcj02").unit_id == county.pk
    assert AuditEntry.objects.filter(action="unit.jurisdiction_upload", object_id=str(county.pk), success=True).exists()


# Lopsided on purpose: a symmetric bow-tie's lobes cancel out and it is refused as "zero area" instead.
BOW_TIE = {"type": "Polygon", "coordinates": [[[107.0, 23.0], [107.3, 23.2], [107.3, 23.0], [107.0, 23.3], [107.0, 23.0]]]}
SYMMETRIC_BOW_TIE = {"type": "Polygon", "coordinates": [[[107.0, 23.0], [107.2, 23.2], [107.2, 23.0], [107.0, 23.2], [107.0, 23.0]]]}


def test_invalid_polygons_are_refused_and_the_old_one_stays(demo, client_for):
    admin = client_for("city_admin")
    county = demo["451022"]
    old = county.jurisdiction
    cases = [
        (BOW_TIE, "自相交"),
        (SYMMETRIC_BOW_TIE, "边界多边形"),
        ({"type": "Point", "coordinates": [107.1, 23.1]}, "Polygon 或 MultiPolygon"),
        (b"{not json", "JSON 解析失败"),
        (b"\xff\xfe\x00garbage", "UTF-8"),
        ({"type": "FeatureCollection", "features": [1]}, "GeoJSON"),
        ({"type": "Polygon", "coordinates": "abc"}, "无法构成多边形"),
        ({"type": "Polygon", "coordinates": [[[7.0, 3.0], [7.2, 3.0], [7.2, 3.2], [7.0, 3.0]]]}, "GCJ-02"),
    ]
    for content, message in cases:
        response = admin.post(f"{URL}/{county.pk}/jurisdiction", {"file": geojson_file(content)}, format="multipart")
        assert response.status_code == 400, (content, response.content)
        body = response.json()
        assert body["code"] == "invalid_geometry" and message in body["detail"], (content, body)
    assert admin.post(f"{URL}/{county.pk}/jurisdiction", {}, format="multipart").status_code == 400
    county.refresh_from_db()
    assert county.jurisdiction == old
    assert AuditEntry.objects.filter(action="unit.jurisdiction_upload", success=False).count() == len(cases)
