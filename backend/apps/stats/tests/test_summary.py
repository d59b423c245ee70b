import pytest

from apps.stats.selectors import percentile

from .conftest import MARCH, seconds

ZERO = {"submitted": 0, "accepted": 0, "rejected": 0, "voided": 0, "closed": 0, "acceptance_rate": None,
        "decision_median_s": None, "decision_p90_s": None, "fraud_warnings": 0}


def rows_by_adcode(data: dict) -> dict:
    return {row["unit"]["adcode"]: row for row in data["by_unit"]}


def test_city_admin_figures_by_unit_and_totals(dataset, staff):
    r = staff("admin").get(f"/api/v1/stats/summary?{MARCH}&group=week")
    assert r.status_code == 200, r.content
    data = r.json()
    assert set(data) == {"from", "to", "group", "totals", "by_unit", "by_period", "by_insurer", "by_hour", "max_delay_s"}
    assert data["max_delay_s"] == 0  # no read replica here: the figures are read live
    assert (data["from"], data["to"], data["group"]) == ("2025-03-01", "2025-03-31", "week")
    assert data["totals"] == {
        "submitted": 6, "accepted": 3, "rejected": 1, "voided": 1, "closed": 1, "acceptance_rate": 0.75,
        # decided in 60, 120, 300 and 600 seconds
        "decision_median_s": seconds(210.0), "decision_p90_s": seconds(510.0), "fraud_warnings": 1, "inside_rate": 1.0,
    }
    units = rows_by_adcode(data)
    assert len(data["by_unit"]) == 12  # the twelve county brigades; nothing fell outside them
    assert units["451082"] == {
        "unit": units["451082"]["unit"], "submitted": 3, "accepted": 2, "rejected": 1, "voided": 0, "closed": 1,
        "acceptance_rate": 0.6667, "decision_median_s": seconds(120.0), "decision_p90_s": seconds(264.0), "fraud_warnings": 1,
    }
    assert "平果" in units["451082"]["unit"]["name"]
    assert units["451022"] | {"unit": None} == {
        "unit": None, "submitted": 2, "accepted": 1, "rejected": 0, "voided": 1, "closed": 0,
        "acceptance_rate": 1.0, "decision_median_s": seconds(600.0), "decision_p90_s": seconds(600.0), "fraud_warnings": 0,
    }
    assert units["451002"] | {"unit": None} == {**ZERO, "unit": None, "submitted": 1}
    assert units["451026"] | {"unit": None} == {**ZERO, "unit": None}


def test_periods_hours_and_insurers(dataset, staff):
    data = staff("admin").get(f"/api/v1/stats/summary?{MARCH}&group=week").json()
    assert [(p["period"], p["submitted"], p["accepted"], p["rejected"], p["voided"], p["closed"]) for p in data["by_period"]] == [
        ("2025-02-24", 1, 0, 0, 0, 0),  # F, 1 March 00:10 Beijing time (still February in UTC)
        ("2025-03-03", 3, 2, 1, 0, 1),
        ("2025-03-10", 1, 1, 0, 0, 0),
        ("2025-03-17", 1, 0, 0, 1, 0),
        ("2025-03-24", 0, 0, 0, 0, 0),
        ("2025-03-31", 0, 0, 0, 0, 0),
    ]
    hours = {h["hour"]: h["count"] for h in data["by_hour"]}
    assert list(hours) == list(range(24))
    assert {h: n for h, n in hours.items() if n} == {0: 2, 8: 2, 17: 1, 23: 1}
    assert data["by_insurer"] == [
        {"insurer": "人保财险", "code": "picc", "count": 5},
        {"insurer": "平安财险", "code": "pingan", "count": 5},
        {"insurer": "太平洋财险", "code": "cpic", "count": 1},
    ]

    monthly = staff("admin").get(f"/api/v1/stats/summary?{MARCH}&group=month").json()
    assert [(p["period"], p["submitted"]) for p in monthly["by_period"]] == [("2025-03-01", 6)]
    daily = staff("admin").get(f"/api/v1/stats/summary?{MARCH}").json()
    assert daily["group"] == "day" and len(daily["by_period"]) == 31
    assert {p["period"]: p["submitted"] for p in daily["by_period"] if p["submitted"]} == {
        "2025-03-01": 1, "2025-03-03": 2, "2025-03-05": 1, "2025-03-12": 1, "2025-03-17": 1}
    # A range that ends on 28 February leaves out F, even though it is 28 February in UTC.
    february = staff("admin").get("/api/v1/stats/summary?from=2025-02-01&to=2025-02-28").json()
    assert february["totals"]["submitted"] == 0


