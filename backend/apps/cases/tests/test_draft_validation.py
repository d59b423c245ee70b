"""parse_draft against DraftInput, the DRF serializer it replaces on the write path.

For every payload both must agree: the same validated data (types, key order and which keys are present
included), or a ValidationError with the same detail (messages, codes, key order, int keys for parties),
or, where DraftInput lets an exception other than ValidationError escape, the same exception.
"""

import copy
import json
import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.fields import BooleanField

from apps.cases.checklist import CHECKLIST_KEYS
from apps.cases.models import VehicleType
from apps.cases.validation import MAX_PARTIES, DraftInput, parse_draft
from apps.common.exceptions import _flatten
from apps.insurers.models import InsuranceCompany

pytestmark = pytest.mark.django_db

CN = ZoneInfo("Asia/Shanghai")
NOW = datetime.now(CN).replace(microsecond=0)
DELETE = object()


def drf(payload):
    serializer = DraftInput(data=payload)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def canon(value):
    """A form in which == also tells apart 1 / 1.0 / True, "0" / 0 keys, key order and error codes."""
    if isinstance(value, dict):
        return ["dict", [[repr(key), canon(item)] for key, item in value.items()]]
    if isinstance(value, list):
        return ["list", [canon(item) for item in value]]
    if isinstance(value, ErrorDetail):
        return ["error", str(value), value.code]
    if isinstance(value, InsuranceCompany):
        return ["insurer", value.pk]
    if isinstance(value, datetime):
        return ["datetime", value.isoformat(), str(value.tzinfo)]
    if isinstance(value, float) and math.isnan(value):
        return ["float", "nan"]
    return [type(value).__name__, value]


def outcome(validate, payload) -> list:
    try:
        return ["valid", canon(validate(payload))]
    except ValidationError as exc:
        return ["invalid", canon(exc.detail)]
    except Exception as exc:  # noqa: BLE001 - e.g. parse_datetime's ValueError: both must fail alike
        return ["raised", type(exc).__name__, str(exc)]


def assert_agree(payload) -> list:
    expected = outcome(drf, copy.deepcopy(payload))
    actual = outcome(parse_draft, copy.deepcopy(payload))
    assert actual == expected, f"payload={payload!r}"
    return actual


def base() -> dict:
    """A typical two-party draft, like bench/load.py::draft_body."""
    return {
        "checklist": {key: False for key in CHECKLIST_KEYS},
        "location": {"lng": 107.589, "lat": 23.329, "coord_system": "gcj02", "address": "百色市 压测路"},
        "occurred_at": (NOW - timedelta(minutes=20)).isoformat(),
        "parties": [
            {"plate": "桂L12345", "vehicle_type": "small_car", "insurer": "picc", "phone": "13812345678", "driver_name": "张三"},
            {
                "plate": "桂LD12345",
                "vehicle_type": "small_car",
                "insurer": "pingan",
                "phone": "13987654321",
                "driver_name": "李四",
            },
        ],
    }


def edit(*path_and_value) -> dict:
    """base() with the value at `path` replaced (or removed, with DELETE): edit("location", "lng", "x")."""
    *path, value = path_and_value
    payload = base()
    target = payload
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return payload


def party(**fields) -> dict:
    return {"parties": [fields]}


LONG = "长" * 41
OLD = (NOW - timedelta(days=30)).isoformat()
FUTURE = (NOW + timedelta(days=1)).isoformat()

