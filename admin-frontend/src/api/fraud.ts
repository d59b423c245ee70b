import { asPage, http, type Page } from '@/utils/http'
import type { UnitRef } from './auth'
import type { PersonRef } from './cases'

export interface FraudWarning {
  id: number
  case: { id: number; receipt_no: string | null; unit: UnitRef | null }
  plate: string
  count: number
  window_days: number
  created_at: string
  dispatch: null | { station: UnitRef | number | null; by: PersonRef | null; at: string }
  suggested_station: { id: number; name: string; distance_m: number } | null
}

export async function listFraudWarnings(params: {
  page?: number
  plate?: string
  dispatched?: string
}): Promise<Page<FraudWarning>> {
  const { data } = await http.get('/fraud/warnings', { params, silent: true })
  return asPage<FraudWarning>(data)
}

export interface VehicleHistory {
  plate: string
  count: number
  cases: {
    occurred_at: string
    county: string
    status: string
    status_label?: string
    /** False for voided cases, which never count towards a warning. */
    counts?: boolean
  }[]
}

/** Other cases of the vehicle city-wide: dates, counties and statuses only, no personal data. */
export async function getVehicleHistory(id: number): Promise<VehicleHistory> {
  const { data } = await http.get<VehicleHistory>(`/fraud/warnings/${id}/history`, { silent: true })
  return data
}

export async function dispatchWarning(id: number, station: number): Promise<FraudWarning> {
  const { data } = await http.post<FraudWarning>(
    `/fraud/warnings/${id}/dispatch`,
    { station },
    { silent: true },
  )
  return data
}
