"""`apps.common.fastsql` writes the row `save()`/`bulk_create()` writes and reads the instance the ORM
reads, on the project's own models, on SQLite and on PostgreSQL alike."""

import threading
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, OperationalError, connection, connections, models, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.alerts.models import Alert
from apps.cases.models import Case, CaseEvent, Media, Party, Status
from apps.common import fastsql
from apps.insurers.models import InsuranceCompany
from apps.stats.models import CaseFact
from apps.stats.services import FACT_FIELDS
from apps.wechat.models import Owner

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAST = datetime(2020, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
AUTO = ("id", "created_at", "updated_at")


def values_of(obj, exclude=()) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields if f.name not in exclude}


def raw_row(model, pk, exclude=()) -> dict:
    """The stored row as the driver returns it, untouched by any field converter."""
    qn = connection.ops.quote_name
    columns = [f.column for f in model._meta.concrete_fields if f.name not in exclude]
    with connection.cursor() as cur:
        cur.execute(f"SELECT {', '.join(qn(c) for c in columns)} FROM {qn(model._meta.db_table)} "
                    f"WHERE {qn(model._meta.pk.column)} = %s", [pk])
        row = cur.fetchone()
    assert row is not None, f"no {model.__name__} row {pk}"
    return dict(zip(columns, row, strict=True))


def full_case(owner, unit, user, receipt_no) -> Case:
    """Every kind of field set: JSON with Chinese text, floats, aware datetimes in two zones, FKs,
    booleans, empty strings and None."""
    return Case(
        owner=owner, status=Status.SUBMITTED, receipt_no=receipt_no, unit=unit, inside_jurisdiction=False,
        checklist={"injury": False, "dangerous_goods": False, "说明": "双方无人受伤，车辆可以移动"},
        lng=107.58901234567891, lat=23.329087654321, coord_system="wgs84",
        gcj_lng=107.59456123456789, gcj_lat=23.32671234567, wgs_lng=0.1 + 0.2, wgs_lat=-1e-7,
        address="平果市教育路与民族路交叉口", address_detail="",
        occurred_at=datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=SHANGHAI),
        submitted_at=datetime(2026, 3, 1, 0, 45, 2, 654321, tzinfo=UTC),
        decided_at=None, closed_at=None, idempotency_key="",
        claimed_by=user, claimed_at=datetime(2026, 3, 1, 23, 59, 59, tzinfo=SHANGHAI),  # the day before in UTC
        feedback="", closing_notes="双方已协商一致", has_fraud_warning=True, purged_at=None,
        liability_suggestion={"answers": {"situation": "rear_end", "at_fault_party": 0},
                              "liabilities": [{"party": 0, "liability": "full"}, {"party": 1, "liability": "none"}],
                              "explanation": "仅供参考，以交警认定为准", "score": 0.75},
        agreement_confirmations={"0": {"at": "2026-03-01T09:05:00+08:00", "ip": "10.0.0.1"}},
    )


def sparse_case(owner) -> Case:
    """Defaults and NULLs: no unit, no officer, JSON null and empty objects."""
    return Case(owner=owner, liability_suggestion=None)


@pytest.fixture
def refs(demo):
    return {
        "unit": demo["451082"], "other_unit": demo["451002"],
        "user": get_user_model().objects.get(username="pingguo_officer"),
        "insurers": list(InsuranceCompany.objects.order_by("pk")[:2]),
    }


