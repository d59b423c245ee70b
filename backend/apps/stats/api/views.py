from datetime import date, timedelta

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import ApiError
from apps.common.permissions import IsStaff
from apps.stats import exports, selectors
from apps.system.audit import audit

DEFAULT_DAYS = 30
MAX_YEARS = 3
PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="起始日期（含），默认最近 30 天"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="截止日期（含），默认今天"),
    OpenApiParameter("group", OpenApiTypes.STR, enum=list(selectors.GROUPS), description="按日、周或月分组"),
    OpenApiParameter("unit", OpenApiTypes.INT, description="只看本单位辖下的某个单位"),
]


def _date(value: str | None, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ApiError("invalid", f"日期格式不正确，应为 YYYY-MM-DD：{name}。", 400,
                       errors={name: ["日期格式应为 YYYY-MM-DD。"]})


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def parse_query(request) -> selectors.Query:
    """Turn the query string into a checked statistics query; a unit outside the scope is 404."""
    params = request.query_params
    today = timezone.localdate()
    end = _date(params.get("to"), "to") or today
    start = _date(params.get("from"), "from") or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ApiError("invalid", "起始日期不能晚于截止日期。", 400, errors={"from": ["起始日期不能晚于截止日期。"]})
    if start < _years_before(end, MAX_YEARS):
        raise ApiError("invalid", f"统计区间不能超过 {MAX_YEARS} 年。", 400, errors={"from": [f"统计区间不能超过 {MAX_YEARS} 年。"]})
    group = params.get("group") or "day"
    if group not in selectors.GROUPS:
        raise ApiError("invalid", "分组方式只能是 day（日）、week（周）或 month（月）。", 400,
                       errors={"group": ["取值必须是 day、week、month 之一。"]})
    unit_id = None
    if params.get("unit") not in (None, ""):
        try:
            unit_id = int(params["unit"])
        except ValueError:
            raise ApiError("invalid", "单位编号必须是整数。", 400, errors={"unit": ["单位编号必须是整数。"]})
    root = selectors.stats_root(request.user, unit_id)
    if unit_id is not None and root is None:
        raise ApiError("not_found", "未找到该单位。", 404)
    return selectors.Query(start=start, end=end, group=group, unit=root)


class StatsPermission:
    permission_classes = [IsStaff]
    required_perms = ("stats.view_stats",)


class SummaryView(StatsPermission, APIView):
    @extend_schema(summary="统计汇总", parameters=PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(selectors.summary(parse_query(request)))


class IgnoreFormatNegotiation(BaseContentNegotiation):
    """`?format=csv|xlsx` names the file type here, not a DRF renderer; errors still go out as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ExportView(StatsPermission, APIView):
    content_negotiation_class = IgnoreFormatNegotiation

    @extend_schema(
        summary="导出统计（CSV / XLSX）",
        parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=list(exports.FORMATS)), *PARAMETERS],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        kind = request.query_params.get("format") or "csv"
        if kind not in exports.FORMATS:
            raise ApiError("invalid", "导出格式只能是 csv 或 xlsx。", 400, errors={"format": ["取值必须是 csv、xlsx 之一。"]})
        query = parse_query(request)
        data = selectors.summary(query)
        body, content_type = exports.FORMATS[kind](data)
        audit(request, "stats.export", query.unit, changes={
            "format": kind, "from": data["from"], "to": data["to"], "group": data["group"],
            "unit": query.unit.pk if query.unit else None,
        })
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="kckp-stats-{data["from"]}-{data["to"]}.{kind}"'
        return response
