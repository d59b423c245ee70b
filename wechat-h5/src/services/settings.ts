import { reactive } from 'vue'
import { fetchOwnerSettings, type OwnerSettings } from '@/api/settings'

export type { OwnerSettings }

export const SETTINGS_KEY = 'kckp.ownerSettings.v1'

/** What the server shipped with; used until a copy has ever been fetched. */
export const DEFAULT_SETTINGS: Readonly<OwnerSettings> = Object.freeze({
  required_media_slots: ['scene_front', 'scene_rear', 'scene_contact'],
  max_accident_age_days: 7,
  photo_max_mb: 15,
  video_max_mb: 200,
  review_service_hours: '00:00-24:00',
  max_parties: 20,
})

const SLOT_CODE = /^[a-z_]+$/
const HOURS = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined
}

/** Keep only well-formed values; anything odd falls back to the default for that value. */
export function sanitizeSettings(raw: unknown): OwnerSettings {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>
  const slots = r.required_media_slots
  return {
    required_media_slots:
      Array.isArray(slots) && slots.every((s) => typeof s === 'string' && SLOT_CODE.test(s))
        ? [...slots]
        : [...DEFAULT_SETTINGS.required_media_slots],
    max_accident_age_days:
      positiveInt(r.max_accident_age_days) ?? DEFAULT_SETTINGS.max_accident_age_days,
    photo_max_mb: positiveInt(r.photo_max_mb) ?? DEFAULT_SETTINGS.photo_max_mb,
    video_max_mb: positiveInt(r.video_max_mb) ?? DEFAULT_SETTINGS.video_max_mb,
    review_service_hours:
      typeof r.review_service_hours === 'string' && HOURS.test(r.review_service_hours)
        ? r.review_service_hours
        : DEFAULT_SETTINGS.review_service_hours,
    max_parties: Math.max(2, positiveInt(r.max_parties) ?? DEFAULT_SETTINGS.max_parties),
  }
}

function readStored(): OwnerSettings | null {
  try {
    const raw = localStorage.getItem(SETTINGS_KEY)
    return raw ? sanitizeSettings(JSON.parse(raw)) : null
  } catch {
    return null
  }
}

/**
 * The values in force: the last copy the server gave (kept in localStorage so the wizard
 * works offline), else the defaults. Reactive, so pages follow a fresh fetch.
 */
export const settings = reactive<OwnerSettings>(readStored() ?? sanitizeSettings(null))

function apply(values: OwnerSettings): void {
  Object.assign(settings, values)
}

/** Re-read the stored copy (or the defaults); for tests and a fresh page. */
export function resetSettings(): void {
  apply(readStored() ?? sanitizeSettings(null))
}

let loading: Promise<boolean> | null = null

/**
 * Fetch once at start-up. On success the copy is stored; on failure the stored copy (or the
 * defaults) stays in force. Resolves true when fresh values arrived.
 */
export function loadSettings(force = false): Promise<boolean> {
  if (loading && !force) return loading
  loading = (async () => {
    try {
      const values = sanitizeSettings(await fetchOwnerSettings())
      apply(values)
      try {
        localStorage.setItem(SETTINGS_KEY, JSON.stringify(values))
      } catch {
        // private mode: this page keeps the values in memory
      }
      return true
    } catch {
      loading = null // let a later call try again
      return false
    }
  })()
  return loading
}

export const requiredSlots = (): string[] => settings.required_media_slots
export const maxAccidentAgeDays = (): number => settings.max_accident_age_days
export const maxPhotoBytes = (): number => settings.photo_max_mb * 1024 * 1024
export const maxVideoBytes = (): number => settings.video_max_mb * 1024 * 1024

/** "08:00-20:00", or null when the review centre works round the clock. */
export function serviceHours(): { start: string; end: string } | null {
  const [start, end] = settings.review_service_hours.split('-')
  if (!start || !end || (start === '00:00' && end === '24:00')) return null
  return { start, end }
}