# 1. insert of one Case ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["full", "sparse"])
def test_insert_writes_the_row_save_writes(refs, kind):
    owner = Owner.objects.create()
    if kind == "full":
        fast = full_case(owner, refs["unit"], refs["user"], "FS2026000001")
        orm = full_case(owner, refs["unit"], refs["user"], "FS2026000002")
    else:
        fast, orm = sparse_case(owner), sparse_case(owner)
    assert fast.created_at is None and fast.updated_at is None

    before = timezone.now()
    assert fastsql.insert([fast]) == [fast]
    after = timezone.now()
    orm.save()

    assert fast.pk is not None and fast.pk != orm.pk
    assert fast._state.adding is False and fast._state.db == "default"
    # auto_now_add / auto_now were applied to the instance and written to the row.
    assert before <= fast.created_at <= after and before <= fast.updated_at <= after
    row = Case.objects.get(pk=fast.pk)
    assert row.created_at == fast.created_at and row.updated_at == fast.updated_at

    expected = Case.objects.get(pk=orm.pk)
    skip = (*AUTO, "receipt_no")
    assert values_of(row, skip) == values_of(expected, skip)
    assert row.receipt_no == fast.receipt_no and expected.receipt_no == orm.receipt_no
    # The same bytes in the table (JSON text, datetime format, NULL versus JSON null, booleans).
    assert raw_row(Case, fast.pk, skip) == raw_row(Case, orm.pk, skip)
    # And what was meant: the values given come back.
    assert values_of(row, skip) == values_of(fast, skip)
    if kind == "full":
        assert row.checklist["说明"] == "双方无人受伤，车辆可以移动"
        assert row.occurred_at == datetime(2026, 3, 1, 0, 30, 15, 123456, tzinfo=UTC)
        assert row.claimed_at == datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC)
        assert row.wgs_lng == 0.1 + 0.2 and row.unit_id == refs["unit"].pk and row.claimed_by_id == refs["user"].pk
        assert row.has_fraud_warning is True and row.inside_jurisdiction is False
    else:
        assert row.liability_suggestion is None and row.unit_id is None and row.checklist == {}
        assert row.status == Status.DRAFT and row.inside_jurisdiction is True

    # The instance is a saved one: save() now updates the row instead of inserting another.
    fast.feedback = "保存后再改"
    fast.save()
    assert Case.objects.filter(owner=owner).count() == 2
    assert Case.objects.get(pk=fast.pk).feedback == "保存后再改"


# 2. multi-row insert -----------------------------------------------------------------------------

def party_rows(refs) -> list[dict]:
    picc, pingan = refs["insurers"]
    when = datetime(2026, 3, 1, 8, 30, tzinfo=SHANGHAI)
    # Indexes out of order, so a pk given to the wrong instance cannot go unnoticed.
    return [
        {"index": 2, "plate": "桂L12345", "plate_normalized": "桂L12345", "vehicle_type": "small_car", "insurer": picc,
         "insurer_name": "", "phone": "13800138000", "driver_name": "张三", "liability": "full",
         "occurred_at": when, "counts_for_fraud": True},
        {"index": 0, "plate": "桂LD1234", "plate_normalized": "桂LD1234", "vehicle_type": "new_energy_small",
         "insurer": None, "insurer_name": "某某财险", "phone": "13900139000", "driver_name": "李四", "liability": "",
         "occurred_at": None, "counts_for_fraud": False},
        {"index": 3, "plate": "", "plate_normalized": "", "vehicle_type": "", "insurer": pingan,
         "insurer_name": "", "phone": "", "driver_name": "", "liability": "none",
         "occurred_at": datetime(2026, 3, 1, 0, 30, tzinfo=UTC), "counts_for_fraud": True},
        {"index": 1, "plate": "桂A00001", "plate_normalized": "桂A00001", "vehicle_type": "truck", "insurer": None,
         "insurer_name": "", "phone": "0776-1234567", "driver_name": "王五", "liability": "minor",
         "occurred_at": None, "counts_for_fraud": False},
    ]


def test_multi_row_insert_sets_each_pk_and_writes_the_bulk_create_rows(refs):
    owner = Owner.objects.create()
    fast_case, orm_case = Case.objects.create(owner=owner), Case.objects.create(owner=owner)
    fast = [Party(case=fast_case, **row) for row in party_rows(refs)]
    orm = Party.objects.bulk_create([Party(case=orm_case, **row) for row in party_rows(refs)])

    assert fastsql.insert(fast) is fast
    pks = [p.pk for p in fast]
    assert None not in pks and len(set(pks)) == 4
    stored = {p.pk: p for p in Party.objects.filter(case=fast_case)}
    assert set(stored) == set(pks)
    for party in fast:
        assert stored[party.pk].index == party.index and stored[party.pk].plate == party.plate
        assert party._state.adding is False and party._state.db == "default"

    expected = {p.index: Party.objects.get(pk=p.pk) for p in orm}
    for party in fast:
        row = stored[party.pk]
        assert values_of(row, ("id", "case")) == values_of(expected[party.index], ("id", "case"))
        assert raw_row(Party, row.pk, ("id", "case")) == raw_row(Party, expected[party.index].pk, ("id", "case"))
    assert stored[pks[0]].occurred_at == datetime(2026, 3, 1, 0, 30, tzinfo=UTC)
    assert stored[pks[0]].insurer_id == refs["insurers"][0].pk and stored[pks[1]].insurer_id is None
    assert fastsql.insert([]) == []


