import csv
import io

from openpyxl import load_workbook

from apps.system.models import AuditEntry

from .conftest import MARCH, seconds


def test_csv_export_parses_back(dataset, staff):
    r = staff("admin").get(f"/api/v1/stats/export?format=csv&{MARCH}&group=month")
    assert r.status_code == 200, r.content
    assert r["Content-Type"].startswith("text/csv")
    assert r["Content-Disposition"] == 'attachment; filename="kckp-stats-2025-03-01-2025-03-31.csv"'
    assert r.content.startswith("\ufeff".encode())  # Excel needs the BOM to read UTF-8
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[1] == ["按单位"]
    header = rows[2]
    assert header[:3] == ["单位", "行政区划代码", "报案数"]
    units = {row[1]: row for row in rows[3:15]}
    assert len(units) == 12
    assert units["451082"][2:8] + units["451082"][10:] == ["3", "2", "1", "0", "1", "0.6667", "1"]
    assert (float(units["451082"][8]), float(units["451082"][9])) == (seconds(120.0), seconds(264.0))
    assert units["451002"][2:] == ["1", "0", "0", "0", "0", "", "", "", "0"]
    assert rows[15] == []
    assert rows[16] == ["按月"]
    assert rows[17] == ["时段", "报案数", "适用快处快赔", "不适用", "作废", "已办结"]
    assert rows[18] == ["2025-03-01", "6", "3", "1", "1", "1"]

    entry = AuditEntry.objects.filter(action="stats.export").get()
    assert entry.username == "admin"
    assert entry.changes["format"] == "csv" and entry.changes["from"] == "2025-03-01"


def test_xlsx_export_parses_back(dataset, staff):
    r = staff("tiandong_leader").get(f"/api/v1/stats/export?format=xlsx&{MARCH}&group=week")
    assert r.status_code == 200, r.content
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["按单位", "按周"]
    units = list(book["按单位"].iter_rows(values_only=True))
    assert units[0][0] == "单位"
    assert [row[1:8] for row in units[1:]] == [("451022", 2, 1, 0, 1, 0, 1)]
    assert units[1][8] == seconds(600)
    periods = list(book["按周"].iter_rows(values_only=True))
    assert periods[1:] == [("2025-02-24", 0, 0, 0, 0, 0), ("2025-03-03", 0, 0, 0, 0, 0), ("2025-03-10", 1, 1, 0, 0, 0),
                           ("2025-03-17", 1, 0, 0, 1, 0), ("2025-03-24", 0, 0, 0, 0, 0), ("2025-03-31", 0, 0, 0, 0, 0)]
    assert AuditEntry.objects.filter(action="stats.export", username="tiandong_leader").count() == 1


def test_export_refuses_unknown_format_and_checks_permission(demo, staff):
    r = staff("admin").get("/api/v1/stats/export?format=pdf")
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert staff("insurer_picc").get("/api/v1/stats/export?format=csv").status_code == 403
    assert not AuditEntry.objects.filter(action="stats.export").exists()
