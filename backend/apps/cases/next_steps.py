from .models import Status

NEXT_STEPS = {
    Status.DRAFT: "请继续填写并提交报案资料。",
    Status.SUBMITTED: "报案已提交，正在等待交警审核。请开启双闪、在安全处等候审核结果，留意微信通知。",
    Status.REVIEWING: "交警正在审核您的报案，请在安全处稍候。",
    Status.ACCEPTED: "适用快处快赔：请立即将车辆移至不妨碍交通的地点，双方携带驾驶证、行驶证、保险单，到快处快赔服务中心办理定损理赔。",
    Status.REJECTED: "不适用快处快赔：请开启双闪、放置三角警示牌，人员撤至安全处，在现场等候交警到场处理。",
    Status.VOIDED: "报案资料不符合要求已作废，请按处理意见重新报案。",
    Status.CLOSED: "事故已办结，可凭受理号到保险公司办理理赔。",
    Status.EXPIRED: "该报案已超过保存期限。",
}


def next_step(case) -> str:
    """What the owner should do now. Once the quick-claim channel applies, the owner is sent to the
    nearest service centre of the case's own unit (or, with none there, of the whole city)."""
    text = NEXT_STEPS.get(case.status, "")
    if case.status == Status.ACCEPTED:
        centre = nearest_service_centre(case)
        if centre is not None:
            details = "，".join(part for part in (centre.address and f"地址：{centre.address}",
                                                   centre.phone and f"电话：{centre.phone}") if part)
            text += f"就近的服务中心：{centre.name}" + (f"（{details}）" if details else "") + "。"
    return text


def nearest_service_centre(case):
    from apps.units.geo import distance_m
    from apps.units.models import Unit, UnitKind

    centres = Unit.objects.filter(kind=UnitKind.SERVICE_CENTRE, is_active=True).only(
        "name", "address", "phone", "lng", "lat", "tree_id", "lft", "rght")
    bounds = Unit.objects.filter(pk=case.unit_id).values_list("tree_id", "lft", "rght").first()
    own = [c for c in centres if bounds and c.tree_id == bounds[0] and bounds[1] <= c.lft and c.rght <= bounds[2]]
    candidates = own or list(centres)
    if not candidates:
        return None
    located = [c for c in candidates if c.lng is not None and c.lat is not None]
    if case.gcj_lng is None or case.gcj_lat is None or not located:
        return candidates[0]
    return min(located, key=lambda c: distance_m(case.gcj_lng, case.gcj_lat, c.lng, c.lat))