def test_insert_of_alerts_events_and_media_writes_the_orm_rows(refs):
    owner = Owner.objects.create()
    case = full_case(owner, refs["unit"], refs["user"], "FS2026000011")
    case.save()
    unit = refs["unit"]

    alerts = [{"type": "new_case", "title": "新报案 FS2026000011", "data": {"receipt_no": "FS2026000011", "状态": "待审核"}},
              {"type": "fraud", "title": "骗保预警", "data": {"plates": ["桂L12345"], "count": 3, "ratio": 0.5}}]
    fast_alerts = fastsql.insert([Alert(case=case, unit_id=unit.pk, **a) for a in alerts])
    orm_alerts = Alert.objects.bulk_create([Alert(case=case, unit_id=unit.pk, **a) for a in alerts])
    for fast, orm in zip(fast_alerts, orm_alerts, strict=True):
        assert fast.created_at is not None
        row = Alert.objects.get(pk=fast.pk)
        assert row.title == fast.title and row.created_at == fast.created_at
        assert values_of(row, AUTO) == values_of(Alert.objects.get(pk=orm.pk), AUTO)
        assert raw_row(Alert, fast.pk, AUTO) == raw_row(Alert, orm.pk, AUTO)

    event = {"action": "submit", "status": Status.SUBMITTED, "note": "报案已提交，由平果市交警大队受理审核。",
             "unit_id": unit.pk, "data": {}}
    fast_event = fastsql.insert([CaseEvent(case=case, **event)])[0]
    orm_event = CaseEvent.objects.create(case=case, **event)
    assert fast_event.at is not None and CaseEvent.objects.get(pk=fast_event.pk).at == fast_event.at
    skip = ("id", "at")
    assert values_of(CaseEvent.objects.get(pk=fast_event.pk), skip) == values_of(CaseEvent.objects.get(pk=orm_event.pk), skip)
    assert raw_row(CaseEvent, fast_event.pk, skip) == raw_row(CaseEvent, orm_event.pk, skip)

    media = {"slot": "scene_front", "party": None, "kind": Media.IMAGE, "file": f"cases/{case.pk}/ab/{'ab' * 32}.jpg",
             "thumbnail": "", "extension": ".jpg", "content_type": "image/jpeg", "size": 5_000_000_000,
             "sha256": "ab" * 32, "phash": "", "width": 4032, "height": None,
             "exif_taken_at": datetime(2026, 3, 1, 8, 29, tzinfo=SHANGHAI), "exif_lng": 107.5, "exif_lat": None}
    fast_media = fastsql.insert([Media(case=case, **media)])[0]
    orm_media = Media.objects.create(case=case, **media)
    skip = ("id", "created_at")
    assert fast_media.created_at is not None
    assert values_of(Media.objects.get(pk=fast_media.pk), skip) == values_of(Media.objects.get(pk=orm_media.pk), skip)
    assert raw_row(Media, fast_media.pk, skip) == raw_row(Media, orm_media.pk, skip)


# 3. upsert -----------------------------------------------------------------------------------------

UPSERT = (("case_id",), (*FACT_FIELDS, "updated_at"))


def fact_values(refs, second: bool) -> dict:
    if not second:
        return {"unit_id": refs["unit"].pk, "adcode": "451082",
                "submitted_at": datetime(2026, 3, 1, 8, 45, tzinfo=SHANGHAI), "decided_at": None,
                "status": "submitted", "decision_s": None, "inside_jurisdiction": True,
                "insurers": ["picc", "pingan"], "fraud": False, "occurred_hour": 8}
    return {"unit_id": refs["other_unit"].pk, "adcode": "451002",
            "submitted_at": datetime(2026, 3, 1, 0, 45, tzinfo=UTC), "decided_at": datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI),
            "status": "accepted", "decision_s": 900, "inside_jurisdiction": False,
            "insurers": ["人保"], "fraud": True, "occurred_hour": None}


