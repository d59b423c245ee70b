from datetime import datetime
from types import SimpleNamespace

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.cases import agreement
from apps.cases.media_urls import media_url
from apps.cases.models import Case, CaseEvent, Media, Party, Status
from apps.cases.next_steps import next_step
from apps.cases.plates import mask_name, mask_phone
from apps.cases.selectors import related_rows


class PartySerializer(serializers.ModelSerializer):
    insurer = serializers.SerializerMethodField()
    insurer_label = serializers.SerializerMethodField()
    vehicle_type_label = serializers.CharField(source="get_vehicle_type_display", read_only=True)
    liability_label = serializers.CharField(source="get_liability_display", read_only=True)

    class Meta:
        model = Party
        fields = ["index", "plate", "vehicle_type", "vehicle_type_label", "insurer", "insurer_name", "insurer_label",
                  "phone", "driver_name", "liability", "liability_label"]

    def get_insurer(self, party: Party) -> str | None:
        return party.insurer.code if party.insurer_id else None

    def get_insurer_label(self, party: Party) -> str:
        return party.insurer.name if party.insurer_id else party.insurer_name


class MediaSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumb_url = serializers.SerializerMethodField()

    class Meta:
        model = Media
        fields = ["id", "slot", "party", "kind", "content_type", "size", "sha256", "width", "height", "exif_taken_at",
                  "url", "thumb_url", "created_at"]

    def get_url(self, media: Media) -> str | None:
        return media_url(media, "original")

    def get_thumb_url(self, media: Media) -> str | None:
        return media_url(media, "thumb") or None


class StaffMediaSerializer(MediaSerializer):
    class Meta(MediaSerializer.Meta):
        fields = MediaSerializer.Meta.fields + ["exif_lng", "exif_lat", "phash"]


class PublicEventSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = CaseEvent
        fields = ["at", "action", "status", "label", "note"]


class StaffEventSerializer(PublicEventSerializer):
    actor = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()

    class Meta(PublicEventSerializer.Meta):
        fields = PublicEventSerializer.Meta.fields + ["actor", "unit", "data"]

    def get_actor(self, event: CaseEvent) -> str:
        if event.actor_id is None:
            return ""
        return event.actor.shown_name

    def get_unit(self, event: CaseEvent) -> str:
        return event.unit.name if event.unit_id else ""


def unit_summary(unit) -> dict | None:
    if unit is None:
        return None
    return {"id": unit.pk, "name": unit.name, "adcode": unit.adcode, "phone": unit.phone}


class CaseBaseSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    unit = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    next_step = serializers.SerializerMethodField()
    fraud_warnings = serializers.SerializerMethodField()

    def get_unit(self, case: Case) -> dict | None:
        return unit_summary(case.unit)

    def get_location(self, case: Case) -> dict | None:
        return _location(case)

    def get_next_step(self, case: Case) -> str:
        return next_step(case)

    def get_fraud_warnings(self, case: Case) -> list[dict]:
        return []


class OwnerCaseSerializer(CaseBaseSerializer):
    agreement = serializers.SerializerMethodField()
    parties = PartySerializer(many=True, read_only=True)
    media = MediaSerializer(many=True, read_only=True)
    timeline = PublicEventSerializer(source="events", many=True, read_only=True)

    class Meta:
        model = Case
        fields = ["id", "receipt_no", "status", "status_label", "checklist", "location", "occurred_at", "parties", "media",
                  "unit", "inside_jurisdiction", "timeline", "feedback", "next_step", "fraud_warnings", "created_at",
                  "updated_at", "submitted_at", "liability_suggestion", "agreement"]

    def get_agreement(self, case: Case) -> dict:
        return agreement.state(case)


def _labels(model, name: str) -> dict:
    return {value: str(label) for value, label in model._meta.get_field(name).flatchoices}


# What `get_FOO_display()` gives, from the same choices, without rebuilding the lookup on every call.
_CASE_STATUS, _EVENT_STATUS = _labels(Case, "status"), _labels(CaseEvent, "status")
_VEHICLE_TYPE, _LIABILITY = _labels(Party, "vehicle_type"), _labels(Party, "liability")


def _label(labels: dict, value):
    return labels.get(value, value)


