import { asPage, downloadFile, http, toApiPath, type Page } from '@/utils/http'
import type { Geometry } from 'geojson'
import type { UnitRef } from './auth'

export type CaseStatus =
  'draft' | 'submitted' | 'reviewing' | 'accepted' | 'rejected' | 'voided' | 'closed' | 'expired'

export type Liability = 'full' | 'major' | 'equal' | 'minor' | 'none'

export interface LngLat {
  lng: number
  lat: number
}

export interface CaseLocation {
  lng: number
  lat: number
  coord_system: 'wgs84' | 'gcj02'
  /** The standardised address when the H5 could get one, else the owner's own words. */
  address: string
  /** The owner's own description beside a standardised address. */
  detail?: string
  gcj02?: LngLat
  wgs84?: LngLat
}

export interface Party {
  index: number
  plate: string
  vehicle_type: string
  insurer: string | null
  insurer_name: string
  insurer_label?: string
  vehicle_type_label?: string
  phone: string
  driver_name: string
  liability?: Liability | ''
  liability_label?: string
  /** Insurer view only: this party is insured by the viewing company (shown unmasked). */
  insured_by_you?: boolean
}

export interface Media {
  id: number
  slot: string
  party: number | null
  kind: 'image' | 'video'
  size: number
  sha256: string
  url: string
  thumb_url: string | null
  created_at: string
  exif_taken_at?: string | null
}

export interface TimelineEntry {
  at: string
  status: CaseStatus | string
  label: string
  note: string
  by?: string | { display_name?: string; username?: string } | null
  actor?: string
  unit?: string
  action?: string
}

export interface VehicleHistoryEntry {
  occurred_at?: string
  submitted_at?: string
  unit?: UnitRef | string | null
  unit_name?: string
  status?: string
  status_label?: string
  receipt_no?: string | null
}

export interface CaseFraudWarning {
  id: number
  kind?: string
  reason?: string
  plate: string
  count: number
  window_days?: number
  created_at?: string
  history?: VehicleHistoryEntry[]
  cases?: VehicleHistoryEntry[]
}

export interface CaseListItem {
  id: number
  receipt_no: string | null
  status: CaseStatus
  status_label?: string
  unit: UnitRef | null
  inside_jurisdiction: boolean
  occurred_at: string
  submitted_at: string | null
  location?: Partial<CaseLocation>
  address?: string
  decided_at?: string | null
  has_fraud_warning?: boolean
  parties?: Party[]
  plates?: string[]
  fraud_warnings?: CaseFraudWarning[] | number
  fraud_warning_count?: number
  claimed_by?: PersonRef | null
}

export type PersonRef = { id?: number; display_name?: string; username?: string } | string

export interface Closing {
  liabilities: { party: number; liability: Liability }[]
  notes: string
  closed_at?: string
  by?: PersonRef | null
}

/** The owner's questionnaire result: a suggestion only, the officer confirms or changes it on closing. */
export interface LiabilitySuggestion {
  is_suggestion: true
  notice: string
  answers: { situation: string; at_fault_party?: number; both_at_fault?: boolean }
  situation: { code: string; title: string; basis: string } | null
  liabilities: { party: number; liability: Liability; label: string }[]
  explanation: string
  party_count: number
  created_at: string
}

/** Who confirmed the 自行协商协议书 from their own phone, and from where. */
export interface AgreementState {
  open: boolean
  complete: boolean
  confirmations: { party: number; confirmed_at: string | null; ip?: string }[]
}

/**
 * The close form's starting values: the suggestion when it covers exactly the case's parties,
 * otherwise nothing chosen. The officer still confirms or changes every row.
 */
export function closingPrefill(
  parties: { index: number }[],
  suggestion: LiabilitySuggestion | null | undefined,
): Record<number, Liability | ''> {
  const rows = suggestion?.liabilities ?? []
  const byParty = new Map(rows.map((r) => [r.party, r.liability]))
  const matches = rows.length === parties.length && parties.every((p) => byParty.has(p.index))
  return Object.fromEntries(
    parties.map((p) => [p.index, matches ? (byParty.get(p.index) ?? '') : '']),
  )
}

export interface CaseDetail extends CaseListItem {
  checklist: Record<string, boolean>
  location: CaseLocation
  parties: Party[]
  media: Media[]
  timeline: TimelineEntry[]
  feedback: string
  next_step?: string
  fraud_warnings: CaseFraudWarning[]
  created_at: string
  claimed_by: PersonRef | null
  decisions?: {
    decision: 'accepted' | 'rejected'
    feedback: string
    at?: string
    by?: PersonRef | null
  }[]
  transfers?: {
    from_unit?: UnitRef | null
    to_unit?: UnitRef | null
    reason: string
    at?: string
    by?: PersonRef | null
  }[]
  closing?: Closing | null
  closing_notes?: string
  closed_at?: string | null
  claimed_at?: string | null
  insurer_claims?: { company: string; claim_no: string; accepted_at: string }[]
  unit_polygon: Geometry | null
  liability_suggestion?: LiabilitySuggestion | null
  agreement?: AgreementState
}

export interface CaseFilters {
  status?: string
  unit?: string | number
  plate?: string
  receipt_no?: string
  fraud?: string
  inside_jurisdiction?: string
  submitted_after?: string
  submitted_before?: string
  ordering?: string
}

export async function listCases(
  filters: CaseFilters,
  next?: string | null,
): Promise<Page<CaseListItem>> {
  const { data } = next
    ? await http.get(toApiPath(next), { silent: true })
    : await http.get('/cases', { params: filters, silent: true })
  return asPage<CaseListItem>(data)
}

export async function getCase(id: number | string): Promise<CaseDetail> {
  const { data } = await http.get<CaseDetail>(`/cases/${id}`, { silent: true })
  return data
}

// Actions answer with the updated case; the caller reloads anyway on 409 so it shows fresh state.
export async function claimCase(id: number): Promise<CaseDetail> {
  const { data } = await http.post<CaseDetail>(`/cases/${id}/claim`, {}, { silent: true })
  return data
}

export async function decideCase(
  id: number,
  decision: 'accepted' | 'rejected',
  feedback: string,
): Promise<CaseDetail> {
  const { data } = await http.post<CaseDetail>(
    `/cases/${id}/decision`,
    { decision, feedback },
    { silent: true },
  )
  return data
}

export async function voidCase(id: number, reason: string): Promise<CaseDetail> {
  const { data } = await http.post<CaseDetail>(`/cases/${id}/void`, { reason }, { silent: true })
  return data
}

export async function transferCase(id: number, unit: number, reason: string): Promise<CaseDetail> {
  const { data } = await http.post<CaseDetail>(
    `/cases/${id}/transfer`,
    { unit, reason },
    { silent: true },
  )
  return data
}

export async function closeCase(
  id: number,
  liabilities: { party: number; liability: Liability }[],
  notes: string,
): Promise<CaseDetail> {
  const { data } = await http.post<CaseDetail>(
    `/cases/${id}/close`,
    { liabilities, notes },
    { silent: true },
  )
  return data
}

/** 自行协商协议书 PDF (after acceptance; lists which parties have not confirmed yet). */
export async function downloadAgreement(id: number, receiptNo: string | null): Promise<void> {
  return downloadFile(`/cases/${id}/agreement.pdf`, {}, `事故协议书_${receiptNo ?? id}.pdf`)
}
