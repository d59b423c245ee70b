"""The driver's H5 (`/h5/`) on a phone, in a real browser against the real server.

WeChat is not configured on the test server, so even with a WeChat user agent the app falls back to a
demo owner identity and to the browser's geolocation (a point inside 平果市, given in WGS-84).
"""

import hashlib
import random
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from .conftest import Api, jpeg, shot

pytestmark = pytest.mark.e2e

WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 MicroMessenger/8.0.50(0x1800322d) NetType/WIFI Language/zh_CN")
PINGGUO_WGS84 = {"longitude": 107.5838, "latitude": 23.3317, "accuracy": 12}
SCENE_SLOTS = ("正前方全景", "正后方全景", "碰擦点近景")
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def phone_page(new_context):
    context = new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True,
                          device_scale_factor=2, user_agent=WECHAT_UA, geolocation=PINGGUO_WGS84,
                          permissions=["geolocation"])
    return context, context.pages[0] if context.pages else context.new_page()


def random_plate() -> str:
    return "桂L" + random.choice(PLATE_LETTERS) + "".join(random.choice("0123456789") for _ in range(4))


# The first scene photo is tagged as a phone tags it: stored sideways (orientation 6), with its
# capture time and GPS position. The H5 redraws photos upright; the tags must still reach the server.
EXIF_TAKEN = "2026:11:30 10:15:00"


def phone_exif() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x0132] = EXIF_TAKEN
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (23.0, 19.0, 54.12), 3: "E", 4: (107.0, 35.0, 1.68)})  # 23.3317 N, 107.5838 E
    return exif.tobytes()


def photo_files(tmp_path) -> list:
    paths = []
    for n, color in enumerate(((200, 60, 50), (50, 140, 200), (90, 170, 80))):
        path = tmp_path / f"scene-{n}.jpg"
        path.write_bytes(jpeg(color, size=(1200, 900), exif=phone_exif() if n == 0 else None))
        paths.append(path)
    return paths


def slot(page, label: str):
    return page.locator(".slot").filter(has=page.locator(".title", has_text=label))


def open_home(page, base: str) -> None:
    page.goto(base + "/h5/")
    expect(page.get_by_role("heading", name="快处快赔")).to_be_visible()


def start_report(page) -> None:
    page.get_by_role("button", name=re.compile("我要报案")).click()
    expect(page).to_have_url(re.compile(r"/h5/report/safety$"))


def through_checklist(page) -> None:
    page.get_by_role("button", name="我已做好，下一步").click()
    expect(page).to_have_url(re.compile(r"/report/checklist$"))
    no_buttons = page.get_by_role("radio", name="否")
    expect(no_buttons.first).to_be_visible()
    for i in range(no_buttons.count()):
        no_buttons.nth(i).click()
    expect(page.get_by_role("button", name="都没有，下一步")).to_be_visible()


def through_location(page, address: str = "平果市城区测试路口往东50米") -> None:
    expect(page.get_by_text("平果市交警大队").first).to_be_visible(timeout=20_000)
    page.get_by_placeholder(re.compile("右江区中山二路")).fill(address)


def through_time(page) -> None:
    page.get_by_role("button", name="15分钟前").click()


def upload_scene_photos(page, files) -> None:
    for label, path in zip(SCENE_SLOTS, files, strict=True):
        slot(page, label).locator("input[type=file]:not([capture])").set_input_files(str(path))
    for label in SCENE_SLOTS:
        expect(slot(page, label).get_by_text("✓ 已上传")).to_be_visible(timeout=30_000)


def type_plate(page, index: int, plate: str) -> None:
    page.locator(".plate-field").nth(index).get_by_role("button", name=re.compile("车牌号")).click()
    keyboard = page.get_by_role("group", name="车牌键盘")
    expect(keyboard).to_be_visible()
    for char in plate:
        keyboard.get_by_role("button", name=char, exact=True).click()
    expect(keyboard.locator(".kb-value")).to_have_text(plate)
    keyboard.get_by_role("button", name="完成").click()
    expect(keyboard).to_be_hidden()


def pick(page, cell_title: str, index: int, option: str | None = None) -> None:
    page.locator(".party").nth(index).locator(".van-cell", has_text=cell_title).click()
    picker = page.locator(".van-picker").filter(visible=True)
    expect(picker).to_be_visible()
    if option:
        picker.locator(".van-picker-column__item", has_text=option).first.click()
        page.wait_for_timeout(600)  # the column scrolls to the tapped option
    picker.get_by_role("button", name="确定").click()
    expect(picker).to_be_hidden()


