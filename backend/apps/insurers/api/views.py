from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.cases.api.serializers import InsurerCaseSerializer
from apps.common.permissions import IsStaff
from apps.common.throttling import InsurerLookupThrottle, PublicThrottle
from apps.insurers import services
from apps.insurers.models import InsuranceCompany


class InsurerListView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [PublicThrottle]

    @extend_schema(summary="保险公司列表", responses=inline_serializer("Insurer", {
        "code": serializers.CharField(), "name": serializers.CharField(), "hotline": serializers.CharField()}, many=True))
    def get(self, request):
        rows = InsuranceCompany.objects.filter(is_active=True).values("code", "name", "full_name", "hotline")
        return Response(list(rows))


class InsurerCaseView(APIView):
    permission_classes = [IsStaff]
    required_perms = ("insurers.lookup_case",)
    throttle_classes = [InsurerLookupThrottle]

    @extend_schema(summary="保险公司按受理号查询（仅本公司承保的案件）", responses=InsurerCaseSerializer)
    def get(self, request, receipt_no: str):
        case = services.lookup(request, receipt_no)
        return Response(InsurerCaseSerializer(case, context={"company_id": request.user.insurer_id}).data)


class InsurerClaimView(APIView):
    permission_classes = [IsStaff]
    required_perms = ("insurers.record_claim",)
    throttle_classes = [InsurerLookupThrottle]

    @extend_schema(summary="登记理赔受理", request=inline_serializer("ClaimInput", {
        "claim_no": serializers.CharField(), "accepted_at": serializers.DateTimeField(required=False)}),
        responses=inline_serializer("ClaimOut", {"claim_no": serializers.CharField(), "accepted_at": serializers.DateTimeField()}))
    def post(self, request, receipt_no: str):
        data = request.data if isinstance(request.data, dict) else {}
        claim = services.record_claim(request, receipt_no, str(data.get("claim_no", "") or ""), data.get("accepted_at"))
        return Response({"claim_no": claim.claim_no, "accepted_at": claim.accepted_at, "company": claim.company.name}, status=201)
