import type { CaseStatus, Liability } from '@/api/cases'
import { translatedTable } from '@/i18n'

// Each table reads in the current language (see translatedTable); the Chinese here is
// what the server also uses and what shows when a translation is missing.

export const STATUS_LABELS: Record<CaseStatus, string> = translatedTable('status', {
  draft: '草稿',
  submitted: '待审核',
  reviewing: '审核中',
  accepted: '适用快处快赔',
  rejected: '不适用',
  voided: '作废',
  closed: '已办结',
  expired: '已过期',
})

type TagType = 'primary' | 'success' | 'info' | 'warning' | 'danger'

export const STATUS_TAG_TYPES: Record<CaseStatus, TagType> = {
  draft: 'info',
  submitted: 'warning',
  reviewing: 'primary',
  accepted: 'success',
  rejected: 'danger',
  voided: 'info',
  closed: 'success',
  expired: 'info',
}

/** Status filter options, in the current language (call it where it renders). */
export function statusOptions(): { value: CaseStatus; label: string }[] {
  return (Object.keys(STATUS_LABELS) as CaseStatus[])
    .filter((code) => code !== 'draft')
    .map((value) => ({ value, label: STATUS_LABELS[value] }))
}

export const LIABILITY_LABELS: Record<Liability, string> = translatedTable('liability', {
  full: '全部责任',
  major: '主要责任',
  equal: '同等责任',
  minor: '次要责任',
  none: '无责任',
})

export const VEHICLE_TYPE_LABELS: Record<string, string> = translatedTable('vehicleTypes', {
  small_car: '小型汽车',
  large_car: '大型汽车',
  new_energy_small: '小型新能源汽车',
  new_energy_large: '大型新能源汽车',
  motorcycle: '摩托车',
  truck: '货车',
  other: '其他',
})

export const SLOT_LABELS: Record<string, string> = translatedTable('slots', {
  scene_front: '正前方全景',
  scene_rear: '正后方全景',
  scene_contact: '碰擦点近景',
  scene_extra: '其他现场照片',
  video: '现场录像',
  driver_licence: '驾驶证',
  vehicle_licence: '行驶证',
  policy: '保险单',
})

export const SLOT_ORDER = Object.keys(SLOT_LABELS)

export const UNIT_KIND_LABELS: Record<string, string> = translatedTable('unitKinds', {
  province: '总队',
  city: '支队',
  county: '大队',
  brigade: '大队',
  station: '派出所',
  police_station: '派出所',
  service_centre: '快处快赔服务中心',
  service_center: '快处快赔服务中心',
})

export function statusLabel(status: string): string {
  return STATUS_LABELS[status as CaseStatus] ?? status
}

export function statusTagType(status: string): TagType {
  return STATUS_TAG_TYPES[status as CaseStatus] ?? 'info'
}

export function personName(person: unknown): string {
  if (!person) return ''
  if (typeof person === 'string') return person
  const p = person as { display_name?: string; username?: string; name?: string }
  return p.display_name || p.name || p.username || ''
}

export function unitName(unit: unknown): string {
  if (!unit) return ''
  if (typeof unit === 'string') return unit
  if (typeof unit === 'number') return `#${unit}`
  return (unit as { name?: string }).name ?? ''
}
