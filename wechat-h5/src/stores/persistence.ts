import type { DraftPayload, Media, PartyInput, DraftLocation, OwnerCase } from '@/api/types'
import type { StepKey } from './steps'

export const DRAFT_KEY = 'kckp.draft.v1'
export const UPLOADS_KEY = 'kckp.uploads.v1'
export const LAST_RECEIPT_KEY = 'kckp.lastReceipt.v1'

export interface FormState {
  /** null = not answered yet */
  checklist: Record<string, boolean | null>
  location: DraftLocation | null
  /** Where the pin sits on our GCJ-02 map (differs from `location` for a WGS-84 fix). */
  mapPoint: { lng: number; lat: number } | null
  /**
   * What the owner typed: the address itself, or only an optional description when a
   * map-sourced standard address exists.
   */
  address: string
  /**
   * The standardised address of `location` (reverse lookup or a search result); null when none
   * could be fetched. Absent in drafts saved before it existed (restored as null).
   */
  standardAddress: StandardAddress | null
  occurred_at: string | null
  parties: PartyInput[]
}

export interface StandardAddress {
  address: string
  county: string
  /** `jurisdiction`: county-level text only; the owner's words then remain the address. */
  source: 'map' | 'jurisdiction'
}

export interface PersistedDraft {
  version: 1
  draftId: number | null
  step: StepKey
  furthest: StepKey
  form: FormState
  idempotencyKey: string
  /** Changes the server has not acknowledged yet, merged by top-level key. */
  pendingPatch: DraftPayload | null
  startedAt: string
  updatedAt: string
}

export type UploadStatus = 'processing' | 'queued' | 'uploading' | 'done' | 'failed' | 'lost'

export interface UploadItem {
  key: string
  slot: string
  party: number | null
  kind: 'image' | 'video'
  status: UploadStatus
  progress: number
  attempts: number
  error: string
  /** A 4xx other than a lost draft: retrying the same bytes will not help. */
  permanent: boolean
  mediaId: number | null
  /** Media this item is replacing; removed too if the driver deletes the new one. */
  replaces: number | null
  name: string
  size: number
  thumbUrl: string
  createdAt: string
}

export function readJson<T>(key: string): T | null {
  try {
    const raw = localStorage.getItem(key)
    return raw ? (JSON.parse(raw) as T) : null
  } catch {
    return null
  }
}

export function writeJson(key: string, value: unknown): void {
  try {
    if (value === null || value === undefined) localStorage.removeItem(key)
    else localStorage.setItem(key, JSON.stringify(value))
  } catch {
    // Quota or private mode: the in-memory state still works for this visit.
  }
}

export type LastReceipt = Pick<
  OwnerCase,
  'id' | 'receipt_no' | 'status' | 'status_label' | 'unit' | 'submitted_at' | 'next_step'
> & { phone_last4?: string }

export function emptyParty(): PartyInput {
  return {
    plate: '',
    vehicle_type: '',
    insurer: null,
    insurer_name: '',
    phone: '',
    driver_name: '',
  }
}

export function emptyMediaList(): Media[] {
  return []
}
