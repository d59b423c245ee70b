"""Endpoint × role × unit: who gets what, and nothing leaks across units, companies or owners.

The roles: city admin, 平果 supervisor, 平果 officer, 田东 officer, the 人保 and 平安 insurers, the owner
who filed the cases, another owner, and anonymous. The data (see `conftest.cases`):

- `pingguo`   平果, parties insured by 人保 and 平安, filed by `owner`
- `tiandong`  田东, 人保 and 太平洋, filed by `owner`
- `picc_only` 平果, 人保 and 太平洋 (no 平安 party), filed by `other_owner`

Every request runs in a savepoint that is rolled back, so an allowed write (a claim, a void…) does not
change what the next row sees. Outside-scope objects are 404 (not 403) for the roles that could
otherwise act on them; a role without the permission gets 403 for every id alike, which says nothing
about whether the object exists.
"""

import json

import pytest
from django.db import transaction

ROLES = ["admin", "pingguo_leader", "pingguo_officer", "tiandong_officer", "insurer_picc", "insurer_pingan",
         "owner", "other_owner", "anonymous"]

# Shorthand rows: expected status per role. `STAFF_READ` = the city admin and the three county staff.
A, PL, PO, TO, IP, IA, OW, OO, AN = ROLES


def expect(default: int, **overrides: int) -> dict[str, int]:
    table = {role: default for role in ROLES}
    table["anonymous"] = 401
    table.update(overrides)
    return table


# Who reads what. Owners authenticate fine but are not staff (403); anonymous is 401 everywhere.
STAFF_ONLY = expect(403, admin=200, pingguo_leader=200, pingguo_officer=200, tiandong_officer=200)
ADMIN_ONLY = expect(403, admin=200)
OFFICER_WRITE = expect(403, admin=200, pingguo_officer=200, tiandong_officer=200)


def not_found_for(table: dict[str, int], *roles: str) -> dict[str, int]:
    return {**table, **{role: 404 for role in roles}}


def allowed_as(table: dict[str, int], status: int) -> dict[str, int]:
    """Where the role gets in, the answer is `status` (e.g. 409: in scope, but not in the right state)."""
    return {role: status if code == 200 else code for role, code in table.items()}