VALID = {
    "typical": base(),
    "empty": {},
    "one_field_each": {"checklist": {"injury": True}},
    "location_null": {"location": None},
    "occurred_at_null": {"occurred_at": None},
    "parties_empty": {"parties": []},
    "party_empty": {"parties": [{}, {}]},
    "twenty_parties": {"parties": [{}] * MAX_PARTIES},
    "wgs84": edit("location", "coord_system", "wgs84"),
    "no_address": edit("location", "address", DELETE),
    "detail_and_blank_address": edit(
        "location", {"lng": 107, "lat": 23, "coord_system": "gcj02", "address": "", "detail": "  桥下  "}
    ),
    "address_only_spaces": edit("location", "address", " \t\n "),
    "coords_as_strings": edit("location", {"lng": " 107.5 ", "lat": "2.3e1", "coord_system": "gcj02"}),
    "coords_as_ints": edit("location", {"lng": 107, "lat": 23, "coord_system": "gcj02"}),
    "coords_with_underscore": edit("location", {"lng": "1_07", "lat": "23", "coord_system": "gcj02"}),
    "bools_as_strings": {
        "checklist": {
            "injury": "true",
            "no_plate": "False",
            "no_licence": "1",
            "drunk_or_drugs": "0",
            "cannot_move": "YES",
            "property_damage": "n",
            "suspected_fraud": "On",
            "disputed": "off",
        }
    },
    "bools_as_numbers": {
        "checklist": {
            "injury": 1,
            "no_plate": 0,
            "no_licence": 1.0,
            "drunk_or_drugs": 0.0,
            "cannot_move": "t",
            "property_damage": "F",
        }
    },
    "checklist_empty": {"checklist": {}},
    "occurred_at_naive": edit("occurred_at", (NOW - timedelta(hours=1)).replace(tzinfo=None).isoformat()),
    "occurred_at_utc_z": edit(
        "occurred_at", (NOW - timedelta(hours=1)).astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
    ),
    "occurred_at_space_separator": edit("occurred_at", (NOW - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S")),
    "occurred_at_padded": edit("occurred_at", "  " + (NOW - timedelta(hours=2)).isoformat() + " "),
    "occurred_at_microseconds": edit("occurred_at", (NOW - timedelta(hours=2, microseconds=5)).isoformat()),
    "plate_lower_case": edit("parties", 0, "plate", "桂l12345"),
    "plate_with_spaces": edit("parties", 0, "plate", " 桂L 123 45 "),
    "plate_with_dot_and_full_width": edit("parties", 0, "plate", "桂Ｌ·１２３４５"),
    "plate_coach": edit("parties", 0, "plate", "桂L1234学"),
    "plate_blank": edit("parties", 0, "plate", "   "),
    "phone_with_prefix_and_dashes": edit("parties", 0, "phone", "+86 138-1234-5678"),
    "phone_landline": edit("parties", 0, "phone", "0776-2822222"),
    "phone_blank": edit("parties", 0, "phone", ""),
    "insurer_blank": edit("parties", 0, "insurer", ""),
    "insurer_null": edit("parties", 0, "insurer", None),
    "insurer_padded": edit("parties", 0, "insurer", "  cpic "),
    "other_insurer_name": edit("parties", 0, {"insurer": None, "insurer_name": "  某某财险  "}),
    "vehicle_type_blank": edit("parties", 0, "vehicle_type", ""),
    "every_vehicle_type": {"parties": [{"vehicle_type": value} for value in VehicleType.values]},
    "index_variants": {
        "parties": [
            {"index": 0},
            {"index": "1"},
            {"index": 2.0},
            {"index": "3.0"},
            {"index": " 4 "},
            {"index": "5.  "},
            {"index": "1_0"},
        ]
    },
    "numbers_as_strings": party(driver_name=123, insurer_name=1.5, phone=13812345678),
    "driver_name_at_max_length": party(driver_name="名" * 30),
    "address_at_max_length_once_trimmed": edit("location", "address", " " * 50 + "路" * 200 + " " * 50),
}

INVALID = {
    # not a dict at all
    "body_null": None,
    "body_list": [base()],
    "body_string": "checklist",
    "body_empty_string": "",
    "body_int": 1,
    "body_bool": True,
    # unknown keys, at each level (sorted, and refused before any field is looked at)
    "unknown_root_keys": {**base(), "zeta": 1, "alpha": None, "occurred_at": "garbage"},
    "unknown_location_key": edit("location", "province", "广西"),
    "unknown_party_key": edit("parties", 1, "colour", "红"),
    "unknown_keys_in_two_parties": {"parties": [{"x": 1}, {}, {"plate": "bad", "y": 2}]},
    # checklist
    "checklist_null": {"checklist": None},
    "checklist_list": {"checklist": ["injury"]},
    "checklist_string": {"checklist": "injury"},
    "checklist_bad_bools": {
        "checklist": {
            "injury": "maybe",
            "no_plate": None,
            "no_licence": [],
            "disputed": 2,
            "cannot_move": "null",
            "drunk_or_drugs": "",
            "property_damage": 0.5,
        }
    },
    "checklist_unknown_item": {"checklist": {"injury": False, "speeding": True, "aliens": False}},
    "checklist_unknown_and_bad": {"checklist": {"speeding": "nope"}},
    # location
    "location_list": {"location": [107.5, 23.3]},
    "location_string": {"location": "百色"},
    "location_empty": {"location": {}},
    "location_nulls": {"location": {"lng": None, "lat": None, "coord_system": None, "address": None, "detail": None}},
    "lng_garbage": edit("location", "lng", "东经107度"),
    "lng_empty_string": edit("location", "lng", ""),
    "lng_list": edit("location", "lng", [107.5]),
    "lng_dict": edit("location", "lng", {"v": 1}),
    "lng_nan_string": edit("location", "lng", "NaN"),
    "lng_inf_string": edit("location", "lng", "-Infinity"),
    "lng_nan_float": edit("location", "lng", float("nan")),
    "lat_inf_float": edit("location", "lat", float("inf")),
    "lng_huge_int": edit("location", "lng", 10**400),
    "lng_long_string": edit("location", "lng", "1" * 1001),
    "lng_bool": edit("location", "lng", True),
    "lng_out_of_range": edit("location", "lng", 200),
    "lat_out_of_range": edit("location", "lat", -90.5),
    "outside_china": edit("location", {"lng": 2.35, "lat": 48.85, "coord_system": "wgs84"}),
    "null_island": edit("location", {"lng": 0, "lat": 0, "coord_system": "wgs84"}),
    "coord_system_unknown": edit("location", "coord_system", "bd09"),
    "coord_system_upper_case": edit("location", "coord_system", "GCJ02"),
    "coord_system_padded": edit("location", "coord_system", " gcj02"),
    "coord_system_blank": edit("location", "coord_system", ""),
    "coord_system_number": edit("location", "coord_system", 84),
    "address_too_long": edit("location", "address", "路" * 201),
    "address_types": edit("location", {"lng": 107, "lat": 23, "coord_system": "gcj02", "address": True, "detail": ["a"]}),
    "address_nul_and_surrogate": edit(
        "location",
        {"lng": 107, "lat": 23, "coord_system": "gcj02", "address": "路\x00口", "detail": "x\udfffy\ud800" + "z" * 300},
    ),
    # occurred_at
    "occurred_at_empty": edit("occurred_at", ""),
    "occurred_at_spaces": edit("occurred_at", "   "),
    "occurred_at_garbage": edit("occurred_at", "昨天下午"),
    "occurred_at_date_only_old": edit("occurred_at", "2020-01-01"),
    "occurred_at_future": edit("occurred_at", FUTURE),
    "occurred_at_too_old": edit("occurred_at", OLD),
    "occurred_at_naive_future": edit("occurred_at", (NOW + timedelta(hours=2)).replace(tzinfo=None).isoformat()),
    "occurred_at_too_long": edit("occurred_at", LONG),
    "occurred_at_number": edit("occurred_at", 12345.5),
    "occurred_at_bool": edit("occurred_at", False),
    "occurred_at_list": edit("occurred_at", [NOW.isoformat()]),
    # Well-formed but impossible: a clear 400 like any other bad time, not parse_datetime's ValueError.
    "occurred_at_impossible_date": edit("occurred_at", "2026-02-30T10:00:00"),
    # parties
    "parties_null": {"parties": None},
    "parties_dict": {"parties": {"0": {}}},
    "parties_string": {"parties": "两方"},
    "parties_too_many": {"parties": [{}] * (MAX_PARTIES + 1)},
    "party_not_a_dict": {"parties": [None, "甲", 1, [], {}]},
    "plate_bad": edit("parties", 0, "plate", "ABC123"),
    "plate_too_long": edit("parties", 0, "plate", "桂L12345678901234"),
    "plate_null": edit("parties", 0, "plate", None),
    "plate_bool": edit("parties", 0, "plate", True),
    "plate_number": edit("parties", 0, "plate", 12345),
    "vehicle_type_unknown": edit("parties", 0, "vehicle_type", "bus"),
    "vehicle_type_upper_case": edit("parties", 0, "vehicle_type", "SMALL_CAR"),
    "vehicle_type_padded": edit("parties", 0, "vehicle_type", " small_car"),
    "vehicle_type_spaces": edit("parties", 0, "vehicle_type", "  "),
    "vehicle_type_null": edit("parties", 0, "vehicle_type", None),
    "insurer_unknown": edit("parties", 0, "insurer", "no-such-company"),
    "insurer_name_as_code": edit("parties", 1, "insurer", "人保财险"),
    "insurer_list": edit("parties", 0, "insurer", ["picc"]),
    "insurer_too_long": edit("parties", 0, "insurer", "p" * 31),
    "insurer_name_too_long": edit("parties", 0, "insurer_name", "保" * 61),
    "phone_bad": edit("parties", 0, "phone", "12345"),
    "phone_null": edit("parties", 1, "phone", None),
    "phone_too_long": edit("parties", 0, "phone", "1" * 21),
    "driver_name_too_long": edit("parties", 0, "driver_name", "名" * 31),
    "driver_name_dict": edit("parties", 0, "driver_name", {"name": "张三"}),
    "index_negative": party(index=-1),
    "index_negative_string": party(index="-1"),
    "index_fraction": party(index=1.5),
    "index_garbage": party(index="第一"),
    "index_bool": party(index=True),
    "index_null": party(index=None),
    "index_long_string": party(index="1" * 1001),
    "index_nan": party(index=float("nan")),
    "errors_in_first_and_third_party": {"parties": [{"plate": "bad", "phone": "bad"}, {}, {"vehicle_type": "bus"}]},
    "every_party_field_wrong": party(
        plate="x", vehicle_type="x", insurer="x", insurer_name="x" * 61, phone="x", driver_name="x" * 31, index="x"
    ),
    # several top-level fields wrong at once: all reported, in declaration order
    "everything_wrong": {"parties": "x", "occurred_at": "", "location": {"lng": "x"}, "checklist": {"injury": "x"}},
}


@pytest.mark.parametrize("payload", list(VALID.values()), ids=list(VALID))
def test_valid_payloads_agree(payload):
    assert assert_agree(payload)[0] == "valid"


@pytest.mark.parametrize("payload", list(INVALID.values()), ids=list(INVALID))
def test_invalid_payloads_agree(payload):
    assert assert_agree(payload)[0] == "invalid"


def test_an_impossible_date_is_a_clear_400(demo, owner_client):
    response = owner_client().post("/api/v1/owner/cases", {"occurred_at": "2026-02-30T10:00:00"}, format="json")
    assert response.status_code == 400, response.content
    assert "事故时间格式不正确" in response.json()["errors"]["occurred_at"][0]


def test_an_inactive_insurer_is_refused_alike():
    InsuranceCompany.objects.create(code="gone", name="已停业财险", is_active=False)
    assert assert_agree(edit("parties", 0, "insurer", "gone"))[0] == "invalid"


def test_form_encoded_bodies_go_through_the_serializer():
    for body in ("checklist.injury=true&location=", "occurred_at=&parties=x", "foo=1", ""):
        assert_agree(QueryDict(body))


def test_the_drf_quirks_are_kept():
    """The surprising parts of DraftInput's behaviour, spelled out."""
    with pytest.raises(ValidationError) as exc:
        parse_draft({"location": {"lng": 107.5, "lat": True, "coord_system": "gcj02"}})  # True is 1.0: not in China
    assert exc.value.detail == {"location": {"non_field_errors": ["事故地点不在中国境内，请重新定位或在地图上选择。"]}}
    with pytest.raises(ValidationError) as exc:
        parse_draft({"occurred_at": ""})  # not allowed blank: "" is not "no time"
    assert exc.value.detail == {"occurred_at": ["该字段不能为空。"]}
    with pytest.raises(ValidationError) as exc:
        parse_draft(None)
    assert exc.value.detail == {"non_field_errors": ["No data provided"]}
    values = parse_draft({"checklist": {"injury": "ON", "disputed": 0.0}, "parties": [{"driver_name": 42, "index": "7.0"}]})
    assert values == {"checklist": {"injury": True, "disputed": False}, "parties": [{"driver_name": "42", "index": 7}]}
    with pytest.raises(ValidationError) as exc:
        parse_draft({"parties": [{}, {"plate": "x"}]})
    assert list(exc.value.detail["parties"]) == [1]  # keyed by the int index


def test_insurers_come_from_the_directory_without_a_query_per_draft():
    payload = base()
    payload["parties"].append({"insurer": "cpic"})
    parse_draft(payload)  # loads the directory and warms the parameter cache (max_accident_age_days)
    with CaptureQueriesContext(connection) as later:
        values = parse_draft(payload)
    assert later.captured_queries == []
    assert values["parties"][-1]["insurer"].code == "cpic"


def test_the_api_answers_with_the_reference_errors(owner_client):
    owner = owner_client()
    payload = edit("parties", 0, "plate", "ABC")
    payload["location"]["lng"] = "x"
    response = owner.post("/api/v1/owner/cases", payload, format="json")
    assert response.status_code == 400
    with pytest.raises(ValidationError) as exc:
        drf(payload)
    assert response.json()["errors"] == json.loads(json.dumps(_flatten(exc.value.detail)))
    assert response.json()["detail"] == "经度必须是数字。"


# --- generated payloads: the real field names, with good values, plausible mistakes and junk ---

SPECIAL_STRINGS = [
    "",
    " ",
    "\t",
    "true",
    "TRUE",
    "False",
    "yes",
    "Y",
    "off",
    "1",
    "0",
    "null",
    "nan",
    "-inf",
    "1e2",
    " 12 ",
    "1_0",
    "3.0",
    "3.",
    "-1",
    "x\x00",
    "\ud800",
    "a\udfff",
    "picc",
    "PICC",
    "nope",
    "small_car",
    "gcj02",
    "wgs84",
    "桂L12345",
    "13800138000",
    "2026-11-25T09:41:07+08:00",
    "2026-02-30T10:00:00",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(SPECIAL_STRINGS),
)
junk = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
junk_keys = st.dictionaries(
    st.sampled_from(["foo", "Lng", "PLATE", "index", "parties", ""]) | st.text(max_size=4), junk, min_size=1, max_size=2
)


def _when(minutes: int, style: str) -> str:
    moment = datetime.now(CN).replace(microsecond=0) + timedelta(minutes=minutes)
    if style == "utc":
        return moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == "naive":
        return moment.replace(tzinfo=None).isoformat()
    if style == "space":
        return moment.strftime(" %Y-%m-%d %H:%M:%S%z ")
    return moment.isoformat()


def when(first_minute: int, last_minute: int):
    # Whole minutes from "now": both validators run after the draw, so no value falls on a boundary in between.
    return st.builds(_when, st.integers(first_minute, last_minute), st.sampled_from(["iso", "utc", "naive", "space"]))


def padded(strings):
    return st.builds(
        lambda text, left, right: left + text + right, strings, st.sampled_from(["", " "]), st.sampled_from(["", " ", "\t\n"])
    )


DAY = 24 * 60
good_bool = st.sampled_from(sorted(BooleanField.TRUE_VALUES | BooleanField.FALSE_VALUES, key=repr) + ["TRUE", "No", "oN", "Off"])
good_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)

# name: (good values, plausible mistakes); junk is added on top for the "mixed" payloads.
LOCATION = {
    "lng": (
        st.floats(73, 136) | st.integers(74, 135) | st.floats(73, 136).map(str),
        st.floats(-200, 200) | st.sampled_from(["东经", "", "nan", "1e400", 10**400]),
    ),
    "lat": (
        st.floats(3, 54) | st.integers(4, 53) | padded(st.floats(3, 54).map(str)),
        st.floats(-100, 100) | st.sampled_from(["北纬", "inf", True]),
    ),
    "coord_system": (st.sampled_from(["gcj02", "wgs84"]), st.sampled_from(["GCJ02", "bd09", "", " wgs84"])),
    "address": (padded(good_text), st.integers(195, 205).map(lambda n: "路" * n) | st.just("路\x00口")),
    "detail": (padded(good_text), st.integers(295, 305).map(lambda n: "楼" * n) | st.just("\ud83d")),
}
PARTY = {
    "plate": (
        padded(st.sampled_from(["桂L12345", "桂l 123 45", "桂LD12345", "桂L1234学", "粤B·A1234", "", "桂Ｌ１２３４５"])),
        st.sampled_from(["ABC", "桂L123", "桂L1234567890123456", 12345]) | st.text(max_size=17),
    ),
    "vehicle_type": (st.sampled_from([*VehicleType.values, ""]), st.sampled_from(["bus", "Small_car", " truck", " "])),
    "insurer": (
        st.sampled_from(["picc", "pingan", "cpic", " dadi ", "", "  ", None]),
        st.sampled_from(["nope", "人保财险", "p" * 31, "PICC"]),
    ),
    "insurer_name": (padded(good_text), st.integers(58, 63).map(lambda n: "保" * n)),
    "phone": (
        padded(st.sampled_from(["13800138000", "+86 139-0013-9000", "0776-2822222", ""])) | st.just(13912345678),
        st.sampled_from(["12345", "1" * 21, "phone"]) | st.text(max_size=21),
    ),
    "driver_name": (padded(good_text) | st.integers(0, 99), st.integers(28, 33).map(lambda n: "名" * n)),
    "index": (
        st.integers(0, 30) | st.sampled_from(["1", "1.0", 2.0, " 3 "]),
        st.integers(-3, -1) | st.sampled_from(["-1", "x", 1.5, True, "1" * 1001]),
    ),
}


def with_unknown_keys(records, how_often: int):
    """`records`, with junk keys added to one in `how_often`."""
    added = st.builds(lambda known, extra: {**known, **extra}, records, junk_keys)
    return st.one_of(*[records] * (how_often - 1), added)


def record(spec: dict, good_only: bool):
    """Dicts with any subset of the fields of `spec`: good values only, or mixed with mistakes, junk values
    and unknown keys."""
    if good_only:
        return st.fixed_dictionaries({}, optional={name: good for name, (good, _bad) in spec.items()})
    values = {name: st.one_of(good, good, good, bad, junk) for name, (good, bad) in spec.items()}
    return with_unknown_keys(st.fixed_dictionaries({}, optional=values), how_often=5)


def draft(good_only: bool):
    location = st.none() | record(LOCATION, good_only)
    parties = st.lists(record(PARTY, good_only), max_size=4)
    checklist = st.dictionaries(st.sampled_from(CHECKLIST_KEYS), good_bool, max_size=9)
    occurred_at = st.none() | when(-6 * DAY, 4)
    if good_only:
        fields = {"checklist": checklist, "location": location, "occurred_at": occurred_at, "parties": parties}
        return st.fixed_dictionaries({}, optional=fields)
    fields = {
        "checklist": checklist
        | st.dictionaries(st.sampled_from([*CHECKLIST_KEYS, "speeding"]), good_bool | junk, max_size=9)
        | junk,
        "location": location | junk,
        "occurred_at": occurred_at | when(-12 * DAY, DAY) | st.sampled_from(["", "昨天", 20261125]) | junk,
        "parties": parties
        | st.lists(st.just({}), min_size=MAX_PARTIES - 1, max_size=MAX_PARTIES + 2)
        | st.lists(junk, max_size=2)
        | junk,
    }
    return with_unknown_keys(st.fixed_dictionaries({}, optional=fields), how_often=4)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(payload=st.one_of(draft(good_only=True), draft(good_only=False), draft(good_only=False), junk))
def test_generated_payloads_agree(payload):
    event(assert_agree(payload)[0])  # shown by --hypothesis-show-statistics: how many valid / invalid / raised
