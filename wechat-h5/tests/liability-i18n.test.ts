import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import { setLocale } from '@/i18n'
import { partyLabel, suggestionLines } from '@/stores/liability'
import LiabilityAgreementCard from '@/components/LiabilityAgreementCard.vue'

const suggestion = {
  is_suggestion: true as const,
  notice: '',
  answers: { situation: 'rear_end', at_fault_party: 1, both_at_fault: false },
  situation: { code: 'rear_end', title: '追尾', basis: '' },
  liabilities: [
    { party: 0, liability: 'none' as const, label: '无责任' },
    { party: 1, liability: 'full' as const, label: '全部责任' },
  ],
  explanation: '',
  party_count: 2,
  created_at: '2026-01-01T10:00:00+08:00',
}
const parties = [
  { index: 0, plate: '桂L12345' },
  { index: 1, plate: '桂L54321' },
]

function mountCard() {
  const router = createRouter({ history: createMemoryHistory(), routes: [] })
  return mount(LiabilityAgreementCard, {
    props: {
      caseId: 3,
      receiptNo: 'BS20260101001',
      status: 'submitted',
      parties,
      suggestion,
      agreement: {
        open: true,
        complete: false,
        confirmations: [
          { party: 0, confirmed_at: '2026-01-01T10:00:00+08:00' },
          { party: 1, confirmed_at: null },
        ],
      },
    },
    global: { plugins: [router] },
  })
}

describe('liability texts', () => {
  it('keeps the Chinese party labels and liability lines', () => {
    expect(partyLabel(0)).toBe('第 1 方')
    expect(partyLabel(1, '桂L54321')).toBe('第 2 方（桂L54321）')
    expect(suggestionLines(suggestion, parties)).toEqual([
      '第 1 方（桂L12345）：无责任',
      '第 2 方（桂L54321）：全部责任',
    ])
  })

  it('translates party labels and liability codes in English', () => {
    setLocale('en', false)
    expect(partyLabel(0)).toBe('Party 1')
    expect(suggestionLines(suggestion, parties)).toEqual([
      'Party 1 (桂L12345): No liability',
      'Party 2 (桂L54321): Full liability',
    ])
  })

  it('renders the liability and agreement card in English, server titles as sent', async () => {
    const wrapper = mountCard()
    expect(wrapper.text()).toContain('责任自助判断（仅供参考）')
    expect(wrapper.text()).toContain('已确认 1 / 2 方。')
    setLocale('en', false)
    await wrapper.vm.$nextTick()
    const text = wrapper.text()
    expect(text).toContain('Liability self-check (for reference only)')
    expect(text).toContain('Situation: 追尾')
    expect(text).toContain('Party 2 (桂L54321): Full liability')
    expect(text).toContain('1 / 2 parties confirmed.')
    expect(text).toContain('Confirm accident agreement')
    // only the server's situation title and the plates stay Chinese
    expect(text.replace(/追尾|桂L\d+/g, '')).not.toMatch(/[\u4e00-\u9fff]/)
  })
})
