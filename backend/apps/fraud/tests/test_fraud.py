from datetime import timedelta

from django.utils import timezone

from apps.alerts.models import Alert
from apps.fraud.models import FraudWarning
from conftest import make_submitted_case


def submit(owner_client, adcode, plates, key, days_ago=0):
    occurred = (timezone.localtime() - timedelta(days=days_ago, minutes=10)).replace(microsecond=0)
    return make_submitted_case(owner_client(), adcode, key=key, plates=plates, occurred=occurred)


def test_third_accident_in_a_year_raises_a_warning(demo, owner_client, staff):
    submit(owner_client, "451022", ("桂L66666", "桂L00001"), "a", days_ago=3)
    second = submit(owner_client, "451002", ("桂Ｌ６６６６６", "桂L00002"), "b", days_ago=1)  # full-width
    assert second["fraud_warnings"] == [] and not FraudWarning.objects.exists()
    third = submit(owner_client, "451082", ("桂l· 66666", "桂L00003"), "c")
    warning = FraudWarning.objects.get(case_id=third["id"])
    assert warning.plate == "桂L66666" and warning.count == 3 and warning.active
    assert Alert.objects.filter(type="fraud.warning", case_id=third["id"]).exists()

    pingguo = staff("pingguo_officer")
    detail = pingguo.get(f"/api/v1/cases/{third['id']}").json()
    assert [w["plate"] for w in detail["fraud_warnings"]] == ["桂L66666"]
    listed = pingguo.get("/api/v1/fraud/warnings").json()["results"]
    assert [w["id"] for w in listed] == [warning.pk]
    # The history spans other counties but carries no personal data from them.
    history = pingguo.get(f"/api/v1/fraud/warnings/{warning.pk}/history").json()
    assert history["count"] == 2
    assert {h["county"] for h in history["cases"]} == {"田东县交警大队", "右江区交警大队"}
    assert "1380013" not in str(history) and "张三" not in str(history) and "receipt" not in str(history)
    # 田东 does not see 平果's warning.
    assert staff("tiandong_officer").get("/api/v1/fraud/warnings").json()["results"] == []
    assert staff("tiandong_officer").get(f"/api/v1/fraud/warnings/{warning.pk}/history").status_code == 404


def test_voided_cases_do_not_count(demo, owner_client, staff):
    first = submit(owner_client, "451082", ("桂L77777", "桂L00011"), "a", days_ago=2)
    submit(owner_client, "451082", ("桂L77777", "桂L00012"), "b", days_ago=1)
    officer = staff("pingguo_officer")
    assert officer.post(f"/api/v1/cases/{first['id']}/void", {"reason": "重复报案"}, format="json").status_code == 200
    third = submit(owner_client, "451082", ("桂L77777", "桂L00013"), "c")
    assert not FraudWarning.objects.filter(case_id=third["id"]).exists()


def test_voiding_a_contributing_case_clears_the_warning(demo, owner_client, staff):
    a = submit(owner_client, "451082", ("桂L88888", "桂L00021"), "a", days_ago=2)
    submit(owner_client, "451082", ("桂L88888", "桂L00022"), "b", days_ago=1)
    c = submit(owner_client, "451082", ("桂L88888", "桂L00023"), "c")
    assert FraudWarning.objects.get(case_id=c["id"]).active
    staff("pingguo_officer").post(f"/api/v1/cases/{a['id']}/void", {"reason": "无效照片"}, format="json")
    warning = FraudWarning.objects.get(case_id=c["id"])
    assert warning.count == 2 and not warning.active
    assert staff("pingguo_officer").get(f"/api/v1/cases/{c['id']}").json()["fraud_warnings"] == []


def test_accidents_outside_the_window_do_not_count(demo, owner_client):
    from apps.cases.models import Party

    old = submit(owner_client, "451082", ("桂L99999", "桂L00031"), "a")
    Party.objects.filter(case_id=old["id"]).update(occurred_at=timezone.now() - timedelta(days=400))
    submit(owner_client, "451082", ("桂L99999", "桂L00032"), "b")
    third = submit(owner_client, "451082", ("桂L99999", "桂L00033"), "c")
    assert not FraudWarning.objects.filter(case_id=third["id"]).exists()


def test_dispatch_to_the_nearest_station_is_recorded_and_alerts_it(demo, owner_client, staff):
    for key in ("a", "b", "c"):
        case = submit(owner_client, "451082", ("桂L55555", f"桂L0004{key.upper()}"), key)
    warning = FraudWarning.objects.get(case_id=case["id"])
    officer = staff("pingguo_officer")
    listed = officer.get("/api/v1/fraud/warnings").json()["results"][0]
    station = listed["suggested_station"]
    assert station["name"] == "平果市马头派出所" and station["distance_m"] > 0
    response = officer.post(f"/api/v1/fraud/warnings/{warning.pk}/dispatch", {"station": station["id"]}, format="json")
    assert response.status_code == 200
    assert response.json()["dispatch"]["station"] == "平果市马头派出所"
    assert Alert.objects.filter(type="fraud.dispatch", unit_id=station["id"]).exists()
    assert staff("pingguo_leader").post(f"/api/v1/fraud/warnings/{warning.pk}/dispatch", {"station": station["id"]},
                                        format="json").status_code == 403