def owner_case_data(case: Case) -> dict:
    """What `OwnerCaseSerializer(case).data` gives, built directly (a test holds the two equal).

    Draft creation and submission answer with it: the nested model serializers rebuild their
    fields from the models on every request, about a tenth of a submission's CPU. The serializer
    stays the documented schema. `case` carries its parties, media and events prefetched."""
    when = timestamps()
    return {
        "id": case.pk, "receipt_no": case.receipt_no, "status": case.status, "status_label": _label(_CASE_STATUS, case.status),
        "checklist": case.checklist, "location": _location(case), "occurred_at": when(case.occurred_at),
        "parties": [party_data(p) for p in related_rows(case, "parties")],
        "media": [media_data(m, when) for m in related_rows(case, "media")],
        "unit": unit_summary(case.unit), "inside_jurisdiction": case.inside_jurisdiction,
        "timeline": [{"at": when(e.at), "action": e.action, "status": e.status, "label": _label(_EVENT_STATUS, e.status),
                      "note": e.note} for e in related_rows(case, "events")],
        "feedback": case.feedback, "next_step": next_step(case), "fraud_warnings": [],
        "created_at": when(case.created_at), "updated_at": when(case.updated_at),
        "submitted_at": when(case.submitted_at), "liability_suggestion": case.liability_suggestion,
        "agreement": agreement.state(case),
    }


def party_data(party: Party) -> dict:
    """`PartySerializer(party).data`, built directly."""
    insurer = party.insurer if party.insurer_id else None
    return {
        "index": party.index, "plate": party.plate, "vehicle_type": party.vehicle_type,
        "vehicle_type_label": _label(_VEHICLE_TYPE, party.vehicle_type), "insurer": insurer.code if insurer else None,
        "insurer_name": party.insurer_name, "insurer_label": insurer.name if insurer else party.insurer_name,
        "phone": party.phone, "driver_name": party.driver_name, "liability": party.liability,
        "liability_label": _label(_LIABILITY, party.liability),
    }


def media_data(media: Media, when=None) -> dict:
    """`MediaSerializer(media).data`, built directly."""
    when = when or timestamps()
    return {
        "id": media.pk, "slot": media.slot, "party": media.party, "kind": media.kind, "content_type": media.content_type,
        "size": media.size, "sha256": media.sha256, "width": media.width, "height": media.height,
        "exif_taken_at": when(media.exif_taken_at), "url": media_url(media, "original"),
        "thumb_url": media_url(media, "thumb") or None, "created_at": when(media.created_at),
    }


def _location(case: Case) -> dict | None:
    if case.lng is None:
        return None
    return {
        "lng": case.lng, "lat": case.lat, "coord_system": case.coord_system, "address": case.address,
        "detail": case.address_detail,
        "gcj02": {"lng": case.gcj_lng, "lat": case.gcj_lat}, "wgs84": {"lng": case.wgs_lng, "lat": case.wgs_lat},
    }


class OwnerCaseListSerializer(CaseBaseSerializer):
    class Meta:
        model = Case
        fields = ["id", "receipt_no", "status", "status_label", "unit", "occurred_at", "created_at", "updated_at",
                  "submitted_at", "next_step", "location", "inside_jurisdiction", "fraud_warnings"]


