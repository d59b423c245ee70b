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
  /** Newest alert id in the user's scope, so a client can tell whether it has caught up. */
  last_id?: number
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
  const { data } = await http.get<
    (Page<AlertItem> & { unread?: number; last_id?: number }) | AlertItem[]
  >('/alerts', { params: { after }, silent: true })
  const page = asPage(data)
  if (Array.isArray(data)) return { results: page.results }
  const meta = data as { unread?: number; last_id?: number }
  return { results: page.results, unread: meta.unread, last_id: meta.last_id }
}

/** Everything after `after`, following batches until the server's newest id is reached. */
export async function listAllAlertsAfter(after: number, maxBatches = 10): Promise<AlertItem[]> {
  const all: AlertItem[] = []
  let cursor = after
  for (let i = 0; i < maxBatches; i += 1) {
    const batch = await listAlertsAfter(cursor)
    all.push(...batch.results)
    const newest = batch.results.reduce((max, a) => Math.max(max, a.id), cursor)
    // after=0 answers with the latest few only, which is all a fresh session needs.
    if (cursor === 0 || batch.results.length === 0 || batch.last_id == null) break
    if (newest >= batch.last_id || newest === cursor) break
    cursor = newest
  }
  return all
}

export async function markAlertsRead(upTo: number): Promise<void> {
  await http.post('/alerts/read', { up_to: upTo }, { silent: true })
}
