from django.db.models import Max
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.alerts.models import Alert, ReadMark
from apps.alerts.services import TICKET_TTL, alert_message, issue_ticket
from apps.common.permissions import IsStaff
from apps.common.scoping import restrict

MAX_BATCH = 200


class TicketView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        request=None,
        responses=inline_serializer("AlertTicket", {"ticket": serializers.CharField(), "expires_in": serializers.IntegerField()}),
        summary="获取一次性实时提醒连接票据",
    )
    def post(self, request):
        return Response({"ticket": issue_ticket(request.user), "expires_in": TICKET_TTL})


class AlertListView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        parameters=[OpenApiParameter("after", int, description="只返回 id 大于该值的提醒")],
        responses=inline_serializer(
            "AlertList", {"results": serializers.ListField(child=serializers.DictField()), "unread": serializers.IntegerField(),
                          "last_id": serializers.IntegerField()}
        ),
        summary="提醒列表（断线后按 id 补取）",
    )
    def get(self, request):
        try:
            after = int(request.query_params.get("after", "0") or 0)
        except ValueError:
            after = 0
        scoped = restrict(Alert.objects.all(), request.user)
        mark = ReadMark.objects.filter(user=request.user).values_list("last_read_id", flat=True).first() or 0
        if after > 0:
            rows = scoped.filter(id__gt=after).select_related("unit").order_by("id")[:MAX_BATCH]
        else:
            rows = reversed(list(scoped.select_related("unit").order_by("-id")[:50]))
        results = [{**alert_message(a), "read": a.pk <= mark} for a in rows]
        return Response({
            "results": results,
            "unread": scoped.filter(id__gt=mark).count(),
            "last_id": scoped.aggregate(m=Max("id"))["m"] or 0,
        })


class ReadView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        request=inline_serializer("AlertRead", {"up_to": serializers.IntegerField()}), responses={204: None},
        summary="标记提醒为已读",
    )
    def post(self, request):
        try:
            up_to = int(request.data.get("up_to"))
            if not 0 <= up_to < 2**63:  # a BigIntegerField: larger values would fail in the database
                raise ValueError
        except (TypeError, ValueError, AttributeError):  # AttributeError: the body is not a JSON object
            from apps.common.exceptions import ApiError

            raise ApiError("invalid", "up_to 必须是非负整数。", 400)
        mark, _ = ReadMark.objects.get_or_create(user=request.user)
        if up_to > mark.last_read_id:
            mark.last_read_id = up_to
            mark.save(update_fields=["last_read_id"])
        return Response(status=204)
