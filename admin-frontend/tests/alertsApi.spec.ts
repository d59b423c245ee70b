import { afterEach, describe, expect, it, vi } from 'vitest'

vi.mock('element-plus', () => ({
  ElMessage: { error: vi.fn(), warning: vi.fn(), success: vi.fn() },
}))

import { listAllAlertsAfter } from '@/api/alerts'
import { http } from '@/utils/http'
import { stubAdapter } from './helpers'

const originalAdapter = http.defaults.adapter

function alerts(from: number, to: number) {
  return Array.from({ length: to - from + 1 }, (_, i) => ({
    id: from + i,
    type: 'case.new',
    case_id: 1,
    receipt_no: 'KC1',
    unit: null,
    title: '新案件',
    created_at: '2026-11-25T09:41:07+08:00',
    read: false,
  }))
}

describe('alert catch-up', () => {
  afterEach(() => {
    http.defaults.adapter = originalAdapter
  })

  it('follows batches until the newest id the server reports', async () => {
    const { adapter, calls } = stubAdapter((call) => {
      const after = Number(new URL(call.url, 'http://x').searchParams.get('after'))
      const end = Math.min(after + 2, 7)
      return { status: 200, data: { results: alerts(after + 1, end), unread: 4, last_id: 7 } }
    })
    http.defaults.adapter = (config) => {
      // Fold params into the url so the stub can read them.
      const params = new URLSearchParams(config.params as Record<string, string>).toString()
      return adapter({ ...config, url: `${config.url}?${params}` })
    }
    const got = await listAllAlertsAfter(2)
    expect(got.map((a) => a.id)).toEqual([3, 4, 5, 6, 7])
    expect(calls).toHaveLength(3)
  })

  it('takes a single batch for a fresh session', async () => {
    const { adapter, calls } = stubAdapter(() => ({
      status: 200,
      data: { results: alerts(40, 42), unread: 3, last_id: 42 },
    }))
    http.defaults.adapter = adapter
    const got = await listAllAlertsAfter(0)
    expect(got).toHaveLength(3)
    expect(calls).toHaveLength(1)
  })
})