def fill_parties(page, plates, phones, insurer_names) -> None:
    for i, (plate, phone, insurer) in enumerate(zip(plates, phones, insurer_names, strict=True)):
        type_plate(page, i, plate)
        pick(page, "车辆类型", i)
        pick(page, "保险公司", i, insurer)
        page.locator(".party").nth(i).get_by_placeholder("11位手机号").fill(phone)
        page.locator(".party").nth(i).get_by_placeholder("姓名（选填）").fill(f"测试{i + 1}")


def officer_case(base: str, receipt_no: str) -> dict | None:
    officer = Api.staff(base, "pingguo_officer")
    for row in officer.client.get("/cases", params={"receipt_no": receipt_no}).json()["results"]:
        if row["receipt_no"] == receipt_no:
            return officer.client.get(f"/cases/{row['id']}").json()
    return None


def test_driver_completes_a_report_with_real_photos(server_url, new_context, tmp_path):
    _, page = phone_page(new_context)
    open_home(page, server_url)
    start_report(page)
    expect(page.get_by_role("heading", name="先保证人身安全")).to_be_visible()
    shot(page, "h5-1-safety")

    through_checklist(page)
    shot(page, "h5-2-checklist")
    page.get_by_role("button", name="都没有，下一步").click()

    expect(page).to_have_url(re.compile(r"/report/location$"))
    through_location(page)
    expect(page.get_by_text("已定位")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "h5-3-location")
    page.get_by_role("button", name="地点没问题，下一步").click()

    expect(page).to_have_url(re.compile(r"/report/time$"))
    through_time(page)
    shot(page, "h5-4-time")
    page.get_by_role("button", name="时间没问题，下一步").click()

    expect(page).to_have_url(re.compile(r"/report/photos$"))
    upload_scene_photos(page, photo_files(tmp_path))
    slot(page, SCENE_SLOTS[0]).scroll_into_view_if_needed()
    shot(page, "h5-5-photos")
    page.get_by_role("button", name="照片拍好了，下一步").click()

    expect(page).to_have_url(re.compile(r"/report/parties$"))
    insurers = Api.owner(server_url).client.get("/insurers").json()
    names = [insurers[0]["name"], insurers[1]["name"]]
    plates = [random_plate(), random_plate()]
    phones = ["13900139001", "13900139002"]
    fill_parties(page, plates, phones, names)
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "h5-6-parties")
    page.get_by_role("button", name="信息填好了，下一步").click()

    expect(page).to_have_url(re.compile(r"/report/review$"))
    expect(page.get_by_text("✓ 已上传")).to_have_count(3)
    for plate in plates:
        expect(page.get_by_text(plate)).to_be_visible()
    shot(page, "h5-7-review")
    page.get_by_role("button", name="确认无误，提交报案").click()
    page.get_by_role("button", name="确认提交").click()

    expect(page).to_have_url(re.compile(r"/report/receipt/\d+"))
    receipt_no = page.locator(".number").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9-]{6,}", receipt_no), receipt_no
    expect(page.get_by_text("平果市交警大队").first).to_be_visible()
    expect(page.locator(".van-toast").filter(visible=True)).to_have_count(0)
    shot(page, "h5-8-receipt")

    case = officer_case(server_url, receipt_no)
    assert case is not None, "the officer of 平果 does not see the case"
    assert case["status"] == "submitted"
    assert "平果" in case["unit"]["name"]
    scene = [m for m in case["media"] if m["slot"] in ("scene_front", "scene_rear", "scene_contact")]
    assert sorted(m["slot"] for m in scene) == ["scene_contact", "scene_front", "scene_rear"]
    front = next(m for m in scene if m["slot"] == "scene_front")
    rear = next(m for m in scene if m["slot"] == "scene_rear")
    # An upright JPEG within the limits goes up as the camera wrote it: the same bytes.
    assert rear["sha256"] == hashlib.sha256(photo_files(tmp_path)[1].read_bytes()).hexdigest()
    # A sideways one is redrawn upright (portrait), with the capture time and place kept.
    assert front["height"] > front["width"]
    assert front["exif_taken_at"] and front["exif_taken_at"].startswith("2026-11-30T10:15:00")
    assert abs(front["exif_lng"] - 107.5838) < 1e-3 and abs(front["exif_lat"] - 23.3317) < 1e-3
    assert [p["plate"] for p in sorted(case["parties"], key=lambda p: p["index"])] == plates
    assert {p["insurer_label"] for p in case["parties"]} == set(names)

    # Home offers the new receipt, no half-done report.
    page.get_by_role("button", name="回到首页").click()
    expect(page.get_by_text(receipt_no)).to_be_visible()
    expect(page.get_by_role("button", name="继续上次的报案")).to_have_count(0)


