import { downloadFile, http } from '@/utils/http'
import type { UnitRef } from './auth'

export interface Figures {
  submitted: number
  accepted: number
  rejected: number
  voided: number
  closed: number
  acceptance_rate: number | null
  fraud_warnings: number
  decision_median_s?: number | null
  decision_p90_s?: number | null
}

export interface StatsSummary {
  totals: Figures
  by_unit?: (Figures & { unit: UnitRef })[]
  by_period?: (Figures & { period: string })[]
  by_insurer?: { insurer: string; count: number }[]
  by_hour?: { hour: number; count: number }[]
  /** Seconds the figures may lag the cases (read from a replica); 0 when read live. */
  max_delay_s?: number
}

export type StatsGroup = 'day' | 'week' | 'month'

export async function getSummary(params: {
  from: string
  to: string
  group?: StatsGroup
}): Promise<StatsSummary> {
  const { data } = await http.get<StatsSummary>('/stats/summary', { params, silent: true })
  return data
}

export function exportStats(format: 'csv' | 'xlsx', from: string, to: string): Promise<void> {
  return downloadFile('/stats/export', { format, from, to }, `快处快赔统计_${from}_${to}.${format}`)
}