def test_upsert_creates_then_updates_the_same_row(refs):
    case_id = 9_000_000_001
    first = CaseFact(case_id=case_id, **fact_values(refs, second=False))
    fastsql.insert([first], upsert=UPSERT)
    assert CaseFact.objects.filter(case_id=case_id).count() == 1
    row = CaseFact.objects.get(case_id=case_id)
    assert row.pk == first.pk
    assert values_of(row, ("id", "case_id", "updated_at")) == fact_values(refs, second=False)
    assert row.updated_at == first.updated_at
    CaseFact.objects.filter(pk=row.pk).update(updated_at=PAST)

    second = CaseFact(case_id=case_id, **fact_values(refs, second=True))
    fastsql.insert([second], upsert=UPSERT)
    assert second.pk == first.pk
    assert CaseFact.objects.filter(case_id=case_id).count() == 1
    row = CaseFact.objects.get(case_id=case_id)
    assert row.pk == first.pk
    assert values_of(row, ("id", "case_id", "updated_at")) == fact_values(refs, second=True)
    assert row.updated_at > PAST and row.updated_at == second.updated_at

    # The ORM's own upsert of the same two facts leaves the same row.
    other_id = case_id + 1
    for second_round in (False, True):
        CaseFact.objects.bulk_create([CaseFact(case_id=other_id, **fact_values(refs, second_round))],
                                     update_conflicts=True, unique_fields=["case_id"], update_fields=list(UPSERT[1]))
    orm_row = CaseFact.objects.get(case_id=other_id)
    skip = ("id", "case_id", "updated_at")
    assert values_of(orm_row, skip) == values_of(row, skip)
    assert raw_row(CaseFact, orm_row.pk, skip) == raw_row(CaseFact, row.pk, skip)

    # Without `upsert` the conflict is an error, as bulk_create's is.
    with pytest.raises(IntegrityError), transaction.atomic():
        fastsql.insert([CaseFact(case_id=case_id, **fact_values(refs, second=False))])
    assert CaseFact.objects.filter(case_id=case_id).count() == 1


# 4. update of named fields ----------------------------------------------------------------------

def test_update_writes_only_the_named_fields(refs):
    owner = Owner.objects.create()
    case = full_case(owner, refs["unit"], refs["user"], None)
    case.status = Status.DRAFT
    case.save()
    Case.objects.filter(pk=case.pk).update(updated_at=PAST)

    case.status = Status.ACCEPTED
    case.unit = refs["other_unit"]
    case.feedback = "只在内存里改过"
    case.decided_at = datetime(2026, 3, 2, 10, 0, 0, 1, tzinfo=SHANGHAI)
    fastsql.update(case, ("status", "unit"))
    row = Case.objects.get(pk=case.pk)
    assert row.status == Status.ACCEPTED and row.unit_id == refs["other_unit"].pk
    assert row.feedback == "" and row.decided_at is None  # changed in memory, not named
    assert row.updated_at == PAST  # auto_now only when named

    case.liability_suggestion = {"answers": {}, "说明": "更新后的判断"}
    before = timezone.now()
    fastsql.update(case, ("feedback", "decided_at", "liability_suggestion", "updated_at"))
    after = timezone.now()
    assert before <= case.updated_at <= after  # pre_save() ran: not the value save() left in memory
    row = Case.objects.get(pk=case.pk)
    assert row.feedback == "只在内存里改过"
    assert row.decided_at == datetime(2026, 3, 2, 2, 0, 0, 1, tzinfo=UTC)
    assert row.liability_suggestion == {"answers": {}, "说明": "更新后的判断"}
    assert row.updated_at > PAST and row.updated_at == case.updated_at

    # The row equals what save() writes from the same instance.
    twin = Case.objects.get(pk=case.pk)
    twin.pk, twin.id, twin._state.adding = None, None, True
    twin.save()
    assert raw_row(Case, twin.pk, AUTO) == raw_row(Case, case.pk, AUTO)


# 5. update_where ---------------------------------------------------------------------------------

