import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { CHECKLIST, vantTimersSettled } from './helpers'

vi.mock('@/api/owner', () => ({
  fetchChecklist: vi.fn(),
  createDraft: vi.fn(),
  patchDraft: vi.fn(),
}))

import * as api from '@/api/owner'
import ChecklistStep from '@/views/report/ChecklistStep.vue'
import Call122View from '@/views/report/Call122View.vue'
import { useWizardStore } from '@/stores/wizard'

const mocked = vi.mocked(api)
const Stub = { template: '<div />' }

function makeRouter() {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: Stub },
      { path: '/report/checklist', name: 'report-checklist', component: ChecklistStep },
      { path: '/report/location', name: 'report-location', component: Stub },
      { path: '/report/call-122', name: 'call-122', component: Call122View },
    ],
  })
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  mocked.fetchChecklist.mockResolvedValue(CHECKLIST)
  mocked.createDraft.mockResolvedValue({ id: 1, status: 'draft', receipt_no: null })
})

afterEach(async () => {
  useWizardStore().clearTimers()
  vi.clearAllMocks()
  await vantTimersSettled()
})

describe('checklist page', () => {
  it('shows every question with a 是/否 choice and sends a "是" to the call-122 page', async () => {
    const router = makeRouter()
    await router.push('/report/checklist')
    const wrapper = mount({ template: '<router-view />' }, { global: { plugins: [router] } })
    await flushPromises()
    expect(wrapper.findAll('.question')).toHaveLength(CHECKLIST.length)
    expect(wrapper.text()).toContain(CHECKLIST[1].question)

    await wrapper.findAll('.choice.yes')[1].trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.name).toBe('call-122')
    expect(wrapper.find('a[href="tel:122"]').exists()).toBe(true)
    expect(wrapper.text()).toContain(CHECKLIST[1].question) // the reason is repeated
    expect(mocked.createDraft).not.toHaveBeenCalled()
  })

  it('moves on once every answer is 否', async () => {
    const router = makeRouter()
    await router.push('/report/checklist')
    useWizardStore().goTo('checklist')
    const wrapper = mount({ template: '<router-view />' }, { global: { plugins: [router] } })
    await flushPromises()
    for (const b of wrapper.findAll('.choice.no')) await b.trigger('click')
    await wrapper.find('.footer-bar button').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.name).toBe('report-location')
  })

  it('offers a retry and the 122 number when the questions cannot be loaded', async () => {
    mocked.fetchChecklist.mockRejectedValueOnce(new Error('down'))
    const router = makeRouter()
    await router.push('/report/checklist')
    const wrapper = mount({ template: '<router-view />' }, { global: { plugins: [router] } })
    await flushPromises()
    expect(wrapper.text()).toContain('重新加载')
    expect(wrapper.find('a[href="tel:122"]').exists()).toBe(true)
  })
})