def test_reload_mid_wizard_resumes_with_data_intact(server_url, new_context, tmp_path):
    _, page = phone_page(new_context)
    open_home(page, server_url)
    start_report(page)
    through_checklist(page)
    page.get_by_role("button", name="都没有，下一步").click()
    through_location(page, "平果市中心路与解放路口")
    page.get_by_role("button", name="地点没问题，下一步").click()
    through_time(page)
    shown_time = page.locator(".shown .value").inner_text()
    page.get_by_role("button", name="时间没问题，下一步").click()
    expect(page).to_have_url(re.compile(r"/report/photos$"))
    files = photo_files(tmp_path)
    slot(page, SCENE_SLOTS[0]).locator("input[type=file]:not([capture])").set_input_files(str(files[0]))
    expect(slot(page, SCENE_SLOTS[0]).get_by_text("✓ 已上传")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("已保存")).to_be_visible(timeout=10_000)

    page.reload()
    expect(page).to_have_url(re.compile(r"/report/photos$"))
    expect(slot(page, SCENE_SLOTS[0]).get_by_text("✓ 已上传")).to_be_visible()
    expect(slot(page, SCENE_SLOTS[0]).locator("img.preview")).to_be_visible()

    # From the home page, too: the report is offered, and it opens where the driver was.
    open_home(page, server_url)
    expect(page.get_by_text("您有一份没提交的报案")).to_be_visible()
    expect(page.get_by_text("填到：现场照片", exact=False)).to_be_visible()
    shot(page, "h5-resume")
    page.get_by_role("button", name="继续上次的报案").click()
    expect(page).to_have_url(re.compile(r"/report/photos$"))
    expect(slot(page, SCENE_SLOTS[0]).get_by_text("✓ 已上传")).to_be_visible()
    page.get_by_text("上一步").click()
    expect(page).to_have_url(re.compile(r"/report/time$"))
    expect(page.locator(".shown .value")).to_have_text(shown_time)
    page.get_by_text("上一步").click()
    expect(page).to_have_url(re.compile(r"/report/location$"))
    expect(page.get_by_placeholder(re.compile("右江区中山二路"))).to_have_value("平果市中心路与解放路口")