def test_update_where_prepares_values_through_the_fields(refs):
    owner = Owner.objects.create()
    mine, other = Case.objects.create(owner=owner), Case.objects.create(owner=owner)
    parties = [Party.objects.create(case=mine, index=i) for i in range(2)]
    untouched = Party.objects.create(case=other, index=0)
    when = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=SHANGHAI)

    n = fastsql.update_where(Party, {"occurred_at": when, "counts_for_fraud": True}, "case_id = %s", [mine.pk])
    assert n == 2
    # The ORM finds the rows by the aware datetime: it was stored as the ORM stores it (UTC on SQLite).
    found = Party.objects.filter(occurred_at=when, counts_for_fraud=True)
    assert sorted(found.values_list("pk", flat=True)) == sorted(p.pk for p in parties)
    for party in parties:
        party.refresh_from_db()
        assert party.occurred_at == when and party.counts_for_fraud is True
    untouched.refresh_from_db()
    assert untouched.occurred_at is None and untouched.counts_for_fraud is False

    # The same bytes as QuerySet.update() writes.
    assert Party.objects.filter(pk=untouched.pk).update(occurred_at=when, counts_for_fraud=True) == 1
    columns = ("id", "case", "index")
    assert raw_row(Party, parties[0].pk, columns) == raw_row(Party, untouched.pk, columns)

    assert fastsql.update_where(Party, {"counts_for_fraud": False}, "case_id = %s AND \"index\" = %s", [mine.pk, 1]) == 1
    assert list(Party.objects.filter(case=mine).order_by("index").values_list("counts_for_fraud", flat=True)) == [True, False]
    assert fastsql.update_where(Party, {"counts_for_fraud": False}, "case_id = %s", [-1]) == 0


# 6. select ---------------------------------------------------------------------------------------

def test_select_cases_equals_the_orm(refs):
    owner = Owner.objects.create()
    full = full_case(owner, refs["unit"], refs["user"], "FS2026000021")
    full.save()
    sparse = sparse_case(owner)
    sparse.save()
    third = full_case(owner, None, None, None)
    third.save()
    Case.objects.create(owner=Owner.objects.create())  # someone else's

    got = fastsql.select(Case, "owner_id = %s ORDER BY id DESC", [owner.pk])
    expected = list(Case.objects.filter(owner=owner).order_by("-id"))
    assert [c.pk for c in got] == [c.pk for c in expected] == sorted([full.pk, sparse.pk, third.pk], reverse=True)
    for mine, theirs in zip(got, expected, strict=True):
        assert type(mine) is Case
        assert mine._state.adding is False and mine._state.db == "default"
        assert values_of(mine) == values_of(theirs)
        # Equality alone would take 1 for True: the types are the ORM's too.
        for field in Case._meta.concrete_fields:
            assert type(getattr(mine, field.attname)) is type(getattr(theirs, field.attname)), field.name

    by_pk = {c.pk: c for c in got}
    read = by_pk[full.pk]
    assert read.occurred_at == full.occurred_at and read.occurred_at.tzinfo is not None
    assert read.checklist == full.checklist and read.liability_suggestion == full.liability_suggestion
    assert read.lng == full.lng and read.wgs_lng == 0.1 + 0.2 and read.has_fraud_warning is True
    assert read.unit_id == refs["unit"].pk and read.claimed_by_id == refs["user"].pk
    assert by_pk[third.pk].unit_id is None and by_pk[third.pk].claimed_by_id is None
    assert by_pk[sparse.pk].liability_suggestion is None and by_pk[sparse.pk].occurred_at is None

    ascending = fastsql.select(Case, "owner_id = %s ORDER BY id", [owner.pk])
    assert [c.pk for c in ascending] == [c.pk for c in reversed(got)]
    assert fastsql.select(Case, "owner_id = %s", [-1]) == []


def test_select_owner_by_public_id(db):
    owner = Owner.objects.create(openid="wx-openid-1")
    Owner.objects.create(openid="wx-openid-2")
    field = Owner._meta.get_field("public_id")
    param = field.get_db_prep_value(owner.public_id, connection)
    if connection.vendor == "sqlite":
        assert param == owner.public_id.hex

    got = fastsql.select(Owner, "public_id = %s", [param])
    assert len(got) == 1
    assert values_of(got[0]) == values_of(Owner.objects.get(pk=owner.pk))
    assert isinstance(got[0].public_id, uuid.UUID) and got[0].public_id == owner.public_id
    assert got[0].created_at.tzinfo is not None and got[0].openid == "wx-openid-1"
    assert fastsql.select(Owner, "public_id = %s", [field.get_db_prep_value(uuid.uuid4(), connection)]) == []


