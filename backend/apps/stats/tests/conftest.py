"""Fixtures of the statistics, retention and archive tests.

The archive tests need a second real database under the alias `archive`. CI (and anyone on
PostgreSQL) sets ARCHIVE_DATABASE_URL, which config/settings.py turns into that alias; without it
(the embedded SQLite setup) a second SQLite file is added here, next to the default test file.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command

from apps.stats.rollup import RATIO
from conftest import make_submitted_case


def _ensure_archive_alias() -> None:
    # Settings add a second SQLite file on SQLite; on PostgreSQL the archive needs its own URL.
    if "archive" not in settings.DATABASES:
        pytest.exit("PostgreSQL 上运行测试时请同时设置 ARCHIVE_DATABASE_URL（归档数据库）。", returncode=2)


_ensure_archive_alias()

TZ = ZoneInfo("Asia/Shanghai")


def at(day: str, hh: int, mm: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hh, minute=mm, tzinfo=TZ)


# name: (county, plates, insurers, submitted (local), decision seconds, occurred hour, final status)
DATASET = {
    "A": ("451082", ("桂L11111", "桂L20001"), ("picc", "pingan"), at("2025-03-03", 9), 60, 8, "accepted"),
    "B": ("451082", ("桂L11111", "桂L20002"), ("picc", "pingan"), at("2025-03-03", 10), 120, 8, "rejected"),
    "C": ("451082", ("桂L11111", "桂L20003"), ("cpic", "picc"), at("2025-03-05", 18), 300, 17, "closed"),
    "D": ("451022", ("桂L30001", "桂L30002"), ("picc", "pingan"), at("2025-03-12", 23, 40), 600, 23, "accepted"),
    "E": ("451022", ("桂L40001", "桂L40002"), ("pingan", "pingan"), at("2025-03-17", 1), None, 0, "voided"),
    # Just after midnight in Baise: still 28 February in UTC, must count for 1 March.
    "F": ("451002", ("桂L50001", "桂L50002"), ("picc", "pingan"), at("2025-03-01", 0, 10), None, 0, "submitted"),
}
OFFICERS = {"451082": "pingguo_officer", "451022": "tiandong_officer", "451002": "youjiang_officer"}


@pytest.fixture
def dataset(demo, owner_client, staff):
    """Six cases reported through the owner API and handled through the officer API, then moved
    to fixed dates in March 2025 so the figures are exact. Returns {name: case id}."""
    from apps.cases.models import Case

    owner = owner_client()
    ids = {}
    for i, (name, (adcode, plates, insurers, submitted, seconds, hour, final)) in enumerate(DATASET.items()):
        # Own phones per case: one phone behind six vehicles would be a fraud signal of its own.
        phones = (f"1380013800{i}", f"1390013900{i}")
        case = make_submitted_case(owner, adcode, key=f"key-{name}", plates=plates, insurers=insurers, phones=phones)
        officer = staff(OFFICERS[adcode])
        url = f"/api/v1/cases/{case['id']}"
        if final in ("accepted", "closed", "rejected"):
            decision = "rejected" if final == "rejected" else "accepted"
            r = officer.post(f"{url}/decision", {"decision": decision, "feedback": "请在现场等候"}, format="json")
            assert r.status_code == 200, r.content
        if final == "closed":
            r = officer.post(f"{url}/close", {"liabilities": [{"party": 0, "liability": "full"},
                                                              {"party": 1, "liability": "none"}]}, format="json")
            assert r.status_code == 200, r.content
        if final == "voided":
            assert officer.post(f"{url}/void", {"reason": "照片不清晰"}, format="json").status_code == 200
        decided = submitted + timedelta(seconds=seconds) if seconds is not None else None
        Case.objects.filter(pk=case["id"]).update(
            submitted_at=submitted, decided_at=decided, occurred_at=submitted.replace(hour=hour, minute=5),
            created_at=submitted, updated_at=submitted,
        )
        ids[name] = case["id"]
    call_command("refresh_facts", verbosity=0)
    return ids


MARCH = "from=2025-03-01&to=2025-03-31"
# Decision-time percentiles come from a histogram: relative error under the bucket width
# (apps.stats.rollup.hist_percentile), plus the rounding to 0.1 s of the response.
PERCENTILE_REL = RATIO - 1


def seconds(exact: float):
    """A decision-time figure as the API gives it, against the exact percentile_cont value."""
    return pytest.approx(exact, rel=PERCENTILE_REL, abs=0.05)
