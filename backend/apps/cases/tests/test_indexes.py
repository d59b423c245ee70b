"""The indexes of the tables every submission writes are the ones the queries use (cases 0004 and 0006,
fraud 0003)."""

from django.db import connection


def indexes(table: str) -> dict[str, tuple[str, ...]]:
    """{name: columns} of the table's indexes, unique ones and the primary key included."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {name: tuple(c["columns"]) for name, c in found.items() if c["index"] or c["unique"]}


def test_no_index_that_no_query_uses(db):
    case = indexes("cases_case")
    assert {"case_owner_created", "case_owner_drafts", "case_status_submitted", "case_submitted",
            "case_unit_submitted"} <= set(case)
    # The receipt number has its unique index only (no pattern-ops twin on PostgreSQL); the owner,
    # unit and claiming officer have none of their own.
    assert list(case.values()).count(("receipt_no",)) == 1
    assert not {"cases_case_claimed_by_id_767b3f1b", "cases_case_receipt_no_16be4e8c_like",
                "cases_case_owner_id_352cf2f7", "cases_case_unit_id_f34fc706"} & set(case)
    assert [cols for cols in case.values() if cols == ("claimed_by_id",)] == []
    event = indexes("cases_caseevent")
    assert ("case_id",) in event.values()
    assert ("actor_id",) not in event.values() and ("unit_id",) not in event.values()


def test_warning_indexes_are_the_ones_the_queries_use(db):
    """The case is looked up through the unique (case, kind, plate), the plate through one plain index;
    no index of its own for the case and no pattern-ops twin for the plate."""
    found = indexes("fraud_fraudwarning")
    indexed = list(found.values())
    assert ("case_id", "kind", "plate") in indexed
    assert indexed.count(("plate",)) == 1 and ("case_id",) not in indexed
    assert found["fraud_plate"] == ("plate",)