def test_select_media_and_parties_in_the_orm_order(refs):
    case = Case.objects.create(owner=Owner.objects.create())
    base = {"kind": Media.IMAGE, "extension": ".jpg", "content_type": "image/jpeg", "size": 1234}
    first = Media.objects.create(case=case, slot="scene_rear", file="cases/x/aa/a.jpg", thumbnail="thumbs/a.jpg",
                                 sha256="aa" * 32, phash="ffee", width=640, height=480,
                                 exif_taken_at=datetime(2026, 3, 1, 8, 29, tzinfo=SHANGHAI), exif_lng=107.5, exif_lat=23.3,
                                 **base)
    second = Media.objects.create(case=case, slot="party_license", party=1, file="cases/x/bb/b.jpg", sha256="bb" * 32,
                                  **base)
    Media.objects.filter(pk=second.pk).update(created_at=PAST)  # second is now the older one

    got = fastsql.select(Media, "case_id = %s ORDER BY created_at, id", [case.pk])
    expected = list(case.media.all())
    assert [m.pk for m in got] == [m.pk for m in expected] == [second.pk, first.pk]
    for mine, theirs in zip(got, expected, strict=True):
        assert values_of(mine) == values_of(theirs)
        assert mine.file.name == theirs.file.name and mine.thumbnail.name == theirs.thumbnail.name
    assert got[1].exif_taken_at == datetime(2026, 3, 1, 0, 29, tzinfo=UTC) and got[0].created_at == PAST

    for index in (1, 0, 2):
        Party.objects.create(case=case, index=index, occurred_at=timezone.now(), counts_for_fraud=index == 2)
    parties = fastsql.select(Party, "case_id = %s ORDER BY \"index\"", [case.pk])
    assert [p.index for p in parties] == [0, 1, 2]
    assert [values_of(p) for p in parties] == [values_of(p) for p in case.parties.all()]


def test_select_with_lock_inside_a_transaction(refs):
    owner = Owner.objects.create()
    cases = [Case.objects.create(owner=owner) for _ in range(2)]
    locking = connection.features.has_select_for_update
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        got = fastsql.select(Case, "owner_id = %s ORDER BY id DESC", [owner.pk], lock=True)
        plain = fastsql.select(Case, "owner_id = %s ORDER BY id DESC", [owner.pk])
    assert [c.pk for c in got] == [c.pk for c in plain] == [cases[1].pk, cases[0].pk]
    statements = [q["sql"] for q in queries.captured_queries if "cases_case" in q["sql"]]
    assert len(statements) == 2
    locked_sql, plain_sql = statements
    assert "FOR UPDATE" not in plain_sql
    if locking:
        assert locked_sql.rstrip().endswith("ORDER BY id DESC FOR UPDATE")
    else:
        assert "FOR UPDATE" not in locked_sql
    # select_for_update() says the same of this database.
    with transaction.atomic(), CaptureQueriesContext(connection) as orm_queries:
        list(Case.objects.select_for_update().filter(owner=owner))
    assert orm_queries.captured_queries[-1]["sql"].rstrip().endswith("FOR UPDATE") is locking


def test_lock_keeps_another_connection_out(refs):
    if not connection.features.has_select_for_update:
        pytest.skip("SQLite has no row locks: the whole database is locked by a write")
    # A row committed by the seed, so the other connection can see it.
    company = refs["insurers"][0]

    def try_lock():
        result = []

        def work():
            try:
                with transaction.atomic():
                    list(InsuranceCompany.objects.select_for_update(nowait=True).filter(pk=company.pk))
                result.append("locked")
            except OperationalError as exc:
                result.append(exc)
            finally:
                connections["default"].close()

        thread = threading.Thread(target=work)
        thread.start()
        thread.join(30)
        return result[0]

    with transaction.atomic():
        assert [c.pk for c in fastsql.select(InsuranceCompany, "id = %s", [company.pk])] == [company.pk]
        assert try_lock() == "locked"  # a plain read takes no lock
        assert [c.pk for c in fastsql.select(InsuranceCompany, "id = %s", [company.pk], lock=True)] == [company.pk]
        held = try_lock()
    assert isinstance(held, OperationalError) and "lock" in str(held).lower()


# 7. unique violations ---------------------------------------------------------------------------

