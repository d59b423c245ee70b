export type CoordSystem = 'wgs84' | 'gcj02'

export interface DraftLocation {
  lng: number
  lat: number
  coord_system: CoordSystem
  address: string
  /** The owner's own words, sent when `address` holds the standardised text (≤ 300 chars). */
  detail?: string
}

/** `GET /owner/address`: the standardised address of a point. */
export interface ReverseAddress {
  address: string
  county: string
  /** `jurisdiction`: no map service, only the county-level text is known. */
  source: 'map' | 'jurisdiction'
}

/** One hit of `GET /owner/address/search` (always inside Baise). */
export interface AddressSearchResult {
  name: string
  address: string
  lng: number
  lat: number
  coord_system: CoordSystem
  county: string
}

export interface PartyInput {
  plate: string
  vehicle_type: string
  insurer: string | null
  insurer_name: string
  phone: string
  driver_name: string
}

export interface DraftPayload {
  checklist?: Record<string, boolean>
  location?: DraftLocation | null
  occurred_at?: string | null
  parties?: PartyInput[]
}

export type CaseStatus =
  'draft' | 'submitted' | 'reviewing' | 'accepted' | 'rejected' | 'voided' | 'closed' | 'expired'

export interface UnitRef {
  id: number
  name: string
  adcode: string
  phone?: string
}

export interface Media {
  id: number
  slot: string
  party: number | null
  kind: 'image' | 'video'
  size: number
  sha256?: string
  url?: string
  thumb_url?: string
  created_at?: string
}

export interface TimelineEntry {
  at: string
  status: CaseStatus | string
  label: string
  note?: string
}

export interface OwnerCase {
  id: number
  receipt_no: string | null
  status: CaseStatus
  status_label?: string
  checklist?: Record<string, boolean>
  location?: (DraftLocation & { gcj02?: { lng: number; lat: number } }) | null
  occurred_at?: string | null
  parties?: (PartyInput & { index: number })[]
  media?: Media[]
  unit?: UnitRef | null
  inside_jurisdiction?: boolean
  timeline?: TimelineEntry[]
  feedback?: string
  next_step?: string
  created_at?: string
  submitted_at?: string | null
}

/** What GET /track/{receipt_no} gives: the public subset of a case. */
export interface TrackResult {
  receipt_no: string
  status: CaseStatus
  status_label?: string
  unit?: UnitRef | null
  timeline?: TimelineEntry[]
  feedback?: string
  next_step?: string
  occurred_at?: string
  submitted_at?: string
}

export interface ChecklistItem {
  key: string
  question: string
}

export interface Insurer {
  code: string
  name: string
  hotline?: string
}

export interface LocateResult {
  unit: UnitRef | null
  inside_jurisdiction: boolean
}

/** `GET /guide/categories`: categories are keyed by `code`, not by a numeric id. */
export interface GuideCategory {
  code: string
  name: string
  order?: number
  article_count?: number
}

export interface GuideArticle {
  id: number
  title: string
  summary?: string
  /** the category's code */
  category?: string
  category_name?: string
  cover_url?: string
  body_html?: string
  contacts?: { name: string; phone: string }[] | null
  updated_at?: string
}

export interface ApiErrorBody {
  code?: string
  detail?: string
  errors?: Record<string, string[]>
  missing?: { field: string; message: string }[]
}

export interface Paginated<T> {
  results: T[]
  next?: string | null
  previous?: string | null
  count?: number
}

export type ListOrPage<T> = T[] | Paginated<T>

export function listOf<T>(data: ListOrPage<T> | null | undefined): T[] {
  if (!data) return []
  return Array.isArray(data) ? data : (data.results ?? [])
}
