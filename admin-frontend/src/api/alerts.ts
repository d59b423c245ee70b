import { asPage, http, type Page } from '@/utils/http'
import type { UnitRef } from './auth'

export type AlertType = 'case.new' | 'case.updated' | 'fraud.warning' | 'case.transferred' | string

export interface AlertItem {
  id: number
  type: AlertType
  case_id: number | null
  receipt_no: string | null
  unit: UnitRef | null
  title: string
  created_at: string
  read?: boolean
}

export interface AlertBatch {
  results: AlertItem[]
  unread?: number
}

export async function getAlertTicket(): Promise<string> {
  const { data } = await http.post<{ ticket: string; expires_in?: number }>(
    '/alerts/ticket',
    {},
    { silent: true },
  )
  return data.ticket
}

export async function listAlertsAfter(after: number): Promise<AlertBatch> {
  const { data } = await http.get<(Page<AlertItem> & { unread?: number }) | AlertItem[]>(
    '/alerts',
    { params: { after }, silent: true },
  )
  const page = asPage(data)
  return { results: page.results, unread: Array.isArray(data) ? undefined : data.unread }
}

export async function markAlertsRead(upTo: number): Promise<void> {
  await http.post('/alerts/read', { up_to: upTo }, { silent: true })
}
