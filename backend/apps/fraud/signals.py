"""Fraud signals beyond the plate count, computed when a case is submitted.

Each signal is a `FraudWarning` with its own `kind` and a Chinese `reason` for the officer:

- `same_photo`: a file with the same SHA-256 in another counting case (any age; one index lookup);
- `similar_photo`: a scene photo whose 64-bit dHash is within `photo_similarity_bits` of a scene
  photo of another case. Candidates are the exact dHash matches in the fraud window (index on
  `Media.phash`) plus a bounded scan of the scene photos of cases submitted in the last
  `photo_scan_days` (newest first, at most `SCAN_LIMIT` rows), compared in Python with XOR/popcount;
- `exif_time` / `exif_place`: a scene photo taken (EXIF) far from the declared time or place. Licence
  and policy photos are exempt: people photograph their papers at home, days before;
- `shared_phone`: one phone number behind more than `phone_plate_threshold` plates in the window;
- `repeat_pair`: the same two plates together in another case in the window.

"Counting" cases are those that are neither drafts, voided nor expired. Blank frames (a dHash with
hardly any bits set, e.g. a covered lens) are never matched: two of them say nothing about reuse.

`plate` is the key of a warning within (case, kind): the other case's receipt number for photo and
pair matches, the masked phone number for shared phones, empty for the EXIF checks.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import combinations

from django.db.models import QuerySet
from django.utils import timezone

from apps.cases.media_slots import OPTIONAL_SCENE_SLOTS, SCENE_SLOTS
from apps.cases.models import Case, Media, Party, Status
from apps.cases.plates import mask_phone
from apps.units.geo import WGS84, distance_m, to_gcj02

from .models import FraudWarning, Kind

SIGNAL_KINDS = (Kind.SAME_PHOTO, Kind.SIMILAR_PHOTO, Kind.EXIF_TIME, Kind.EXIF_PLACE, Kind.SHARED_PHONE, Kind.REPEAT_PAIR)
COUNTING = (Status.SUBMITTED, Status.REVIEWING, Status.ACCEPTED, Status.REJECTED, Status.CLOSED)
PHOTO_SLOTS = tuple(SCENE_SLOTS) + ("scene_extra",)
SLOT_LABELS = {**SCENE_SLOTS, **OPTIONAL_SCENE_SLOTS, "driver_licence": "驾驶证", "vehicle_licence": "行驶证", "policy": "保险单"}
# Rows of the bounded similarity scan (newest first): a few milliseconds of XOR/popcount in Python.
# At about 100 cases a day city-wide, 5,000 scene photos cover the whole default 30-day scan.
SCAN_LIMIT = 5_000
MAX_MATCHES = 5  # other cases reported per kind; more add nothing for the officer
MIN_DETAIL_BITS = 4


@dataclass
class Signal:
    kind: str
    key: str
    reason: str
    count: int = 1
    window_days: int = 0
    related_case_id: int | None = None
    data: dict = field(default_factory=dict)


def _local(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _detailed(phash: str) -> bool:
    if not phash:
        return False
    bits = int(phash, 16).bit_count()
    return MIN_DETAIL_BITS <= bits <= 64 - MIN_DETAIL_BITS


def _slot(slot: str) -> str:
    return SLOT_LABELS.get(slot, slot)


def _other_cases(ids) -> dict[int, Case]:
    if not ids:
        return {}
    return {c.pk: c for c in Case.objects.filter(pk__in=ids).select_related("unit").only(
        "id", "receipt_no", "occurred_at", "unit__name")}


def _where(other: Case) -> str:
    unit = other.unit.name if other.unit_id else "未分派单位"
    when = _local(other.occurred_at) if other.occurred_at else "时间不详"
    return f"{when} {unit}受理的案件 {other.receipt_no}"


@dataclass
class PhotoRows:
    """What the photo checks read about other cases."""

    same: list[tuple[int, str, str]] = field(default_factory=list)  # (case id, sha256, slot) of identical files
    candidates: set[tuple[int, str]] = field(default_factory=set)  # (case id, dHash) of scene photos to compare


def _hashed(media: list[Media]) -> dict[str, Media]:
    # A blank frame's bytes may well repeat; a video has no dHash and counts by its bytes alone.
    return {m.sha256: m for m in media if m.kind == Media.VIDEO or _detailed(m.phash)}


def _scene(media: list[Media]) -> list[Media]:
    return [m for m in media if m.slot in PHOTO_SLOTS and m.kind == Media.IMAGE and _detailed(m.phash)]


def photo_queries(case: Case, media: list[Media]) -> tuple[QuerySet | None, list[QuerySet]]:
    """The statements of the photo checks, as querysets of plain values: the identical files (None when
    no file of the case can match), then the similarity candidates, the exact dHash matches in the
    fraud window and the bounded scan of recent scene photos (none without a detailed scene photo).

    `photo_rows()` runs them here; the owner fast path (`apps.cases.fastpath`) compiles the same
    querysets and runs them on its own connection."""
    from apps.system.parameters import params

    hashes = _hashed(media)
    same = None
    if hashes:
        same = (Media.objects.filter(sha256__in=list(hashes), case__status__in=COUNTING)
                .exclude(case_id=case.pk).values_list("case_id", "sha256", "slot").order_by("-case_id")[:200])
    scene = _scene(media)
    if not scene:
        return same, []
    now = timezone.now()
    base = (Media.objects.filter(slot__in=PHOTO_SLOTS, kind=Media.IMAGE, case__status__in=COUNTING)
            .exclude(case_id=case.pk).exclude(phash=""))
    exact = base.filter(phash__in=[m.phash for m in scene],
                        case__submitted_at__gte=now - timedelta(days=params.get("fraud_window_days")))
    recent = (base.filter(case__submitted_at__gte=now - timedelta(days=params.get("photo_scan_days")))
              .order_by("-case__submitted_at"))
    return same, [exact.values_list("case_id", "phash")[:SCAN_LIMIT], recent.values_list("case_id", "phash")[:SCAN_LIMIT]]


def photo_rows(case: Case, media: list[Media]) -> PhotoRows:
    same, candidates = photo_queries(case, media)
    found = PhotoRows(same=list(same) if same is not None else [])
    for queryset in candidates:
        found.candidates.update(queryset)
    return found


def photo_matches(media: list[Media], found: PhotoRows) -> tuple[dict, dict]:
    """The other cases with an identical file ({case id: [(own slot, their slot)]}) and those with a
    similar scene photo ({case id: [(distance in bits, own slot)]}), from the rows read."""
    from apps.system.parameters import params

    hashes = _hashed(media)
    same: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for other_id, sha, slot in found.same:
        if sha in hashes:
            same[other_id].append((hashes[sha].slot, slot))
    bits = params.get("photo_similarity_bits")
    mine = [(m, int(m.phash, 16)) for m in _scene(media)]
    best: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for other_id, phash in found.candidates if mine else ():
        if other_id in same:  # the identical file is reported as such, not twice
            continue
        value = int(phash, 16)
        for m, own in mine:
            distance = (own ^ value).bit_count()
            if distance <= bits and _detailed(phash):
                best[other_id].append((distance, m.slot))
    return same, best


def photo_signals(case: Case, media: list[Media], found: PhotoRows | None = None) -> list[Signal]:
    from apps.system.parameters import params

    signals: list[Signal] = []
    if not media:
        return signals
    same, best = photo_matches(media, photo_rows(case, media) if found is None else found)
    others = _other_cases(list(same)[:MAX_MATCHES])
    for other_id, pairs in list(same.items())[:MAX_MATCHES]:
        other = others[other_id]
        mine = "、".join(sorted({f"“{_slot(a)}”" for a, _ in pairs}))
        signals.append(Signal(
            Kind.SAME_PHOTO, other.receipt_no or f"#{other_id}", count=len(pairs), related_case_id=other_id,
            reason=f"照片{mine}与{_where(other)}中的照片完全相同（同一文件），疑似重复使用照片。",
            data={"slots": [a for a, _ in pairs], "other_slots": [b for _, b in pairs]},
        ))
    bits = params.get("photo_similarity_bits")
    scan_days = params.get("photo_scan_days")
    ranked = sorted(best.items(), key=lambda item: (min(d for d, _ in item[1]), -item[0]))[:MAX_MATCHES]
    others = _other_cases([other_id for other_id, _ in ranked])
    for other_id, matches in ranked:
        other = others[other_id]
        closest = min(d for d, _ in matches)
        slots = "、".join(sorted({f"“{_slot(s)}”" for _, s in matches}))
        signals.append(Signal(
            Kind.SIMILAR_PHOTO, other.receipt_no or f"#{other_id}", count=len(matches), window_days=scan_days,
            related_case_id=other_id,
            reason=f"现场照片{slots}与{_where(other)}中的照片高度相似（感知哈希相差 {closest} 位，阈值 {bits} 位），"
                   "疑似同一场景重复报案。",
            data={"distance": closest, "matches": [{"distance": d, "slot": s} for d, s in sorted(set(matches))]},
        ))
    return signals


def _span(delta: timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} 天" if days else "", f"{hours} 小时" if hours else "", f"{minutes} 分钟" if minutes else ""]
    return "".join(p for p in parts if p) or "0 分钟"


def exif_signals(case: Case, media: list[Media]) -> list[Signal]:
    from apps.system.parameters import params

    scene = [m for m in media if m.slot in PHOTO_SLOTS]
    signals = []
    tolerance = params.get("exif_time_tolerance_minutes")
    if case.occurred_at:
        off = [m for m in scene if m.exif_taken_at
               and abs(m.exif_taken_at - case.occurred_at) > timedelta(minutes=tolerance)]
        if off:
            worst = max(off, key=lambda m: abs(m.exif_taken_at - case.occurred_at))
            listed = "、".join(f"“{_slot(m.slot)}”拍摄于 {_local(m.exif_taken_at)}" for m in off[:5])
            signals.append(Signal(
                Kind.EXIF_TIME, "", count=len(off),
                reason=f"{listed}，与申报的事故时间 {_local(case.occurred_at)} 最多相差 "
                       f"{_span(worst.exif_taken_at - case.occurred_at)}（允许 {tolerance} 分钟）。",
                data={"tolerance_minutes": tolerance, "photos": [
                    {"slot": m.slot, "taken_at": m.exif_taken_at.isoformat()} for m in off]},
            ))
    limit_km = params.get("exif_distance_km")
    if case.gcj_lng is not None and case.gcj_lat is not None:
        far = []
        for m in scene:
            if m.exif_lng is None or m.exif_lat is None:
                continue
            # Cameras write WGS-84; the declared place is compared in GCJ-02.
            lng, lat = to_gcj02(m.exif_lng, m.exif_lat, WGS84)
            km = distance_m(lng, lat, case.gcj_lng, case.gcj_lat) / 1000
            if km > limit_km:
                far.append((m, km))
        if far:
            listed = "、".join(f"“{_slot(m.slot)}”" for m, _ in far[:5])
            signals.append(Signal(
                Kind.EXIF_PLACE, "", count=len(far),
                reason=f"照片{listed}的拍摄地点（照片 GPS）距申报的事故地点约 {max(km for _, km in far):.1f} 公里，"
                       f"超过 {limit_km} 公里。",
                data={"distance_km": limit_km, "photos": [{"slot": m.slot, "km": round(km, 2)} for m, km in far]},
            ))
    return signals


# (case id, normalised plate, phone) of a party of another counting case.
PartyRow = tuple[int, str, str]


def window_rows(case: Case, parties: list[Party]) -> list[PartyRow]:
    """Every party of another case in the fraud window that shares a plate or a phone with this case.

    One statement for the repeat-plate count, the shared-phone and the repeat-pair signals: the two
    partial indexes (`party_plate_fraud`, `party_phone_fraud`) answer it as a bitmap OR. It is
    written as SQL because it runs inside every submission and the ORM's compilation of it cost
    more than PostgreSQL's execution. The case's own parties are left out; the callers add them
    from memory, so the same rows serve a draft being submitted (its parties do not count yet) and
    a counting case being re-evaluated.
    """
    from django.db import connection

    from apps.system.parameters import params

    plates = sorted({p.plate_normalized for p in parties if p.plate_normalized})
    phones = sorted({p.phone for p in parties if p.phone})
    if case.occurred_at is None or not (plates or phones):
        return []
    q = connection.ops.quote_name
    column = {name: q(Party._meta.get_field(name).column)
              for name in ("case", "plate_normalized", "phone", "counts_for_fraud", "occurred_at")}
    matches = [f"{column[name]} IN ({', '.join(['%s'] * len(values))})"
               for name, values in (("plate_normalized", plates), ("phone", phones)) if values]
    window = params.get("fraud_window_days")
    sql = (
        f"SELECT {column['case']}, {column['plate_normalized']}, {column['phone']} FROM {q(Party._meta.db_table)} "
        f"WHERE {column['counts_for_fraud']} AND {column['occurred_at']} > %s AND {column['occurred_at']} <= %s "
        f"AND {column['case']} <> %s AND ({' OR '.join(matches)})"
    )
    # The same window as the plate count: ending at the declared time, a few minutes of clock skew allowed.
    start, end = case.occurred_at - timedelta(days=window), case.occurred_at + timedelta(minutes=5)
    with connection.cursor() as cursor:
        adapt = connection.ops.adapt_datetimefield_value  # SQLite keeps naive UTC text
        cursor.execute(sql, [adapt(start), adapt(end), case.pk, *plates, *phones])
        return [tuple(row) for row in cursor.fetchall()]


def phone_signals(case: Case, parties: list[Party], rows: list[PartyRow]) -> list[Signal]:
    from apps.system.parameters import params

    phones = {p.phone for p in parties if p.phone}
    if not phones or case.occurred_at is None:
        return []
    threshold = params.get("phone_plate_threshold")
    window = params.get("fraud_window_days")
    plates: dict[str, set[str]] = defaultdict(set)
    for _, plate, phone in rows:
        if phone in phones and plate:
            plates[phone].add(plate)
    for p in parties:  # this case counts even before its parties are marked
        if p.phone and p.plate_normalized:
            plates[p.phone].add(p.plate_normalized)
    signals = []
    for phone, linked in sorted(plates.items()):
        if len(linked) <= threshold:
            continue
        shown = sorted(linked)
        more = f"等 {len(shown)} 个" if len(shown) > 6 else ""
        signals.append(Signal(
            Kind.SHARED_PHONE, mask_phone(phone), count=len(linked), window_days=window,
            reason=f"手机号 {mask_phone(phone)} 在 {window} 天内关联 {len(linked)} 个不同号牌"
                   f"（{'、'.join(shown[:6])}{more}），超过 {threshold} 个，疑似同一人多次报案。",
            data={"plates": shown[:20]},
        ))
    return signals


def _pairs(case: Case, parties: list[Party], rows: list[PartyRow]) -> dict[int, list[str]]:
    """The other cases in the window with two or more of this case's plates: {case id: plates}."""
    plates = sorted({p.plate_normalized for p in parties if p.plate_normalized})
    if len(plates) < 2 or case.occurred_at is None:
        return {}
    together: dict[int, set[str]] = defaultdict(set)
    for other_id, plate, _ in rows:
        if plate in plates:
            together[other_id].add(plate)
    return {other_id: sorted(found) for other_id, found in together.items() if len(found) >= 2}