class FraudWarningBrief(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    plate = serializers.CharField()
    count = serializers.IntegerField()
    window_days = serializers.IntegerField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


_TIMESTAMP = serializers.DateTimeField()


def timestamps():
    """`serializers.DateTimeField().to_representation` for a whole answer: the current time zone is
    looked up once (each lookup goes through asgiref's context-local state), and an aware datetime is
    written as DRF writes it (ISO 8601 in that zone, "Z" for UTC). Anything else goes to DRF."""
    zone = timezone.get_current_timezone() if settings.USE_TZ else None
    represent = _TIMESTAMP.to_representation

    def when(value):
        if zone is None or not isinstance(value, datetime) or value.tzinfo is None:
            return represent(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return when


def warning_brief(warning) -> dict:
    """What FraudWarningBrief gives, built directly."""
    return {"id": warning.pk, "kind": warning.kind, "plate": warning.plate, "count": warning.count,
            "window_days": warning.window_days, "reason": warning.reason,
            "created_at": _TIMESTAMP.to_representation(warning.created_at)}


def staff_case_list_data(rows: list[dict]) -> list[dict]:
    """What `StaffCaseListSerializer(cases, many=True).data` gives, built from the rows of
    `staff_case_rows()` with their plates and warnings (`with_plates_and_warnings()`); a test holds
    the two equal. The serializer stays the documented schema."""
    when = _TIMESTAMP.to_representation
    labels = dict(Status.choices)
    return [{
        "id": row["id"], "receipt_no": row["receipt_no"], "status": row["status"],
        "status_label": str(labels.get(row["status"], row["status"])),
        "unit": unit_summary(SimpleNamespace(pk=row["unit_id"], name=row["unit__name"], adcode=row["unit__adcode"],
                                             phone=row["unit__phone"])) if row["unit_id"] is not None else None,
        "inside_jurisdiction": row["inside_jurisdiction"], "occurred_at": when(row["occurred_at"]),
        "submitted_at": when(row["submitted_at"]), "decided_at": when(row["decided_at"]), "address": row["address"],
        "plates": row["plates"], "has_fraud_warning": row["has_fraud_warning"],
        "claimed_by": (row["claimed_by__display_name"] or row["claimed_by__username"]) if row["claimed_by_id"] else "",
        "fraud_warnings": [warning_brief(SimpleNamespace(pk=w["id"], **w)) for w in row["warnings"]],
    } for row in rows]


class StaffCaseListSerializer(CaseBaseSerializer):
    plates = serializers.SerializerMethodField()
    claimed_by = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["id", "receipt_no", "status", "status_label", "unit", "inside_jurisdiction", "occurred_at",
                  "submitted_at", "decided_at", "address", "plates", "has_fraud_warning", "claimed_by", "fraud_warnings"]

    def get_plates(self, case: Case) -> list[str]:
        return [p.plate for p in case.parties.all()]

    def get_claimed_by(self, case: Case) -> str:
        return case.claimed_by.shown_name if case.claimed_by_id else ""

    @extend_schema_field(FraudWarningBrief(many=True))
    def get_fraud_warnings(self, case: Case) -> list[dict]:
        # Plain dicts: a nested serializer per row would rebuild its fields twenty times a page.
        return [warning_brief(w) for w in case.fraud_warnings.all() if w.active]


class StaffCaseSerializer(StaffCaseListSerializer):
    parties = PartySerializer(many=True, read_only=True)
    media = StaffMediaSerializer(many=True, read_only=True)
    timeline = StaffEventSerializer(source="events", many=True, read_only=True)
    unit_polygon = serializers.SerializerMethodField()
    insurer_claims = serializers.SerializerMethodField()
    agreement = serializers.SerializerMethodField()

    class Meta(StaffCaseListSerializer.Meta):
        fields = StaffCaseListSerializer.Meta.fields + [
            "checklist", "location", "parties", "media", "timeline", "feedback", "closing_notes", "next_step",
            "claimed_at", "closed_at", "created_at", "unit_polygon", "insurer_claims", "liability_suggestion", "agreement",
        ]

    def get_agreement(self, case: Case) -> dict:
        return agreement.state(case, with_ip=True)

    def get_unit_polygon(self, case: Case) -> dict | None:
        return case.unit.jurisdiction if case.unit_id else None

    def get_insurer_claims(self, case: Case) -> list[dict]:
        return [{"company": c.company.name, "claim_no": c.claim_no, "accepted_at": c.accepted_at} for c in case.insurer_claims.all()]


class InsurerCaseSerializer(CaseBaseSerializer):
    """What an insurer sees: its own insured party in full, the others masked; the scene photos and
    video, and the licences and policy of its own insured party only."""

    parties = serializers.SerializerMethodField()
    media = serializers.SerializerMethodField()
    timeline = PublicEventSerializer(source="events", many=True, read_only=True)
    insurer_claims = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["id", "receipt_no", "status", "status_label", "unit", "occurred_at", "submitted_at", "location",
                  "parties", "media", "timeline", "feedback", "insurer_claims", "inside_jurisdiction", "fraud_warnings"]

    def get_parties(self, case: Case) -> list[dict]:
        company_id = self.context["company_id"]
        rows = []
        parties = list(case.parties.all())
        for row, party in zip(PartySerializer(parties, many=True).data, parties, strict=True):
            own = party.insurer_id == company_id
            row = dict(row)
            row["insured_by_you"] = own
            if not own:
                row["phone"] = mask_phone(party.phone)
                row["driver_name"] = mask_name(party.driver_name)
            rows.append(row)
        return rows

    @extend_schema_field(MediaSerializer(many=True))
    def get_media(self, case: Case) -> list[dict]:
        company_id = self.context["company_id"]
        own = {party.index for party in case.parties.all() if party.insurer_id == company_id}
        visible = [m for m in case.media.all() if m.party is None or m.party in own]
        return MediaSerializer(visible, many=True, context=self.context).data

    def get_insurer_claims(self, case: Case) -> list[dict]:
        return [{"company": c.company.name, "claim_no": c.claim_no, "accepted_at": c.accepted_at}
                for c in case.insurer_claims.all() if c.company_id == self.context["company_id"]]


class TrackSerializer(CaseBaseSerializer):
    timeline = PublicEventSerializer(source="events", many=True, read_only=True)
    agreement = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["receipt_no", "status", "status_label", "unit", "occurred_at", "submitted_at", "timeline", "feedback",
                  "next_step", "agreement"]

    def get_agreement(self, case: Case) -> dict:
        return agreement.summary(case)
