import { reactive } from 'vue'
import { fetchSlotExamples, type SlotExample } from '@/api/guide'

export type { SlotExample }

const SLOT_CODE = /^[a-z_]+$/
// Only pictures from the guide's own image store: never an outside address.
const IMAGE_URL = /^\/api\/v1\/guide\/images\/[0-9a-f]{64}\.(jpg|png|webp|gif)$/
const CAPTION_MAX = 60

/** Keep the well-formed entries only; anything odd leaves that slot on its built-in drawing. */
export function sanitizeSlotExamples(raw: unknown): Record<string, SlotExample> {
  const out: Record<string, SlotExample> = {}
  if (!Array.isArray(raw)) return out
  for (const entry of raw) {
    const e = (entry && typeof entry === 'object' ? entry : {}) as Record<string, unknown>
    if (typeof e.slot !== 'string' || !SLOT_CODE.test(e.slot)) continue
    if (typeof e.image_url !== 'string' || !IMAGE_URL.test(e.image_url)) continue
    out[e.slot] = {
      slot: e.slot,
      label: typeof e.label === 'string' ? e.label : e.slot,
      caption: typeof e.caption === 'string' ? e.caption.trim().slice(0, CAPTION_MAX) : '',
      image_url: e.image_url,
    }
  }
  return out
}

/**
 * The city's example photos by slot code. Empty until the one fetch of this visit answers, and
 * empty for good when it fails: every slot then shows its built-in drawing.
 */
export const slotExamples = reactive<Record<string, SlotExample>>({})

let loading: Promise<boolean> | null = null

/** Fetch once per page load; every caller shares the answer. Never throws. */
export function loadSlotExamples(force = false): Promise<boolean> {
  if (loading && !force) return loading
  loading = (async () => {
    try {
      const fresh = sanitizeSlotExamples(await fetchSlotExamples())
      for (const slot of Object.keys(slotExamples)) delete slotExamples[slot]
      Object.assign(slotExamples, fresh)
      return true
    } catch {
      loading = null // offline or refused: a later page may try again
      return false
    }
  })()
  return loading
}

export function slotExample(slot: string): SlotExample | null {
  return slotExamples[slot] ?? null
}

/** Forget what was fetched; for tests. */
export function resetSlotExamples(): void {
  loading = null
  for (const slot of Object.keys(slotExamples)) delete slotExamples[slot]
}
