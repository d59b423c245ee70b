export const STATUS_LABELS: Record<string, string> = {
  draft: '草稿（未提交）',
  submitted: '待审核',
  reviewing: '审核中',
  accepted: '适用快处快赔',
  rejected: '不适用快处快赔',
  voided: '已作废',
  closed: '已办结',
  expired: '已过期',
}

// What to do now, when the server sends no next_step of its own.
export const DEFAULT_NEXT: Record<string, string> = {
  draft: '报案还没有提交，请继续填写并提交。',
  submitted: '交警正在排队审核，请先把车移到不妨碍交通的安全地点，留意本页进度。',
  reviewing: '交警正在审核您的照片和资料，请保持电话畅通。',
  accepted:
    '请把车辆驶离现场，双方带齐驾驶证、行驶证、保险单，一起驾车到快处快赔服务中心办理定责和理赔。',
  rejected: '请在安全的地方等候，交警会到现场处理。车上人员请站到护栏外。',
  voided: '这次报案无效，请按交警的意见重新报案。',
  closed: '事故已办结。',
  expired: '记录已过保存期限。',
}

export function statusLabel(status: string, label?: string): string {
  return label || STATUS_LABELS[status] || status
}