def rows(ids: dict) -> list[tuple[str, str, str, dict | None, dict[str, int]]]:
    """(label, method, path, body, expected status per role)."""
    pg, td, po = ids["pingguo"], ids["tiandong"], ids["picc_only"]
    receipt_pg, receipt_po = ids["pingguo_receipt"], ids["picc_only_receipt"]
    staff_on = {
        # a 田东 case is invisible to 平果; a 平果 case to 田东
        "pg": not_found_for(STAFF_ONLY, TO),
        "td": not_found_for(STAFF_ONLY, PL, PO),
    }
    write_on = {
        "pg": not_found_for(OFFICER_WRITE, TO),
        "td": not_found_for(OFFICER_WRITE, PO),
    }
    table = [
        # --- staff case list and detail
        ("case list", "get", "/api/v1/cases", None, STAFF_ONLY),
        ("pg detail", "get", f"/api/v1/cases/{pg}", None, staff_on["pg"]),
        ("td detail", "get", f"/api/v1/cases/{td}", None, staff_on["td"]),
        # the agreement exists only after an accepted decision: 409 in scope, 404 outside
        ("pg agreement pdf", "get", f"/api/v1/cases/{pg}/agreement.pdf", None, allowed_as(staff_on["pg"], 409)),
        ("td agreement pdf", "get", f"/api/v1/cases/{td}/agreement.pdf", None, allowed_as(staff_on["td"], 409)),
    ]
    # --- officer actions on both cases: 404 outside the unit, 403 for a read-only role
    for key, case_id in (("pg", pg), ("td", td)):
        table += [
            (f"{key} claim", "post", f"/api/v1/cases/{case_id}/claim", {}, write_on[key]),
            (f"{key} decision", "post", f"/api/v1/cases/{case_id}/decision", {"decision": "accepted", "feedback": "ok"},
             write_on[key]),
            (f"{key} void", "post", f"/api/v1/cases/{case_id}/void", {"reason": "重复报案"}, write_on[key]),
            (f"{key} transfer", "post", f"/api/v1/cases/{case_id}/transfer", {"unit": ids["youjiang"], "reason": "测试"},
             write_on[key]),
            # closing needs an accepted case: the status check (409) comes after the scope check (404)
            (f"{key} close", "post", f"/api/v1/cases/{case_id}/close",
             {"liabilities": [{"party": 0, "liability": "full"}, {"party": 1, "liability": "none"}]},
             allowed_as(write_on[key], 409)),
        ]
    table += [
        # --- fraud warnings (a 田东 plate with three accidents)
        ("fraud list", "get", "/api/v1/fraud/warnings", None, STAFF_ONLY),
        ("td fraud history", "get", f"/api/v1/fraud/warnings/{ids['td_warning']}/history", None, staff_on["td"]),
        ("td fraud dispatch", "post", f"/api/v1/fraud/warnings/{ids['td_warning']}/dispatch", {"station": ids["td_station"]},
         write_on["td"]),
        # --- statistics
        ("stats summary", "get", "/api/v1/stats/summary", None, STAFF_ONLY),
        ("stats export", "get", "/api/v1/stats/export", None, STAFF_ONLY),
        # --- alerts
        ("alerts", "get", "/api/v1/alerts", None, expect(403, admin=200, pingguo_leader=200, pingguo_officer=200,
                                                          tiandong_officer=200, insurer_picc=200, insurer_pingan=200)),
        ("alert ticket", "post", "/api/v1/alerts/ticket", {}, expect(403, admin=200, pingguo_leader=200,
                                                                      pingguo_officer=200, tiandong_officer=200,
                                                                      insurer_picc=200, insurer_pingan=200)),
        # --- units
        ("units", "get", "/api/v1/units", None, expect(403, admin=200, pingguo_leader=200, pingguo_officer=200,
                                                       tiandong_officer=200, insurer_picc=200, insurer_pingan=200)),
        ("transfer targets", "get", "/api/v1/units/transfer-targets", None, OFFICER_WRITE),
        # --- system management: city admin only
        ("system parameters", "get", "/api/v1/system/parameters", None, ADMIN_ONLY),
        ("system parameter write", "patch", "/api/v1/system/parameters/fraud_threshold", {"value": 4}, ADMIN_ONLY),
        ("system users", "get", "/api/v1/system/users", None, ADMIN_ONLY),
        ("system user detail", "get", f"/api/v1/system/users/{ids['td_user']}", None, ADMIN_ONLY),
        ("system user reset", "post", f"/api/v1/system/users/{ids['td_user']}/reset-password", {}, ADMIN_ONLY),
        ("system roles", "get", "/api/v1/system/roles", None, ADMIN_ONLY),
        ("system role write", "patch", "/api/v1/system/roles/officer", {"permissions": ["cases.view_case"]}, ADMIN_ONLY),
        ("system permissions", "get", "/api/v1/system/permissions", None, ADMIN_ONLY),
        ("system units", "get", "/api/v1/system/units", None, ADMIN_ONLY),
        ("system unit detail", "get", f"/api/v1/system/units/{ids['tiandong_unit']}", None, ADMIN_ONLY),
        ("system unit write", "patch", f"/api/v1/system/units/{ids['tiandong_unit']}", {"phone": "0776-5555555"}, ADMIN_ONLY),
        ("system jurisdiction", "get", f"/api/v1/system/units/{ids['tiandong_unit']}/jurisdiction", None, ADMIN_ONLY),
        ("system audit", "get", "/api/v1/system/audit", None, ADMIN_ONLY),
        ("system audit export", "get", "/api/v1/system/audit/export", None, ADMIN_ONLY),
        ("system insurers", "get", "/api/v1/system/insurers", None, ADMIN_ONLY),
        ("system insurer write", "patch", f"/api/v1/system/insurers/{ids['picc']}", {"hotline": "95518"}, ADMIN_ONLY),
        # --- guide administration: city admin only
        ("guide admin list", "get", "/api/v1/guide/admin/articles", None, ADMIN_ONLY),
        ("guide admin detail", "get", f"/api/v1/guide/admin/articles/{ids['article']}", None, ADMIN_ONLY),
        ("guide admin write", "patch", f"/api/v1/guide/admin/articles/{ids['article']}", {"title": "改"}, ADMIN_ONLY),
        ("guide admin create", "post", "/api/v1/guide/admin/articles",
         {"category": "tips", "title": "t", "body_markdown": "b", "status": "draft"}, expect(403, admin=201)),
        ("guide slot examples", "get", "/api/v1/guide/admin/slot-examples", None, ADMIN_ONLY),
        ("guide slot example caption", "patch", "/api/v1/guide/admin/slot-examples/scene_front", {"caption": "改"}, ADMIN_ONLY),
        ("guide slot example delete", "delete", "/api/v1/guide/admin/slot-examples/scene_front", None,
         expect(403, admin=204)),
        # the published examples are public: a token of any kind is ignored
        ("guide public slot examples", "get", "/api/v1/guide/slot-examples", None, expect(200, anonymous=200)),
        # --- insurers: only the company named on the case; nobody else
        ("insurer lookup (人保+平安)", "get", f"/api/v1/insurer/cases/{receipt_pg}", None,
         expect(403, insurer_picc=200, insurer_pingan=200)),
        ("insurer lookup (人保 only)", "get", f"/api/v1/insurer/cases/{receipt_po}", None,
         expect(403, insurer_picc=200, insurer_pingan=404)),
        ("insurer claim (人保 only)", "post", f"/api/v1/insurer/cases/{receipt_po}/claim",
         {"claim_no": "PICC-1", "accepted_at": "2026-11-25T10:00:00+08:00"}, expect(403, insurer_picc=201, insurer_pingan=404)),
        ("insurer pdf (人保 only)", "get", f"/api/v1/insurer/cases/{receipt_po}/agreement.pdf", None,
         expect(403, insurer_picc=409, insurer_pingan=404)),
        # --- owner endpoints: only the owner of the case; staff are not owners
        ("owner list", "get", "/api/v1/owner/cases", None, expect(403, owner=200, other_owner=200)),
        ("owner detail", "get", f"/api/v1/owner/cases/{pg}", None, expect(403, owner=200, other_owner=404)),
        ("owner draft detail", "get", f"/api/v1/owner/cases/{ids['draft']}", None, expect(403, owner=200, other_owner=404)),
        ("owner draft patch", "patch", f"/api/v1/owner/cases/{ids['draft']}", {"location": {"lng": 107.589, "lat": 23.329, "coord_system": "gcj02", "address": "改"}},
         expect(403, owner=200, other_owner=404)),
        ("owner draft media delete", "delete", f"/api/v1/owner/cases/{ids['draft']}/media/{ids['draft_media']}", None,
         expect(403, owner=204, other_owner=404)),
        ("owner draft submit", "post", f"/api/v1/owner/cases/{ids['draft']}/submit", {},
         expect(403, owner=400, other_owner=404)),
        ("owner draft delete", "delete", f"/api/v1/owner/cases/{ids['draft']}", None,
         expect(403, owner=204, other_owner=404)),
        ("owner other's case", "get", f"/api/v1/owner/cases/{po}", None, expect(403, owner=404, other_owner=200)),
    ]
    return table