def test_county_supervisor_sees_only_own_county(dataset, staff):
    tiandong = staff("tiandong_leader")
    data = tiandong.get(f"/api/v1/stats/summary?{MARCH}").json()
    assert [row["unit"]["adcode"] for row in data["by_unit"]] == ["451022"]
    assert data["totals"]["submitted"] == 2
    assert data["totals"]["fraud_warnings"] == 0
    assert data["by_insurer"] == [{"insurer": "平安财险", "code": "pingan", "count": 2},
                                  {"insurer": "人保财险", "code": "picc", "count": 1}]
    # Another county's unit, or the city above, is outside the scope: 404 as for any object.
    pingguo_id = rows_by_adcode(staff("admin").get(f"/api/v1/stats/summary?{MARCH}").json())["451082"]["unit"]["id"]
    assert tiandong.get(f"/api/v1/stats/summary?{MARCH}&unit={pingguo_id}").status_code == 404
    city_id = staff("admin").get("/api/v1/auth/me").json()["unit"]["id"]
    assert tiandong.get(f"/api/v1/stats/summary?{MARCH}&unit={city_id}").status_code == 404


def test_city_user_can_narrow_to_one_county(dataset, staff):
    admin = staff("city_leader")
    pingguo_id = rows_by_adcode(admin.get(f"/api/v1/stats/summary?{MARCH}").json())["451082"]["unit"]["id"]
    data = admin.get(f"/api/v1/stats/summary?{MARCH}&unit={pingguo_id}").json()
    assert [row["unit"]["id"] for row in data["by_unit"]] == [pingguo_id]
    assert data["totals"]["submitted"] == 3
    assert data["totals"]["decision_median_s"] == seconds(120.0)


@pytest.mark.parametrize("query, field", [
    ("from=2025-13-01", "from"),
    ("to=yesterday", "to"),
    ("from=2025-03-10&to=2025-03-01", "from"),
    ("from=2021-01-01&to=2025-03-01", "from"),
    ("group=year", "group"),
    ("unit=abc", "unit"),
])
def test_bad_parameters_are_a_clear_400(demo, staff, query, field):
    r = staff("admin").get(f"/api/v1/stats/summary?{query}")
    assert r.status_code == 400, r.content
    body = r.json()
    assert body["code"] == "invalid" and field in body["errors"]
    assert not body["detail"].isascii()


def test_exactly_three_years_is_allowed_and_defaults_are_last_30_days(demo, staff):
    assert staff("admin").get("/api/v1/stats/summary?from=2022-03-01&to=2025-03-01").status_code == 200
    data = staff("admin").get("/api/v1/stats/summary").json()
    assert data["group"] == "day" and len(data["by_period"]) == 30


def test_permissions(demo, staff, api):
    assert api.get("/api/v1/stats/summary").status_code == 401
    assert staff("insurer_picc").get("/api/v1/stats/summary").status_code == 403
    assert staff("tiandong_officer").get("/api/v1/stats/summary").status_code == 200


def test_percentile_matches_percentile_cont():
    assert percentile([], 0.5) is None
    assert percentile([7], 0.9) == 7
    assert percentile([60, 120, 300, 600], 0.5) == 210
    assert percentile([600, 60, 300, 120], 0.9) == pytest.approx(510)
    assert percentile([1, 2], 0.9) == pytest.approx(1.9)

