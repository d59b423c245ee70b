import { beforeEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ElementPlus from 'element-plus'
import { setLocale } from '@/i18n'
import type { CaseDetail } from '@/api/cases'
import { useUserStore } from '@/store/modules/user'
import CaseActions from '@/views/cases/components/CaseActions.vue'

const PERMS = [
  'cases.claim_case',
  'cases.decide_case',
  'cases.void_case',
  'cases.transfer_case',
  'cases.close_case',
]

function detail(status: string): CaseDetail {
  return {
    id: 7,
    receipt_no: 'KC20260101001',
    status,
    parties: [],
    agreement: {
      open: true,
      complete: false,
      confirmations: [
        { party: 0, confirmed_at: '2026-01-01T10:00:00+08:00' },
        { party: 1, confirmed_at: null },
      ],
    },
  } as unknown as CaseDetail
}

function mountActions(status: string) {
  const pinia = createPinia()
  setActivePinia(pinia)
  const user = useUserStore()
  user.me = { permissions: PERMS } as unknown as typeof user.me
  return mount(CaseActions, {
    props: { detail: detail(status) },
    global: { plugins: [pinia, ElementPlus] },
  })
}

const buttons = (wrapper: ReturnType<typeof mountActions>) =>
  wrapper.findAll('.actions button').map((b) => b.text())

describe('CaseActions', () => {
  beforeEach(() => localStorage.clear())

  it('keeps the Chinese button texts by default', () => {
    expect(buttons(mountActions('submitted'))).toEqual([
      '接单',
      '适用快处快赔',
      '不适用',
      '转办',
      '作废',
    ])
    expect(buttons(mountActions('accepted'))).toEqual(['办结', '事故协议书（已确认 1/2）'])
  })

  it('renders its buttons in English', async () => {
    setLocale('en', false)
    const open = mountActions('submitted')
    expect(buttons(open)).toEqual([
      'Take case',
      'Quick claim applies',
      'Not applicable',
      'Transfer',
      'Void',
    ])
    const accepted = mountActions('accepted')
    expect(buttons(accepted)).toEqual(['Close case', 'Accident agreement (1/2 confirmed)'])
    expect(accepted.find('.actions').text()).not.toMatch(/[\u4e00-\u9fff]/)
  })
})