def _ids(demo, clients, cases) -> dict:
    from apps.accounts.models import User
    from apps.fraud.models import FraudWarning
    from apps.guide.models import Article, SlotExample
    from apps.insurers.models import InsuranceCompany
    from apps.units.models import Unit
    from conftest import draft_payload, jpeg_bytes, make_submitted_case, upload

    owner = clients("owner")
    # Two more 田东 accidents of the same plate → a repeat-plate fraud warning in 田东.
    for n in range(2):
        make_submitted_case(owner, "451022", key=f"sec-fraud-{n}", plates=("桂LSEC03", f"桂LSF{n}00"), insurers=("picc", "cpic"))
    warning = FraudWarning.objects.filter(case__unit=demo["451022"]).order_by("-id").first()
    assert warning is not None, "expected a fraud warning for the 田东 plate"
    draft = owner.post("/api/v1/owner/cases", draft_payload("451082"), format="json").json()
    media = upload(owner, draft["id"], "scene_front", jpeg_bytes())
    assert media.status_code == 201, media.content
    station = Unit.objects.filter(parent=demo["451022"], kind="station").first() or demo["451022"]
    SlotExample.objects.get_or_create(slot="scene_front", defaults={"image": "0" * 64 + ".jpg"})
    return {
        "pingguo": cases["pingguo"]["id"], "tiandong": cases["tiandong"]["id"], "picc_only": cases["picc_only"]["id"],
        "pingguo_receipt": cases["pingguo"]["receipt_no"], "picc_only_receipt": cases["picc_only"]["receipt_no"],
        "youjiang": demo["451002"].pk, "tiandong_unit": demo["451022"].pk, "td_station": station.pk,
        "td_user": User.objects.get(username="tiandong_officer").pk, "td_warning": warning.pk,
        "picc": InsuranceCompany.objects.get(code="picc").pk, "article": Article.objects.order_by("pk").first().pk,
        "draft": draft["id"], "draft_media": media.json()["id"],
    }


def _call(client, method: str, path: str, body):
    with transaction.atomic():
        if body is None:
            response = getattr(client, method)(path)
        else:
            response = getattr(client, method)(path, body, format="json")
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("role", ROLES)
def test_endpoint_role_matrix(demo, clients, cases, role):
    ids = _ids(demo, clients, cases)
    client = clients(role)
    wrong = []
    for label, method, path, body, expected in rows(ids):
        response = _call(client, method, path, body)
        if response.status_code != expected[role]:
            wrong.append(f"{label}: {method.upper()} {path} → {response.status_code}, expected {expected[role]}: "
                         f"{response.content[:160].decode(errors='replace')}")
        elif response.status_code >= 400 and response.get("Content-Type", "").startswith("application/json"):
            assert "code" in response.json(), (label, response.content)
    assert not wrong, "\n".join(wrong)


# --- what the lists and aggregates show: nothing from outside the caller's scope

