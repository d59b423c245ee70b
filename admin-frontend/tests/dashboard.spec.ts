import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ElementPlus from 'element-plus'
import { createMemoryHistory, createRouter } from 'vue-router'
import { http } from '@/utils/http'
import { useAlertStore } from '@/store/modules/alerts'
import { useUserStore } from '@/store/modules/user'
import Dashboard from '@/views/dashboard/index.vue'
import { stubAdapter } from './helpers'

const originalAdapter = http.defaults.adapter

function totals(submitted: number) {
  return {
    totals: {
      submitted,
      accepted: 0,
      rejected: 0,
      voided: 0,
      closed: 0,
      acceptance_rate: null,
      decision_median_s: null,
      decision_p90_s: null,
      fraud_warnings: 0,
      inside_rate: null,
    },
    by_unit: [],
    by_period: [],
    by_insurer: [],
    by_hour: [],
  }
}

function alert(id: number, caseId: number | null) {
  return {
    id,
    type: 'case.new' as const,
    case_id: caseId,
    receipt_no: 'KC1',
    unit: null,
    title: '新报案 KC1',
    created_at: '2026-11-25T09:41:07+08:00',
    read: false,
  }
}

async function mountDashboard() {
  let submitted = 0
  const { adapter, calls } = stubAdapter((call) =>
    call.url.startsWith('/stats/summary')
      ? { status: 200, data: totals(submitted) }
      : { status: 200, data: { results: [], unread: 0, last_id: 0 } },
  )
  http.defaults.adapter = adapter
  const pinia = createPinia()
  setActivePinia(pinia)
  const user = useUserStore()
  user.me = {
    permissions: ['stats.view_stats'],
    unit: { name: '平果市交警大队' },
  } as unknown as typeof user.me
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: Dashboard },
      { path: '/cases', name: 'cases', component: Dashboard },
      { path: '/fraud', name: 'fraud', component: Dashboard },
    ],
  })
  const wrapper = mount(Dashboard, { global: { plugins: [pinia, ElementPlus, router] } })
  await flushPromises()
  return {
    wrapper,
    calls,
    setSubmitted: (n: number) => (submitted = n),
    summaries: () => calls.filter((c) => c.url.startsWith('/stats/summary')).length,
  }
}

describe('dashboard', () => {
  afterEach(() => {
    http.defaults.adapter = originalAdapter
    vi.useRealTimers()
  })

  it("reloads today's figures once after a burst of case alerts", async () => {
    vi.useFakeTimers()
    const view = await mountDashboard()
    expect(view.summaries()).toBe(1)
    expect(view.wrapper.text()).toContain('0')

    view.setSubmitted(2)
    const alerts = useAlertStore()
    alerts.receive([alert(11, 5)], 'live')
    alerts.receive([alert(12, 6)], 'live')
    await flushPromises()
    expect(view.summaries()).toBe(1) // not yet: the burst may go on
    vi.advanceTimersByTime(1000)
    await flushPromises()
    expect(view.summaries()).toBe(2)
    expect(view.wrapper.find('.page-card').text()).toContain('2')
  })

  it('ignores alerts that are not about a case', async () => {
    vi.useFakeTimers()
    const view = await mountDashboard()
    useAlertStore().receive([alert(13, null)], 'live')
    vi.advanceTimersByTime(1500)
    await flushPromises()
    expect(view.summaries()).toBe(1)
  })
})
