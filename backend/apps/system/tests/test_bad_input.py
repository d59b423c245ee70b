"""Odd input to the admin endpoints gets a 4xx with a Chinese message, never a 500."""

BIG = 10**30


def test_oversized_ids_are_not_found_or_invalid(demo, client_for, api):
    assert api.get(f"/api/v1/guide/articles/{BIG}").status_code == 404
    admin = client_for("city_admin")
    for url in (f"/api/v1/system/users/{BIG}", f"/api/v1/system/units/{BIG}", f"/api/v1/system/insurers/{BIG}",
                f"/api/v1/guide/admin/articles/{BIG}", f"/api/v1/system/roles/{BIG}", f"/api/v1/system/units/{BIG}/jurisdiction"):
        assert admin.get(url).status_code == 404, url
    assert admin.get("/api/v1/system/users", {"unit": BIG}).status_code == 400
    assert admin.get("/api/v1/system/audit", {"user": BIG}).status_code == 400
    assert admin.post("/api/v1/system/users", {"username": "abc", "unit": BIG, "roles": ["officer"]}, format="json").status_code == 400
    assert admin.patch(f"/api/v1/system/units/{demo['451082'].pk}", {"parent": BIG}, format="json").status_code == 400


def test_wrong_types_and_shapes(demo, client_for):
    admin = client_for("city_admin")
    user_url = "/api/v1/system/users/" + str(demo["451082"].users.first().pk)
    cases = [
        ("patch", user_url, {"roles": "officer"}),
        ("patch", user_url, {"is_active": "sometimes"}),
        ("patch", user_url, ["not", "an", "object"]),
        ("patch", "/api/v1/system/roles/officer", {"permissions": "cases.view_case"}),
        ("patch", "/api/v1/system/parameters/fraud_threshold", ["value", 3]),
        ("post", "/api/v1/system/units", {"name": "x", "kind": "station", "parent": "abc"}),
        ("post", "/api/v1/guide/admin/articles", {"category": ["tips"], "title": {"a": 1}}),
        ("post", "/api/v1/system/insurers", {"code": 5, "name": None}),
    ]
    for method, url, body in cases:
        response = getattr(admin, method)(url, body, format="json")
        assert response.status_code == 400, (url, body, response.status_code, response.content[:200])
        assert response.json()["detail"], (url, body)
    assert admin.get("/api/v1/system/users", {"page": "9999"}).status_code == 404
    assert admin.post(f"/api/v1/system/units/{demo['451082'].pk}/jurisdiction", {"file": "x"}, format="json").status_code == 415