def pair_signals(case: Case, parties: list[Party], rows: list[PartyRow]) -> list[Signal]:
    from apps.system.parameters import params

    pairs = _pairs(case, parties, rows)
    if not pairs:
        return []
    window = params.get("fraud_window_days")
    chosen = sorted(pairs, reverse=True)[:MAX_MATCHES]
    others = _other_cases(chosen)
    signals = []
    for other_id in chosen:
        other = others[other_id]
        found = pairs[other_id]
        pair_text = "、".join(" 与 ".join(pair) for pair in combinations(found, 2))
        signals.append(Signal(
            Kind.REPEAT_PAIR, other.receipt_no or f"#{other_id}", count=len(pairs) + 1, window_days=window,
            related_case_id=other_id,
            reason=f"{pair_text} 在 {window} 天内曾共同发生事故（{_where(other)}），本次为第 {len(pairs) + 1} 次。",
            data={"plates": found},
        ))
    return signals


def compute(case: Case, parties: list[Party] | None = None, media: list[Media] | None = None,
            rows: list[PartyRow] | None = None, found: PhotoRows | None = None) -> list[Signal]:
    media = list(case.media.all()) if media is None else media
    parties = list(case.parties.all()) if parties is None else parties
    rows = window_rows(case, parties) if rows is None else rows
    return (photo_signals(case, media, found) + exif_signals(case, media) + phone_signals(case, parties, rows)
            + pair_signals(case, parties, rows))