def test_unique_violation_is_djangos_integrity_error_naming_the_receipt(refs):
    owner = Owner.objects.create()
    taken = full_case(owner, refs["unit"], refs["user"], "FS2026000031")
    taken.save()

    duplicate = full_case(owner, refs["unit"], refs["user"], "FS2026000031")
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        fastsql.insert([duplicate])
    assert type(raised.value).__module__ == "django.db.utils"  # wrapped, not the driver's own class
    assert "receipt" in str(raised.value).lower()
    assert duplicate.pk is None and duplicate._state.adding is True
    assert Case.objects.filter(receipt_no="FS2026000031").count() == 1

    draft = Case.objects.create(owner=owner)
    draft.receipt_no = "FS2026000031"
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        fastsql.update(draft, ("status", "receipt_no", "updated_at"))
    assert type(raised.value).__module__ == "django.db.utils"
    assert "receipt" in str(raised.value).lower()
    assert Case.objects.get(pk=draft.pk).receipt_no is None

    # The connection is still usable after the rolled-back savepoint.
    draft.receipt_no = "FS2026000032"
    fastsql.update(draft, ("receipt_no",))
    assert Case.objects.get(pk=draft.pk).receipt_no == "FS2026000032"


# 8. count ----------------------------------------------------------------------------------------

def test_count_equals_the_orm_count(refs):
    owner, other = Owner.objects.create(), Owner.objects.create()
    for _ in range(3):
        Case.objects.create(owner=owner)
    Case.objects.create(owner=owner, status=Status.SUBMITTED)
    Case.objects.create(owner=other)

    where = "owner_id = %s AND status = %s"
    assert fastsql.count(Case, where, [owner.pk, Status.DRAFT]) == 3
    assert fastsql.count(Case, where, [owner.pk, Status.DRAFT]) == Case.objects.filter(owner=owner, status=Status.DRAFT).count()
    assert fastsql.count(Case, where, [owner.pk, Status.SUBMITTED]) == 1
    assert fastsql.count(Case, where, [other.pk, Status.DRAFT]) == 1
    assert fastsql.count(Case, "owner_id = %s", [-1]) == 0
    assert fastsql.count(Case, "1 = 1", []) == Case.objects.count()
    recent = timezone.now() - timedelta(hours=1)
    param = Case._meta.get_field("created_at").get_db_prep_value(recent, connection)
    assert fastsql.count(Case, "owner_id = %s AND created_at >= %s", [owner.pk, param]) == \
        Case.objects.filter(owner=owner, created_at__gte=recent).count() == 4


# 7. values used as they are ----------------------------------------------------------------------

def reference_values(obj, add: bool) -> list:
    return [f.get_db_prep_save(f.pre_save(obj, add), connection) for f in fastsql._insert_fields(type(obj))]


def plain(values: list) -> list:
    """JSON values as the driver's wrapper holds them (psycopg's Jsonb compares by identity)."""
    return [(type(v), v.obj) if type(v).__name__ in ("Json", "Jsonb") else (type(v), v) for v in values]


def test_values_used_as_they_are_equal_the_fields_preparation(refs, monkeypatch):
    """The preparation skipped for plain values (`fastsql._as_is`) gives what the field would give, for
    every row kind the submission writes, values of other types included (taking the field's way)."""
    monkeypatch.setattr(timezone, "now", lambda: PAST)  # auto_now gives the same time both ways
    owner = Owner.objects.create(openid=f"o-{uuid.uuid4().hex}")
    case = full_case(owner, refs["unit"], refs["user"], "R-ASIS-1")
    case.save()
    party = Party(case=case, index=1, plate="桂L12345", phone="13800000000", insurer=refs["insurers"][0],
                  driver_name="张三", counts_for_fraud=True, occurred_at=PAST)
    event = CaseEvent(case=case, action="submit", status=Status.SUBMITTED, unit=refs["unit"], note="提交",
                      data={"receipt_no": "R-ASIS-1"})
    alert = Alert(case=case, unit=refs["unit"], type="case.new", title="新报案", data={"receipt_no": "R-ASIS-1"})
    fact = CaseFact(case_id=case.pk, unit_id=refs["unit"].pk, adcode="451082", status=Status.SUBMITTED,
                    submitted_at=PAST, decision_s=3600, occurred_hour=8, insurers=["picc"], fraud=True)
    odd = Party(case=case, index=True, plate=None, phone="", insurer_id=str(refs["insurers"][1].pk))  # bool, str id
    for obj in (case, sparse_case(owner), party, odd, event, alert, fact):
        for add in (True, False):
            got = fastsql.insert_values(obj) if add else fastsql.update_values(
                obj, tuple(f.name for f in fastsql._insert_fields(type(obj))))
            want = reference_values(obj, add)
            assert plain(got) == plain(want), type(obj).__name__