def test_the_window_query_matches_the_rule_at_the_window_edges(demo, owner_client):
    """`signals.window_rows` is plain SQL for speed: it must pick exactly the parties the rule names,
    at both ends of the window and with the case's time in local (+08:00) or UTC form."""
    from zoneinfo import ZoneInfo

    from django.db.models import Q

    from apps.cases.models import Case, Party
    from apps.fraud import signals
    from apps.system.parameters import params

    window = params.get("fraud_window_days")
    me = Case.objects.get(pk=submit(owner_client, "451082", ("桂L55501", "桂L55502"), "me")["id"])
    at = me.occurred_at
    others = Case.objects.get(pk=submit(owner_client, "451082", ("桂L55503", "桂L55504"), "o")["id"])
    offsets = [timedelta(days=window, seconds=-1), timedelta(days=window), timedelta(days=window, seconds=1),
               timedelta(0), timedelta(minutes=-5), timedelta(minutes=-5, seconds=-1), timedelta(days=400)]
    made = []
    for i, back in enumerate(offsets):
        made.append(Party.objects.create(
            case=others, index=10 + i, plate="桂L55501" if i % 2 else "桂L99990", plate_normalized="桂L55501" if i % 2 else "桂L99990",
            phone="13800138000" if i % 2 == 0 else "13700137000", counts_for_fraud=True, occurred_at=at - back))
    Party.objects.create(case=others, index=30, plate="桂L55501", plate_normalized="桂L55501", counts_for_fraud=False,
                         occurred_at=at)
    parties = list(me.parties.all())
    expected = set(
        Party.objects.filter(counts_for_fraud=True, occurred_at__gt=at - timedelta(days=window),
                             occurred_at__lte=at + timedelta(minutes=5))
        .filter(Q(plate_normalized__in=[p.plate_normalized for p in parties]) | Q(phone__in=[p.phone for p in parties]))
        .exclude(case_id=me.pk).values_list("case_id", "plate_normalized", "phone")
    )
    assert expected, "the fixture must put some parties inside the window"
    assert len(expected) < len(made), "and some outside"
    for form in (at.astimezone(ZoneInfo("Asia/Shanghai")), at.astimezone(ZoneInfo("UTC"))):
        me.occurred_at = form
        assert set(signals.window_rows(me, parties)) == expected


def test_dispatch_and_suggestion_stay_inside_the_units_scope(demo, owner_client, staff):
    """An alert to another county's station would reach that county's officers with this case's data."""
    from apps.cases.models import Case
    from apps.units.models import Unit, UnitKind

    for key in ("a", "b", "c"):
        case = submit(owner_client, "451082", ("桂L56565", f"桂L0005{key.upper()}"), key)
    warning = FraudWarning.objects.get(case_id=case["id"])
    tiandong = Unit.objects.get(adcode="451022", kind=UnitKind.COUNTY)
    foreign = Unit.objects.filter(kind=UnitKind.STATION, tree_id=tiandong.tree_id, lft__gt=tiandong.lft,
                                  rght__lt=tiandong.rght).first()
    # Put the 田东 station right at the accident: it is the nearest, yet not the one suggested.
    at = Case.objects.get(pk=case["id"])
    Unit.objects.filter(pk=foreign.pk).update(lng=at.gcj_lng, lat=at.gcj_lat)
    officer = staff("pingguo_officer")
    suggested = officer.get("/api/v1/fraud/warnings").json()["results"][0]["suggested_station"]
    assert suggested["id"] != foreign.pk and suggested["name"].startswith("平果")

    refused = officer.post(f"/api/v1/fraud/warnings/{warning.pk}/dispatch", {"station": foreign.pk}, format="json")
    assert refused.status_code == 400 and "辖区" in refused.json()["detail"]
    warning.refresh_from_db()
    assert warning.dispatched_station_id is None
    assert not Alert.objects.filter(type="fraud.dispatch").exists()
    # The city admin's scope holds every county.
    allowed = staff("admin").post(f"/api/v1/fraud/warnings/{warning.pk}/dispatch", {"station": foreign.pk}, format="json")
    assert allowed.status_code == 200


def test_the_threshold_and_window_parameters_change_the_rule(demo, owner_client, staff):
    """A city admin tightens the rule to 2 accidents in 30 days: the second accident is warned, one
    40 days back no longer counts."""
    admin = staff("admin")
    for key, value in (("fraud_threshold", 2), ("fraud_window_days", 30)):
        assert admin.patch(f"/api/v1/system/parameters/{key}", {"value": value}, format="json").status_code == 200

    from apps.cases.models import Party

    old = submit(owner_client, "451082", ("桂L57575", "桂L00061"), "a")
    Party.objects.filter(case_id=old["id"]).update(occurred_at=timezone.now() - timedelta(days=40))
    second = submit(owner_client, "451082", ("桂L57575", "桂L00062"), "b")
    assert not FraudWarning.objects.filter(case_id=second["id"]).exists()  # the first is outside 30 days
    third = submit(owner_client, "451082", ("桂L57575", "桂L00063"), "c")
    warning = FraudWarning.objects.get(case_id=third["id"], plate="桂L57575")
    assert warning.count == 2 and warning.window_days == 30
