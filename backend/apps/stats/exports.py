"""The statistics as files: CSV (UTF-8 with BOM so Excel opens the Chinese right) and XLSX."""

import csv
import io
from collections.abc import Callable

from openpyxl import Workbook

UNIT_HEADER = ["单位", "行政区划代码", "报案数", "适用快处快赔", "不适用", "作废", "已办结", "适用率",
               "审核用时中位数（秒）", "审核用时P90（秒）", "骗保预警"]
PERIOD_HEADER = ["时段", "报案数", "适用快处快赔", "不适用", "作废", "已办结"]
GROUP_LABELS = {"day": "按日", "week": "按周", "month": "按月"}


def _blank(value):
    return "" if value is None else value


def unit_rows(data: dict) -> list[list]:
    return [
        [r["unit"]["name"], r["unit"]["adcode"], r["submitted"], r["accepted"], r["rejected"], r["voided"], r["closed"],
         _blank(r["acceptance_rate"]), _blank(r["decision_median_s"]), _blank(r["decision_p90_s"]), r["fraud_warnings"]]
        for r in data["by_unit"]
    ]


def period_rows(data: dict) -> list[list]:
    return [[r["period"], r["submitted"], r["accepted"], r["rejected"], r["voided"], r["closed"]] for r in data["by_period"]]


def to_csv(data: dict) -> tuple[bytes, str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f"快处快赔统计 {data['from']} 至 {data['to']}"])
    writer.writerow(["按单位"])
    writer.writerow(UNIT_HEADER)
    writer.writerows(unit_rows(data))
    writer.writerow([])
    writer.writerow([GROUP_LABELS[data["group"]]])
    writer.writerow(PERIOD_HEADER)
    writer.writerows(period_rows(data))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8"), "text/csv; charset=utf-8"


def to_xlsx(data: dict) -> tuple[bytes, str]:
    book = Workbook()
    units = book.active
    units.title = "按单位"
    units.append(UNIT_HEADER)
    for row in unit_rows(data):
        units.append(row)
    periods = book.create_sheet(GROUP_LABELS[data["group"]])
    periods.append(PERIOD_HEADER)
    for row in period_rows(data):
        periods.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


FORMATS: dict[str, Callable[[dict], tuple[bytes, str]]] = {"csv": to_csv, "xlsx": to_xlsx}
