import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ElementPlus from 'element-plus'
import { createMemoryHistory, createRouter } from 'vue-router'
import { http } from '@/utils/http'
import Stats from '@/views/stats/index.vue'
import { stubAdapter } from './helpers'

const originalAdapter = http.defaults.adapter

function summary(maxDelay: number) {
  return {
    from: '2026-11-01',
    to: '2026-11-30',
    group: 'day',
    totals: {
      submitted: 3,
      accepted: 1,
      rejected: 0,
      voided: 0,
      closed: 1,
      acceptance_rate: 1,
      decision_median_s: 60,
      decision_p90_s: 60,
      fraud_warnings: 0,
      inside_rate: 1,
    },
    by_unit: [],
    by_period: [],
    by_insurer: [],
    by_hour: [],
    max_delay_s: maxDelay,
  }
}

async function mountStats(maxDelay: number) {
  const { adapter } = stubAdapter((call) =>
    call.url.startsWith('/stats/summary')
      ? { status: 200, data: summary(maxDelay) }
      : { status: 200, data: { type: 'FeatureCollection', features: [] } },
  )
  http.defaults.adapter = adapter
  const pinia = createPinia()
  setActivePinia(pinia)
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/stats', component: Stats }],
  })
  await router.push('/stats')
  const wrapper = mount(Stats, {
    global: { plugins: [pinia, ElementPlus, router], stubs: { ChartCard: true } },
  })
  await flushPromises()
  return wrapper
}

describe('statistics page', () => {
  afterEach(() => {
    http.defaults.adapter = originalAdapter
  })

  it('says how far behind the figures may be when a read replica gave them', async () => {
    const wrapper = await mountStats(30)
    expect(wrapper.find('.delay-note').exists()).toBe(true)
    expect(wrapper.text()).toContain('统计数据由只读副本提供，可能比最新案件晚至多 30 秒。')
  })

  it('says nothing of the kind for figures read live', async () => {
    const wrapper = await mountStats(0)
    expect(wrapper.text()).toContain('3')
    expect(wrapper.find('.delay-note').exists()).toBe(false)
  })
})