def _text(response) -> str:
    assert response.status_code == 200, response.content[:300]
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return b"".join(response.streaming_content).decode("utf-8-sig") if response.streaming else response.content.decode()


LIST_PATHS = ["/api/v1/cases?page_size=100", "/api/v1/fraud/warnings?active=all", "/api/v1/alerts", "/api/v1/units",
              "/api/v1/stats/summary"]


@pytest.mark.parametrize(("role", "own", "foreign"), [
    ("pingguo_officer", "平果", "田东"),
    ("pingguo_leader", "平果", "田东"),
    ("tiandong_officer", "田东", "平果"),
])
def test_lists_stay_inside_the_unit(demo, clients, cases, role, own, foreign):
    _ids(demo, clients, cases)  # adds the 田东 fraud warning
    client = clients(role)
    receipts = {"平果": [cases["pingguo"]["receipt_no"], cases["picc_only"]["receipt_no"]],
                "田东": [cases["tiandong"]["receipt_no"]]}
    for path in LIST_PATHS:
        text = _text(client.get(path))
        for receipt in receipts[foreign]:
            assert receipt not in text, (role, path, receipt)
        assert foreign not in text, (role, path, f"mentions {foreign}")
    listed = _text(client.get("/api/v1/cases?page_size=100"))
    assert all(r in listed for r in receipts[own]), (role, "own cases missing from the list")
    # filtering by the other unit or its receipt number finds nothing, not an error
    other_unit = demo["451022" if foreign == "田东" else "451082"].pk
    assert client.get(f"/api/v1/cases?unit={other_unit}").json()["results"] == []
    assert client.get(f"/api/v1/cases?receipt_no={receipts[foreign][0]}").json()["results"] == []


def test_city_admin_sees_both_units(demo, clients, cases):
    listed = _text(clients("admin").get("/api/v1/cases?page_size=100"))
    assert all(case["receipt_no"] in listed for case in cases.values())


def test_insurer_view_masks_other_parties(demo, clients, cases):
    """平安 sees its own party in full and the 人保 party masked."""
    body = clients("insurer_pingan").get(f"/api/v1/insurer/cases/{cases['pingguo']['receipt_no']}").json()
    text = json.dumps(body, ensure_ascii=False)
    assert "13900139000" in text  # the 平安 party's own phone
    assert "13800138000" not in text  # the 人保 party's phone is masked


def test_insurer_sees_the_scene_and_only_its_own_partys_documents(demo, clients, cases):
    """The licences and policy of the 人保 party (index 0) are not shown to 平安, whose party is index 1."""
    from apps.cases.models import Case, Media

    case = Case.objects.get(pk=cases["pingguo"]["id"])
    made = {}
    for slot, party in (("scene_front", None), ("driver_licence", 0), ("policy", 0), ("driver_licence", 1),
                        ("vehicle_licence", 1)):
        made[(slot, party)] = Media.objects.create(
            case=case, slot=slot, party=party, kind="image", extension=".jpg", content_type="image/jpeg", size=10,
            sha256=f"{slot}{party}".ljust(64, "0"), file=f"media/test/{slot}{party}.jpg").pk

    def shown(role: str) -> set[tuple[str, int | None]]:
        body = clients(role).get(f"/api/v1/insurer/cases/{cases['pingguo']['receipt_no']}").json()
        assert all(m["url"] for m in body["media"])
        return {(m["slot"], m["party"]) for m in body["media"]}

    pingan, picc = shown("insurer_pingan"), shown("insurer_picc")
    assert {item for item in pingan if item[1] is not None} == {("driver_licence", 1), ("vehicle_licence", 1)}
    assert {item for item in picc if item[1] is not None} == {("driver_licence", 0), ("policy", 0)}
    assert {"scene_front", "scene_rear", "scene_contact"} <= {slot for slot, party in pingan if party is None}
    assert {"scene_front", "scene_rear", "scene_contact"} <= {slot for slot, party in picc if party is None}
    # staff see everything
    staff = clients("pingguo_officer").get(f"/api/v1/cases/{cases['pingguo']['id']}").json()
    assert {m["id"] for m in staff["media"]} >= set(made.values())


def test_owner_list_has_only_own_cases(demo, clients, cases):
    mine = _text(clients("owner").get("/api/v1/owner/cases"))
    theirs = _text(clients("other_owner").get("/api/v1/owner/cases"))
    assert cases["picc_only"]["receipt_no"] not in mine
    assert cases["pingguo"]["receipt_no"] not in theirs and cases["tiandong"]["receipt_no"] not in theirs


def test_staff_token_is_not_an_owner_token_and_back(demo, clients, cases):
    """Each bearer works only on its own side."""
    assert clients("owner").get("/api/v1/cases").status_code == 403
    assert clients("admin").get("/api/v1/owner/cases").status_code == 403