def names_other_cases(case: Case, parties: list[Party], media: list[Media], rows: list[PartyRow],
                      found: PhotoRows) -> bool:
    """Whether `compute()` would read other cases to name them in a warning (a photo or a plate-pair
    match). Otherwise it runs on the rows given and sends no statement: the owner fast path checks
    such cases itself and leaves the others to the Django path."""
    same, similar = photo_matches(media, found) if media else ({}, {})
    return bool(same or similar or _pairs(case, parties, rows))


def warning_values(case: Case, signal: Signal) -> dict:
    return {"unit_id": case.unit_id, "count": signal.count, "window_days": signal.window_days,
            "reason": signal.reason[:300], "related_case_id": signal.related_case_id, "data": signal.data,
            "active": True}


def apply(case: Case) -> list[FraudWarning]:
    """Recompute the case's signals; returns the warnings that are new or active again.

    Signals no longer found are deactivated, so this serves both submission and re-evaluation
    after another case was voided.
    """
    found = {(s.kind, s.key): s for s in compute(case)}
    existing = {(w.kind, w.plate): w for w in FraudWarning.objects.filter(case=case, kind__in=SIGNAL_KINDS)}
    raised = []
    for key, warning in existing.items():
        if key not in found and warning.active:
            warning.active = False
            warning.save(update_fields=["active"])
    for key, signal in found.items():
        warning = existing.get(key)
        values = warning_values(case, signal)
        if warning is None:
            raised.append(FraudWarning.objects.create(case=case, kind=signal.kind, plate=signal.key[:16], **values))
            continue
        was_active = warning.active
        for name, value in values.items():
            setattr(warning, name, value)
        warning.save()
        if not was_active:
            raised.append(warning)
    return raised


def case_voided(case: Case) -> list[int]:
    """A voided case stops counting: re-evaluate the other cases whose signals leaned on it.

    Returns the ids of the cases whose signals changed."""
    masks = {mask_phone(p.phone) for p in case.parties.all() if p.phone}
    affected = set(
        FraudWarning.objects.filter(active=True, kind__in=SIGNAL_KINDS, related_case=case).values_list("case_id", flat=True)
    )
    if masks:
        affected.update(FraudWarning.objects.filter(active=True, kind=Kind.SHARED_PHONE, plate__in=masks)
                        .values_list("case_id", flat=True))
    affected.discard(case.pk)
    changed = []
    for other in Case.objects.filter(pk__in=affected).exclude(status__in=[Status.DRAFT, Status.VOIDED]):
        before = set(FraudWarning.objects.filter(case=other, active=True).values_list("pk", flat=True))
        apply(other)
        after = set(FraudWarning.objects.filter(case=other, active=True).values_list("pk", flat=True))
        if before != after:
            changed.append(other.pk)
    return changed
