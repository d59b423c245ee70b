"""Writes to the unit tree. Tree writes take a lock: MPTT renumbers whole trees."""

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from shapely.geometry import shape
from shapely.validation import explain_validity

from .geo import jurisdictions
from .models import Unit

# A county-sized polygon in lng/lat; anything far outside this box is not a Baise jurisdiction.
BOUNDS = (97.0, 20.0, 112.5, 27.0)  # Guangxi and its neighbours, generous


def validate_geometry(geometry: Any) -> dict:
    """Return a clean GeoJSON Polygon/MultiPolygon or raise ValidationError in Chinese."""
    if isinstance(geometry, str):
        try:
            geometry = json.loads(geometry)
        except ValueError as exc:
            raise ValidationError("文件不是有效的 GeoJSON（JSON 解析失败）。") from exc
    if not isinstance(geometry, dict):
        raise ValidationError("GeoJSON 格式不正确。")
    if geometry.get("type") == "FeatureCollection":
        features = geometry.get("features") or []
        if not isinstance(features, list) or len(features) != 1:
            raise ValidationError("上传单个单位的辖区时，文件中只能包含一个要素（Feature）。")
        geometry = features[0]
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry") or {}
    if not isinstance(geometry, dict):
        raise ValidationError("GeoJSON 格式不正确。")
    if geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        raise ValidationError("辖区边界必须是面（Polygon 或 MultiPolygon）。")
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed rings
        raise ValidationError("边界坐标格式不正确，无法构成多边形。") from exc
    if not geom.is_empty and not geom.is_valid:
        raise ValidationError(f"边界多边形无效（自相交或环不闭合）：{explain_validity(geom)}")
    if geom.is_empty or geom.area == 0:
        raise ValidationError("边界多边形为空或面积为零。")
    minx, miny, maxx, maxy = geom.bounds
    if minx < BOUNDS[0] or maxx > BOUNDS[2] or miny < BOUNDS[1] or maxy > BOUNDS[3]:
        raise ValidationError("边界坐标超出广西及周边范围，请确认使用的是 GCJ-02 经纬度（经度在前）。")
    return {"type": geometry["type"], "coordinates": geometry["coordinates"]}


@transaction.atomic
def set_jurisdiction(unit: Unit, geometry: Any, source: str = "") -> Unit:
    unit.jurisdiction = validate_geometry(geometry)
    unit.jurisdiction_source = source[:200]
    unit.save(update_fields=["jurisdiction", "jurisdiction_source", "updated_at"])
    transaction.on_commit(jurisdictions.invalidate)
    return unit


def import_feature_collection(collection: dict, source: str) -> tuple[int, list[str]]:
    """Replace polygons of units matched by `adcode`. Returns (updated, unmatched adcodes)."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ValidationError("需要一个 GeoJSON FeatureCollection。")
    updated, unmatched = 0, []
    with transaction.atomic():
        for feature in collection.get("features") or []:
            adcode = str((feature.get("properties") or {}).get("adcode", "")).strip()
            # The highest unit of that code: a county rather than its stations, which share the code.
            unit = Unit.objects.filter(adcode=adcode).order_by("level", "pk").first() if adcode else None
            if unit is None:
                unmatched.append(adcode or "?")
                continue
            set_jurisdiction(unit, feature.get("geometry"), source)
            updated += 1
    return updated, unmatched


@transaction.atomic
def save_unit(unit: Unit) -> Unit:
    """Create or move a unit; the table lock keeps concurrent tree rebuilds from interleaving."""
    list(Unit.objects.select_for_update().filter(parent__isnull=True).values_list("pk", flat=True))
    unit.full_clean()
    unit.save()
    transaction.on_commit(jurisdictions.invalidate)
    return unit
