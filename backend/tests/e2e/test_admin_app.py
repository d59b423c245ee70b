"""The officer's day in the admin app, in a real browser against the real server."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import Api, shot

pytestmark = pytest.mark.e2e


def login(page, base: str, username: str) -> None:
    page.goto(base + "/admin/login")
    page.get_by_placeholder("用户名").fill(username)
    page.get_by_placeholder("密码").fill("Demo@2026")
    page.get_by_placeholder("密码").press("Enter")
    expect(page).not_to_have_url(re.compile(r"/login"))


def test_officer_sees_a_new_case_live_and_decides_it(server_url, new_context):
    page = new_context(viewport={"width": 1366, "height": 768}).new_page()
    login(page, server_url, "pingguo_officer")
    expect(page.get_by_text("已连接").first).to_be_visible(timeout=10_000)
    submitted_card = page.locator(".page-card").first.get_by_text("今日受理").locator("xpath=..")
    expect(submitted_card).to_contain_text(re.compile(r"\d"))
    before = int(re.match(r"\s*(\d+)", submitted_card.inner_text()).group(1))  # other tests' cases count too
    shot(page, "admin-dashboard-before")

    case = Api.owner(server_url).submit_case()
    # Arrives over the socket: no reload.
    expect(page.get_by_text(case["receipt_no"]).first).to_be_visible(timeout=10_000)
    # Today's figures follow: the new case is counted without pressing 刷新.
    expect(submitted_card).to_contain_text(re.compile(rf"^\s*{before + 1}\D"), timeout=10_000)
    shot(page, "admin-dashboard-live-alert")

    page.goto(f"{server_url}/admin/cases/{case['id']}")
    expect(page.get_by_text(case["receipt_no"]).first).to_be_visible()
    expect(page.locator("img[src*='/api/v1/media/file']").first).to_be_visible()
    expect(page.locator(".leaflet-container path").first).to_be_attached()
    shot(page, "admin-case-detail")

    page.get_by_role("button", name="接单").click()
    page.get_by_role("button", name="适用快处快赔").first.click()
    page.get_by_role("button", name="确认认定").click()
    expect(page.get_by_text("适用快处快赔").first).to_be_visible()
    officer = Api.staff(server_url, "pingguo_officer")
    assert officer.client.get(f"/cases/{case['id']}").json()["status"] == "accepted"
    shot(page, "admin-case-accepted")

    # 田东 never sees it; the city admin's statistics count it.
    tiandong = Api.staff(server_url, "tiandong_officer")
    assert tiandong.client.get(f"/cases/{case['id']}").status_code == 404
    assert case["id"] not in [c["id"] for c in tiandong.client.get("/cases").json()["results"]]
    admin_stats = Api.staff(server_url, "admin").client.get("/stats/summary").json()
    assert admin_stats["totals"]["accepted"] >= 1

    page.goto(server_url + "/admin/cases")
    expect(page.get_by_text(case["receipt_no"]).first).to_be_visible()
    shot(page, "admin-case-list")


def test_admin_statistics_and_system_screens(server_url, new_context):
    Api.owner(server_url).submit_case(plates=("桂L5E2S1", "桂L5E2S2"))
    page = new_context(viewport={"width": 1366, "height": 768}).new_page()
    login(page, server_url, "admin")
    page.goto(server_url + "/admin/stats")
    expect(page.locator("canvas").first).to_be_visible()
    shot(page, "admin-statistics")
    for path, name in (("/admin/system/users", "admin-users"), ("/admin/system/parameters", "admin-parameters"),
                       ("/admin/system/units", "admin-units"), ("/admin/fraud", "admin-fraud")):
        page.goto(server_url + path)
        page.wait_for_load_state("networkidle")
        shot(page, name)


def test_insurer_finds_only_cases_it_insures(server_url, new_context):
    case = Api.owner(server_url).submit_case(insurers=("picc", "cpic"), plates=("桂L5E2K1", "桂L5E2K2"))
    page = new_context(viewport={"width": 1366, "height": 768}).new_page()
    login(page, server_url, "insurer_picc")
    box = page.get_by_placeholder("请输入车主提供的受理号")
    expect(box).to_be_visible()
    page.wait_for_load_state("networkidle")  # the insurer page settles after the login redirect
    box.fill(case["receipt_no"])
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("桂L5E2K1").first).to_be_visible()
    expect(page.get_by_text("138****0001").first).to_be_visible()  # the other party, masked
    shot(page, "admin-insurer-case")
    pingan = Api.staff(server_url, "insurer_pingan")
    assert pingan.client.get(f"/insurer/cases/{case['receipt_no']}").status_code == 404


def test_city_admin_sets_a_slot_example_photo_that_owners_see(server_url, new_context, tmp_path):
    from .conftest import jpeg
    from .test_h5 import phone_page

    photo = tmp_path / "front-example.jpg"
    photo.write_bytes(jpeg((40, 90, 160)))
    page = new_context(viewport={"width": 1366, "height": 768}).new_page()
    login(page, server_url, "admin")
    page.goto(server_url + "/admin/system/guide?tab=slots")
    # The articles tab holds a row "正前方全景怎么拍" too: look in the example photos' table only.
    row = page.locator(".slot-examples .el-table__row", has_text="scene_front")
    with page.expect_file_chooser() as chooser:
        row.get_by_role("button", name="上传").click()
    chooser.value.set_files(str(photo))
    thumbnail = page.locator("img[src*='/api/v1/guide/images/']").first
    expect(thumbnail).to_be_visible()
    row.locator(".caption-btn").click()
    page.get_by_role("dialog").locator("input, textarea").first.fill("站在车头正前方5米，拍清两车和车道线")
    page.get_by_role("dialog").get_by_role("button", name="保存").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(row).to_contain_text("站在车头正前方5米，拍清两车和车道线")
    shot(page, "admin-guide-slot-examples")

    # The owner's guide shows the photo and its tip above the 拍照示意 articles.
    examples = Api(server_url).client.get("/guide/slot-examples").json()
    assert [e["slot"] for e in examples] == ["scene_front"]
    _, phone = phone_page(new_context)
    phone.goto(f"{server_url}/h5/guide/category/photos?name=拍照示意")
    shown = phone.locator(f"img[src='{examples[0]['image_url']}']").first
    expect(shown).to_be_visible()
    assert phone.evaluate("(img) => img.naturalWidth", shown.element_handle()) == 800
    expect(phone.get_by_text("站在车头正前方5米，拍清两车和车道线").first).to_be_visible()
    shot(phone, "h5-guide-slot-examples")
