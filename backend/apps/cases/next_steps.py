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