def test_failed_upload_is_retried(server_url, new_context, tmp_path):
    _, page = phone_page(new_context)
    attempts = []

    def flaky(route):
        attempts.append(route.request.url)
        if len(attempts) == 1:
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/owner/cases/*/media", flaky)
    open_home(page, server_url)
    start_report(page)
    through_checklist(page)
    page.get_by_role("button", name="都没有，下一步").click()
    through_location(page)
    page.get_by_role("button", name="地点没问题，下一步").click()
    through_time(page)
    page.get_by_role("button", name="时间没问题，下一步").click()
    front = slot(page, SCENE_SLOTS[0])
    front.locator("input[type=file]:not([capture])").set_input_files(str(photo_files(tmp_path)[0]))
    # Either the automatic retry gets it through, or the driver taps 重新上传.
    done = front.get_by_text("✓ 已上传")
    retry = front.get_by_role("button", name="重新上传")
    expect(done.or_(retry)).to_be_visible(timeout=30_000)
    if retry.is_visible():
        shot(page, "h5-upload-failed")
        retry.click()
    expect(done).to_be_visible(timeout=30_000)
    assert len(attempts) >= 2
    expect(front.get_by_text("上传失败")).to_have_count(0)


def test_checklist_yes_sends_the_driver_to_122(server_url, new_context):
    admin = Api.staff(server_url, "admin")
    before = [c["id"] for c in admin.client.get("/cases").json()["results"]]
    _, page = phone_page(new_context)
    open_home(page, server_url)
    start_report(page)
    page.get_by_role("button", name="我已做好，下一步").click()
    expect(page.get_by_role("radio", name="是").first).to_be_visible()
    page.get_by_role("radio", name="是").first.click()

    expect(page).to_have_url(re.compile(r"/report/call-122$"))
    expect(page.get_by_role("heading", name="请立即拨打 122 报警")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("拨打 122"))).to_have_attribute("href", "tel:122")
    expect(page.get_by_text("本次没有提交任何信息。")).to_be_visible()
    shot(page, "h5-call-122")

    # Nothing reached the police: no new case for anyone, and this owner has nothing submitted.
    assert [c["id"] for c in admin.client.get("/cases").json()["results"]] == before
    token = page.evaluate("localStorage.getItem('kckp.ownerToken')")
    assert token
    own = Api(server_url, token).client.get("/owner/cases").json()
    own = own["results"] if isinstance(own, dict) else own
    assert [c for c in own if c["status"] != "draft"] == []
    officer_ids = {c["id"] for c in Api.staff(server_url, "pingguo_officer").client.get("/cases").json()["results"]}
    assert not officer_ids & {c["id"] for c in own}
    # The steps past the checklist stay closed.
    page.goto(server_url + "/h5/report/photos")
    expect(page).to_have_url(re.compile(r"/report/checklist$"))


def test_tracking_shows_the_officers_decision(server_url, new_context):
    case = Api.owner(server_url).submit_case(plates=(random_plate(), random_plate()))

    # The officer decides it in the admin app, in a second browser.
    admin_page = new_context(viewport={"width": 1366, "height": 768}).new_page()
    admin_page.goto(server_url + "/admin/login")
    admin_page.get_by_placeholder("用户名").fill("pingguo_officer")
    admin_page.get_by_placeholder("密码").fill("Demo@2026")
    admin_page.get_by_placeholder("密码").press("Enter")
    expect(admin_page).not_to_have_url(re.compile(r"/login"))
    admin_page.goto(f"{server_url}/admin/cases/{case['id']}")
    expect(admin_page.get_by_text(case["receipt_no"]).first).to_be_visible()
    admin_page.get_by_role("button", name="接单").click()
    admin_page.get_by_role("button", name="适用快处快赔").first.click()
    admin_page.get_by_role("button", name="确认认定").click()
    expect(admin_page.get_by_text("适用快处快赔").first).to_be_visible()
    officer = Api.staff(server_url, "pingguo_officer")
    assert officer.client.get(f"/cases/{case['id']}").json()["status"] == "accepted"

    _, page = phone_page(new_context)
    open_home(page, server_url)
    page.get_by_role("link", name=re.compile("进度查询")).click()
    expect(page).to_have_url(re.compile(r"/h5/track"))
    page.get_by_placeholder("提交报案后得到的受理号").fill(case["receipt_no"])
    page.get_by_placeholder("报案时登记的手机号后4位").fill("0001")
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".badge")).to_have_text("适用快处快赔")
    expect(page.get_by_role("heading", name="处理经过")).to_be_visible()
    expect(page.locator(".timeline li")).not_to_have_count(0)
    expect(page.get_by_text("平果市交警大队").first).to_be_visible()
    page.locator(".status-card").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, document.querySelector('.status-card').getBoundingClientRect().top - 60)")
    shot(page, "h5-track")

    # A wrong phone number finds nothing.
    page.get_by_placeholder("报案时登记的手机号后4位").fill("9999")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("没有查到")).to_be_visible()


def test_guide_categories_and_an_article(server_url, new_context):
    public = Api(server_url).client
    categories = public.get("/guide/categories").json()
    category = next(c for c in categories if c["article_count"] > 0)
    article = public.get("/guide/articles", params={"category": category["code"]}).json()[0]

    _, page = phone_page(new_context)
    open_home(page, server_url)
    page.get_by_role("link", name=re.compile("操作指南")).click()
    expect(page).to_have_url(re.compile(r"/h5/guide$"))
    for c in categories:
        expect(page.get_by_text(c["name"], exact=True)).to_be_visible()
    shot(page, "h5-guide")
    page.get_by_text(category["name"], exact=True).click()
    expect(page).to_have_url(re.compile(rf"/h5/guide/category/{category['code']}"))
    page.get_by_text(article["title"], exact=True).click()
    expect(page).to_have_url(re.compile(rf"/h5/guide/articles/{article['id']}$"))
    expect(page.get_by_role("heading", name=article["title"])).to_be_visible()
    expect(page.locator(".body")).not_to_be_empty()
    shot(page, "h5-guide-article")


def test_outside_wechat_an_owner_page_says_open_in_wechat(wechat_server_url, new_context):
    # An ordinary phone browser (a link from an SMS) on the narrowest common screen.
    context = new_context(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True,
                          device_scale_factor=2, permissions=["clipboard-read", "clipboard-write"])
    page = context.pages[0] if context.pages else context.new_page()
    open_home(page, wechat_server_url)
    page.get_by_role("link", name=re.compile("我的案件")).click()

    expect(page.get_by_role("heading", name="请在微信中打开")).to_be_visible()
    expect(page.get_by_text("请从“百色交警”公众号菜单进入。")).to_be_visible()
    expect(page.get_by_text("在微信里关注“百色交警”公众号")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    shot(page, "h5-open-in-wechat")
    page.get_by_role("button", name="复制链接").click()
    expect(page.get_by_text("已复制").first).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()").endswith("/h5/cases")
    assert page.evaluate("localStorage.getItem('kckp.ownerToken')") is None

    # The report flow says the same; tracking by receipt number still works.
    open_home(page, wechat_server_url)
    start_report(page)
    expect(page.get_by_role("heading", name="请在微信中打开")).to_be_visible()
    page.get_by_text("进度查询", exact=True).click()
    expect(page).to_have_url(re.compile(r"/h5/track$"))
    expect(page.get_by_placeholder("提交报案后得到的受理号")).to_be_visible()
