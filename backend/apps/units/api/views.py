import logging
import math

from django.core.cache import cache
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.cases.validation import (  # the draft's own wording for the same mistakes
    COORD_SYSTEM_INVALID,
    COORD_SYSTEM_REQUIRED,
    LAT_INVALID,
    LAT_REQUIRED,
    LNG_INVALID,
    LNG_REQUIRED,
    OUT_OF_RANGE,
)
from apps.common.exceptions import ApiError
from apps.common.permissions import IsOwner, IsStaff
from apps.common.scoping import scope_units
from apps.common.throttling import AddressThrottle, PublicThrottle
from apps.units import addresses, geocoder
from apps.units.geo import COORD_SYSTEMS, jurisdictions
from apps.units.models import ABOVE_COUNTY, Unit, UnitKind

log = logging.getLogger(__name__)


QUERY_LENGTH = "请输入 2 到 50 个字的地名或地址。"
SEARCH_NOT_CONFIGURED = "地址搜索暂不可用，请在地图上点选事故位置。"
SEARCH_FAILED = "地图服务暂时无法访问，请稍后重试或在地图上点选事故位置。"

ErrorBody = inline_serializer("AddressError", {"code": serializers.CharField(), "detail": serializers.CharField()})


class UnitBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    adcode = serializers.CharField()
    phone = serializers.CharField()


UnitBrief = UnitBriefSerializer()


class LocateView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [PublicThrottle]

    @extend_schema(
        summary="按坐标判断管辖单位",
        parameters=[OpenApiParameter("lng", float, required=True), OpenApiParameter("lat", float, required=True),
                    OpenApiParameter("coord_system", str, enum=list(COORD_SYSTEMS), required=True)],
        responses=inline_serializer("Located", {"unit": UnitBrief, "inside_jurisdiction": serializers.BooleanField()}),
    )
    def get(self, request):
        try:
            lng = float(request.query_params["lng"])
            lat = float(request.query_params["lat"])
        except (KeyError, ValueError):
            raise ApiError("invalid", "请提供数字形式的经度 lng 和纬度 lat。", 400) from None
        if not (math.isfinite(lng) and math.isfinite(lat)) or not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise ApiError("invalid", "坐标超出范围：经度应在 -180~180，纬度应在 -90~90 之间。", 400)
        coord_system = request.query_params.get("coord_system", "")
        if coord_system not in COORD_SYSTEMS:
            raise ApiError("invalid", "coord_system 只能是 wgs84 或 gcj02。", 400)
        located = jurisdictions.locate(lng, lat, coord_system)
        if located is None:
            raise ApiError("no_unit", "系统尚未配置处理单位。", 503)
        unit = Unit.objects.only("pk", "name", "adcode", "phone").get(pk=located.unit_id)
        return Response({"unit": unit.summary(), "inside_jurisdiction": located.inside})


