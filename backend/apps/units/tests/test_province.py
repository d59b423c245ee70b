"""A province-wide tree: the Baise detachment and a second prefecture under a province root.

Jurisdiction, scope, alerts and statistics follow the tree one level deeper: a point in no county
goes to the prefecture whose territory holds it, and only outside every prefecture to the root.
"""

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import Role, User
from apps.accounts.roles import ensure_roles
from apps.units.geo import jurisdictions
from apps.units.models import Unit, UnitKind
from apps.units.services import save_unit
from conftest import COUNTY_POINTS, draft_payload, jpeg_bytes, login, upload

# A made-up square territory for the second prefecture, east of Baise and apart from it.
NANNING_SQUARE = {"type": "Polygon", "coordinates": [[[108.1, 22.6], [108.6, 22.6], [108.6, 23.0], [108.1, 23.0], [108.1, 22.6]]]}
IN_NANNING = (108.35, 22.8)
NOWHERE = (100.0, 40.0)  # inside no polygon at all


@pytest.fixture
def province(demo):
    city = demo["451000"]
    root = save_unit(Unit(name="广西壮族自治区公安厅交通警察总队", kind=UnitKind.PROVINCE, adcode="450000"))
    city.parent = root
    save_unit(city)
    nanning = save_unit(Unit(name="南宁市公安局交通警察支队", kind=UnitKind.CITY, adcode="450100", parent=root,
                             jurisdiction=NANNING_SQUARE))
    groups = ensure_roles()
    for username, unit, role in (("gx_admin", root, Role.CITY_ADMIN), ("nn_officer", nanning, Role.OFFICER)):
        user = User(username=username, unit=unit, must_change_password=False)
        user.set_password("Demo@2026")
        user.save()
        user.groups.set([groups[role]])
    jurisdictions.invalidate()
    yield {"root": root, "baise": city, "nanning": nanning}
    jurisdictions.invalidate()


def located(lng, lat):
    found = jurisdictions.locate_gcj02(lng, lat)
    return found.unit_id, found.inside


def test_outside_baise_goes_to_the_city_in_a_one_city_tree(demo):
    assert located(*NOWHERE) == (demo["451000"].pk, False)
    assert located(*IN_NANNING) == (demo["451000"].pk, False)
    assert located(*COUNTY_POINTS["451082"]) == (demo["451082"].pk, True)


def test_a_point_goes_to_its_county_else_its_prefecture_else_the_province(province, demo):
    assert located(*COUNTY_POINTS["451082"]) == (demo["451082"].pk, True)
    assert located(*IN_NANNING) == (province["nanning"].pk, False)
    assert located(*NOWHERE) == (province["root"].pk, False)
    # The map layer of the H5 and the admin app draws county territories only.
    names = {f["properties"]["name"] for f in APIClient().get("/api/v1/units/jurisdictions").json()["features"]}
    assert len(names) == 12 and not any("支队" in n or "总队" in n for n in names)


def submit_at(owner: APIClient, lng: float, lat: float, key: str) -> dict:
    payload = draft_payload()
    payload["location"].update(lng=lng, lat=lat)
    response = owner.post("/api/v1/owner/cases", payload, format="json")
    assert response.status_code == 201, response.content
    case_id = response.json()["id"]
    for slot in ("scene_front", "scene_rear", "scene_contact"):
        assert upload(owner, case_id, slot, jpeg_bytes()).status_code == 201
    response = owner.post(f"/api/v1/owner/cases/{case_id}/submit", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code in (200, 201), response.content
    return response.json()


def case_ids(client: APIClient) -> set[int]:
    response = client.get("/api/v1/cases")
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_scope_alerts_and_statistics_follow_the_deeper_tree(province, demo, owner_client):
    owner = owner_client()
    pingguo = submit_at(owner, *COUNTY_POINTS["451082"], key="p-1")
    nanning = submit_at(owner, *IN_NANNING, key="n-1")
    assert pingguo["unit"]["id"] == demo["451082"].pk and pingguo["inside_jurisdiction"] is True
    assert nanning["unit"]["id"] == province["nanning"].pk and nanning["inside_jurisdiction"] is False

    gx, baise, nn = (login(APIClient(), name) for name in ("gx_admin", "admin", "nn_officer"))
    assert case_ids(gx) == {pingguo["id"], nanning["id"]}
    assert case_ids(baise) == {pingguo["id"]}
    assert case_ids(nn) == {nanning["id"]}
    assert baise.get(f"/api/v1/cases/{nanning['id']}").status_code == 404
    assert nn.get(f"/api/v1/cases/{pingguo['id']}").status_code == 404

    # The new-case alerts reach the province above both prefectures, and each prefecture its own.
    def alert_receipts(client):
        response = client.get("/api/v1/alerts?after=0")
        assert response.status_code == 200, response.content
        body = response.json()
        rows = body["results"] if isinstance(body, dict) else body
        return {row.get("receipt_no") for row in rows if row["type"] == "case.new"}

    assert alert_receipts(gx) == {pingguo["receipt_no"], nanning["receipt_no"]}
    assert alert_receipts(baise) == {pingguo["receipt_no"]}
    assert alert_receipts(nn) == {nanning["receipt_no"]}

    # Statistics below the province break down by prefecture; below Baise, by county as before.
    rows = {row["unit"]["id"]: row["submitted"] for row in gx.get("/api/v1/stats/summary").json()["by_unit"]}
    assert rows == {province["baise"].pk: 1, province["nanning"].pk: 1}
    data = baise.get("/api/v1/stats/summary").json()
    assert data["totals"]["submitted"] == 1
    assert {row["unit"]["id"] for row in data["by_unit"] if row["submitted"]} == {demo["451082"].pk}
    assert gx.get("/api/v1/stats/summary").json()["totals"]["submitted"] == 2


def test_import_matches_the_prefecture_and_the_county_not_its_stations(province, demo, tmp_path):
    import json

    from django.core.management import call_command

    station = demo["451082:station"]
    square = {"type": "Polygon", "coordinates": [[[108.2, 22.7], [108.5, 22.7], [108.5, 22.9], [108.2, 22.9], [108.2, 22.7]]]}
    pingguo = Unit.objects.get(pk=demo["451082"].pk).jurisdiction
    path = tmp_path / "gx.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"adcode": "450100"}, "geometry": square},
        {"type": "Feature", "properties": {"adcode": "451082"}, "geometry": pingguo},
        {"type": "Feature", "properties": {"adcode": "459999"}, "geometry": square},
    ]}), encoding="utf-8")
    call_command("import_jurisdictions", str(path))
    assert Unit.objects.get(pk=province["nanning"].pk).jurisdiction == square
    assert Unit.objects.get(pk=station.pk).jurisdiction is None  # 平果's station shares the county's adcode
    jurisdictions.invalidate()
    assert located(108.15, 22.65) == (province["root"].pk, False)  # in the old square only
    assert located(108.3, 22.8) == (province["nanning"].pk, False)
