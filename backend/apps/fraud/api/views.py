from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.permissions import IsStaff
from apps.common.scoping import restrict
from apps.fraud import services
from apps.fraud.models import FraudWarning, Kind


class WarningSerializer(serializers.ModelSerializer):
    case = serializers.SerializerMethodField()
    dispatch = serializers.SerializerMethodField()
    suggested_station = serializers.SerializerMethodField()
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = FraudWarning
        fields = ["id", "kind", "kind_label", "plate", "count", "window_days", "reason", "data", "active", "created_at",
                  "case", "dispatch", "suggested_station"]

    def get_case(self, w: FraudWarning) -> dict:
        c = w.case
        return {"id": c.pk, "receipt_no": c.receipt_no, "status": c.status, "status_label": c.get_status_display(),
                "occurred_at": c.occurred_at, "unit": {"id": c.unit_id, "name": c.unit.name if c.unit_id else ""}}

    def get_dispatch(self, w: FraudWarning) -> dict | None:
        if not w.dispatched_at:
            return None
        by = w.dispatched_by
        return {"station": w.dispatched_station.name if w.dispatched_station_id else "",
                "by": by.shown_name if by else "", "at": w.dispatched_at}

    def get_suggested_station(self, w: FraudWarning) -> dict | None:
        return services.nearest_station(w.case.gcj_lng, w.case.gcj_lat, within_unit=w.case.unit)


class WarningListView(ListAPIView):
    permission_classes = [IsStaff]
    required_perms = ("fraud.view_fraudwarning",)
    serializer_class = WarningSerializer

    def get_queryset(self):
        qs = restrict(FraudWarning.objects.select_related("case__unit", "dispatched_station", "dispatched_by"), self.request.user)
        if self.request.query_params.get("active", "true") != "all":
            qs = qs.filter(active=True)
        kind = self.request.query_params.get("kind")
        if kind:
            qs = qs.filter(kind=kind)
        plate = self.request.query_params.get("plate")
        if plate:
            from apps.cases.plates import normalize_plate

            qs = qs.filter(plate=normalize_plate(plate))
        return qs

    @extend_schema(summary="骗保预警列表（本人范围）", parameters=[
        OpenApiParameter("active", str, enum=["true", "all"]), OpenApiParameter("plate", str),
        OpenApiParameter("kind", str, enum=[k.value for k in Kind])])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class WarningHistoryView(APIView):
    permission_classes = [IsStaff]
    required_perms = ("fraud.view_fraudwarning",)

    @extend_schema(summary="预警车辆的历史事故（全市范围，仅时间、县区、状态）", responses=inline_serializer("VehicleHistory", {
        "plate": serializers.CharField(), "count": serializers.IntegerField(), "cases": serializers.ListField(child=serializers.DictField())}))
    def get(self, request, pk: int):
        warning = get_object_or_404(restrict(FraudWarning.objects.select_related("case"), request.user), pk=pk)
        if warning.kind != Kind.REPEAT_PLATE:  # the key of the other signals is not a plate
            return Response({"plate": warning.plate, "count": 0, "cases": []})
        history = services.vehicle_history(warning.plate, exclude_case_id=warning.case_id)
        return Response({"plate": warning.plate, "count": sum(1 for h in history if h["counts"]), "cases": history})


class DispatchView(APIView):
    permission_classes = [IsStaff]
    required_perms = ("fraud.dispatch",)

    @extend_schema(summary="安排派出所出警", request=inline_serializer("DispatchInput", {"station": serializers.IntegerField()}),
                   responses=WarningSerializer)
    def post(self, request, pk: int):
        warning = get_object_or_404(restrict(FraudWarning.objects.all(), request.user), pk=pk)
        try:
            station = int(request.data.get("station"))
        except (TypeError, ValueError, AttributeError):
            from apps.common.exceptions import ApiError

            raise ApiError("invalid", "请选择一个派出所。", 400) from None
        warning = services.dispatch(request, warning, station)
        return Response(WarningSerializer(warning).data)
