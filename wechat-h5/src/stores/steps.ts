import { i18n, t } from '@/i18n'
import { requiredSlots } from '@/services/settings'

export const STEPS = [
  'safety',
  'checklist',
  'location',
  'time',
  'photos',
  'parties',
  'review',
] as const
export type StepKey = (typeof STEPS)[number]

export const STEP_TITLES: Record<StepKey, string> = {
  safety: '先保安全',
  checklist: '是否需要报警',
  location: '事故地点',
  time: '事故时间',
  photos: '现场照片',
  parties: '各方信息',
  review: '核对提交',
}

export const STEP_SHORT: Record<StepKey, string> = {
  safety: '安全',
  checklist: '确认',
  location: '地点',
  time: '时间',
  photos: '拍照',
  parties: '当事人',
  review: '提交',
}

export function stepIndex(step: StepKey): number {
  return STEPS.indexOf(step)
}

export function isStep(value: unknown): value is StepKey {
  return typeof value === 'string' && (STEPS as readonly string[]).includes(value)
}

export const stepPath = (step: StepKey) => `/report/${step}`

/**
 * The server names what is missing by field ("location", "parties.1.phone",
 * "media.scene_front", ...); send the driver to the page where it is entered.
 */
export function stepForField(field: string): StepKey {
  const f = field.toLowerCase()
  if (f.startsWith('checklist')) return 'checklist'
  if (f.startsWith('location') || f.includes('address')) return 'location'
  if (f.startsWith('occurred')) return 'time'
  if (/licence|policy/.test(f) || f.startsWith('part')) return 'parties'
  if (/media|scene|video|photo/.test(f)) return 'photos'
  return 'review'
}

/** The scene photo slots the photo page always offers; which are required is a city setting. */
export const SCENE_SLOTS = ['scene_front', 'scene_rear', 'scene_contact'] as const

/** Slots that must hold a photo before submitting (GET /owner/settings, else the defaults). */
export function requiredSceneSlots(): string[] {
  return requiredSlots().filter((slot) => slot in SLOT_LABELS)
}

export function isRequiredSlot(slot: string): boolean {
  return requiredSceneSlots().includes(slot)
}

export const SLOT_LABELS: Record<string, string> = {
  scene_front: '正前方全景',
  scene_rear: '正后方全景',
  scene_contact: '碰擦点近景',
  scene_extra: '其他现场照片',
  video: '现场录像',
  driver_licence: '驾驶证',
  vehicle_licence: '行驶证',
  policy: '保险单',
}

export const PARTY_SLOTS = ['driver_licence', 'vehicle_licence', 'policy'] as const

/** Slots that hold one file; a new upload replaces the old one on the server. */
export function isSingleSlot(slot: string): boolean {
  return slot !== 'scene_extra'
}

export const VEHICLE_TYPES: { code: string; label: string }[] = [
  { code: 'small_car', label: '小型汽车' },
  { code: 'new_energy_small', label: '小型新能源汽车' },
  { code: 'large_car', label: '大型汽车' },
  { code: 'new_energy_large', label: '大型新能源汽车' },
  { code: 'truck', label: '货车' },
  { code: 'motorcycle', label: '摩托车' },
  { code: 'other', label: '其他' },
]

export function vehicleTypeLabel(code: string): string {
  if (!VEHICLE_TYPES.some((v) => v.code === code)) return ''
  return t(`vehicleTypes.${code}`)
}

/** Translated names of steps and photo slots (the constants above stay Chinese). */
export function stepTitle(step: StepKey): string {
  return t(`steps.titles.${step}`)
}

export function slotLabel(slot: string): string {
  return i18n.global.te(`slots.${slot}`) ? t(`slots.${slot}`) : (SLOT_LABELS[slot] ?? slot)
}