@pytest.mark.parametrize("model, field, values", [
    (Party, "plate", ["桂L12345", "", "x" * 20, "\u3000全角 空格"]),
    (Party, "index", [0, 1, 99, -5]),
    (Party, "counts_for_fraud", [True, False]),
    (Party, "case", [1, 2**40]),
    (Case, "gcj_lng", [106.61890000000001, 0.1 + 0.2, -1e-7]),
    (CaseFact, "decision_s", [0, 86400]),
])
def test_as_is_fields_give_back_their_values(model, field, values):
    """The claim `_as_is()` rests on, checked against this Django and database: where it names a type,
    the field returns a value of that type itself (integers: not on PostgreSQL, which wraps them)."""
    f = model._meta.get_field(field)
    kind = fastsql._as_is(f, fastsql._vendor(connection))
    assert kind is not None or (connection.vendor == "postgresql" and isinstance(f, models.IntegerField))
    for value in values:
        prepared = f.get_db_prep_save(value, connection)
        assert (prepared == value and type(prepared) is type(value)) == (kind is not None)


# 8. new instances --------------------------------------------------------------------------------

def instance_state(obj) -> dict:
    """Everything an instance holds but its `_state` (compared apart): attributes and cached relations."""
    return {key: value for key, value in obj.__dict__.items() if key != "_state"}


def new_cases(refs, owner) -> list:
    case = Case(owner=owner, status=Status.DRAFT)
    return [
        (Case, {"owner": owner, "status": Status.DRAFT}),
        (Case, {"owner_id": owner.pk, "unit": refs["unit"], "checklist": {"injury": False}}),
        (Case, {}),
        (Party, {"case": case, "index": 1}),
        (Party, {"case": case, "index": 0, "insurer": refs["insurers"][0], "plate": "桂L12345"}),
        (CaseEvent, {"case": case, "action": "submit", "status": Status.SUBMITTED, "note": "", "unit_id": refs["unit"].pk}),
        (Alert, {"type": "case.new", "case": case, "unit_id": refs["unit"].pk, "title": "新报案", "data": {"a": 1}}),
        (CaseFact, {"case_id": 7, "adcode": "451082", "insurers": ["picc"], "fraud": False}),
    ]


def test_new_builds_the_instance_the_model_builds(refs, monkeypatch):
    """`fastsql.new(model, **values)` equals `model(**values)`: the same attributes and cached related
    objects, the same fresh unsaved state (its database set by a related object, as `__init__` sets
    it), and defaults that are new objects per instance where the field's
    default is a callable (no dict shared between two cases)."""
    monkeypatch.setattr(timezone, "now", lambda: PAST)
    owner = Owner.objects.create(openid=f"o-{uuid.uuid4().hex}")
    for model, values in new_cases(refs, owner):
        made, built = fastsql.new(model, **values), model(**values)
        assert type(made) is model
        assert instance_state(made) == instance_state(built), model.__name__
        assert (made._state.adding, made._state.db) == (built._state.adding, built._state.db)
        assert made._state is not built._state
    first, second = fastsql.new(Case, owner=owner), fastsql.new(Case, owner=owner)
    assert first.checklist == second.checklist and first.checklist is not second.checklist
    first.checklist["changed"] = True
    assert "changed" not in fastsql.new(Case, owner=owner).checklist


def test_new_leaves_to_the_model_what_it_does_not_handle(db):
    """A keyword that is not a field raises as the model does; a model with init signal receivers is
    built by the model, so the receivers run."""
    with pytest.raises(TypeError):
        fastsql.new(CaseFact, not_a_field=1)
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    models.signals.post_init.connect(receiver, sender=CaseFact)
    fastsql._new_plan.cache_clear()
    try:
        fact = fastsql.new(CaseFact, case_id=1)
    finally:
        models.signals.post_init.disconnect(receiver, sender=CaseFact)
        fastsql._new_plan.cache_clear()
    assert seen == [fact]


def test_new_instance_saves_as_the_model_instance_saves(refs):
    owner = Owner.objects.create(openid=f"o-{uuid.uuid4().hex}")
    case = fastsql.new(Case, owner=owner, status=Status.DRAFT, unit=refs["unit"])
    case.save()
    party = fastsql.new(Party, case=case, index=0, plate="桂L12345")
    party.save()
    stored = Case.objects.get(pk=case.pk)
    assert (stored.owner_id, stored.status, stored.unit_id) == (owner.pk, Status.DRAFT, refs["unit"].pk)
    assert list(stored.parties.values_list("index", "plate")) == [(0, "桂L12345")]