class JurisdictionsView(APIView):
    """County polygons for maps (public: administrative boundaries, no case data)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [PublicThrottle]

    @extend_schema(summary="各县区辖区边界（GeoJSON，GCJ-02）", responses=inline_serializer(
        "FeatureCollection", {"type": serializers.CharField(), "features": serializers.ListField(child=serializers.DictField())}))
    def get(self, request):
        units = Unit.objects.filter(is_active=True, jurisdiction__isnull=False).exclude(kind__in=ABOVE_COUNTY)
        features = [
            {"type": "Feature", "properties": {"id": u.pk, "name": u.name, "adcode": u.adcode, "phone": u.phone},
             "geometry": u.jurisdiction}
            for u in units.order_by("adcode")
        ]
        response = Response({"type": "FeatureCollection", "features": features})
        response["Cache-Control"] = "public, max-age=300"
        return response


def unit_row(unit: Unit) -> dict:
    return {
        "id": unit.pk, "name": unit.name, "kind": unit.kind, "kind_label": unit.get_kind_display(), "adcode": unit.adcode,
        "phone": unit.phone, "address": unit.address, "parent": unit.parent_id, "level": unit.level,
        "lng": unit.lng, "lat": unit.lat, "is_active": unit.is_active, "has_jurisdiction": unit.jurisdiction is not None,
    }


class UnitListView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(summary="本人范围内的单位（树形顺序）", responses=inline_serializer("UnitRow", {
        "id": serializers.IntegerField(), "name": serializers.CharField(), "parent": serializers.IntegerField(allow_null=True),
        "level": serializers.IntegerField(), "kind": serializers.CharField(), "adcode": serializers.CharField()}, many=True))
    def get(self, request):
        units = scope_units(request.user).defer("jurisdiction").order_by("tree_id", "lft")
        return Response([unit_row(u) for u in units])


class TransferTargetsView(APIView):
    permission_classes = [IsStaff]
    required_perms = ("cases.transfer_case",)

    @extend_schema(summary="可转办的单位（全部县级大队及市支队）", responses=UnitBriefSerializer(many=True))
    def get(self, request):
        units = Unit.objects.filter(is_active=True, kind__in=[*ABOVE_COUNTY, UnitKind.COUNTY]).defer("jurisdiction")
        return Response([u.summary() for u in units.order_by("tree_id", "lft")])


def public_contacts() -> list[dict]:
    """Brigade phone numbers for the guide, straight from the unit tree so they never drift."""
    key = "units:contacts"
    rows = cache.get(key)
    if rows is None:
        rows = [
            {"name": u.name, "phone": u.phone, "address": u.address, "kind": u.get_kind_display()}
            for u in Unit.objects.filter(is_active=True).exclude(kind=UnitKind.STATION).defer("jurisdiction").order_by("tree_id", "lft")
        ]
        cache.set(key, rows, 60)
    return rows


class PointQuery(serializers.Serializer):
    lng = serializers.FloatField(error_messages={"invalid": LNG_INVALID, "required": LNG_REQUIRED, "null": LNG_REQUIRED})
    lat = serializers.FloatField(error_messages={"invalid": LAT_INVALID, "required": LAT_REQUIRED, "null": LAT_REQUIRED})
    coord_system = serializers.ChoiceField(choices=COORD_SYSTEMS, error_messages={
        "invalid_choice": COORD_SYSTEM_INVALID, "required": COORD_SYSTEM_REQUIRED})

    def validate(self, data):
        lng, lat = data["lng"], data["lat"]
        if not (math.isfinite(lng) and math.isfinite(lat)) or not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise serializers.ValidationError(OUT_OF_RANGE)
        return data


class SearchQuery(serializers.Serializer):
    q = serializers.CharField(min_length=2, max_length=50, error_messages={
        "required": QUERY_LENGTH, "blank": QUERY_LENGTH, "min_length": QUERY_LENGTH, "max_length": QUERY_LENGTH,
        "invalid": QUERY_LENGTH, "null_characters_not_allowed": QUERY_LENGTH, "surrogate_characters_not_allowed": QUERY_LENGTH})


class OwnerAddressView(APIView):
    """The standardised address of a point the owner picked or the phone located."""

    permission_classes = [IsOwner]
    throttle_classes = [PublicThrottle, AddressThrottle]

    @extend_schema(
        summary="车主：坐标转标准地址（逆地理编码；地图服务不可用时按辖区给出县级地址）",
        parameters=[OpenApiParameter("lng", float, required=True), OpenApiParameter("lat", float, required=True),
                    OpenApiParameter("coord_system", str, enum=list(COORD_SYSTEMS), required=True)],
        responses={200: inline_serializer("OwnerAddress", {
            "address": serializers.CharField(allow_blank=True), "county": serializers.CharField(allow_blank=True),
            "source": serializers.ChoiceField(choices=[addresses.SOURCE_MAP, addresses.SOURCE_JURISDICTION])}),
            400: ErrorBody},
    )
    def get(self, request):
        query = PointQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return Response(addresses.address_at(data["lng"], data["lat"], data["coord_system"]))


class OwnerAddressSearchView(APIView):
    """Places in Baise by name or address, for an owner who types instead of picking on the map."""

    permission_classes = [IsOwner]
    throttle_classes = [PublicThrottle, AddressThrottle]

    @extend_schema(
        summary="车主：按地名或地址搜索百色辖区内的地点（GCJ-02；未配置地图服务时 503）",
        parameters=[OpenApiParameter("q", str, required=True, description="2–50 个字")],
        responses={200: inline_serializer("OwnerAddressSearch", {"results": inline_serializer("OwnerAddressPlace", {
            "name": serializers.CharField(), "address": serializers.CharField(allow_blank=True),
            "lng": serializers.FloatField(), "lat": serializers.FloatField(),
            "coord_system": serializers.ChoiceField(choices=["gcj02"]), "county": serializers.CharField()}, many=True)}),
            400: ErrorBody, 503: ErrorBody},
    )
    def get(self, request):
        query = SearchQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        if not geocoder.is_configured():
            raise ApiError("geocoder_unavailable", SEARCH_NOT_CONFIGURED, 503)
        try:
            results = addresses.search_places(query.validated_data["q"])
        except geocoder.GeocoderError as exc:
            log.warning("place search failed: %s %s", exc.info, exc.infocode)
            raise ApiError("geocoder_unavailable", SEARCH_FAILED, 503) from None
        return Response({"results": results})
