import { describe, expect, it } from 'vitest'
import { closingPrefill, type LiabilitySuggestion } from '@/api/cases'

function suggestion(rows: [number, 'full' | 'none'][]): LiabilitySuggestion {
  return {
    is_suggestion: true,
    notice: '仅供参考',
    answers: { situation: 'rear_end', at_fault_party: 1, both_at_fault: false },
    situation: { code: 'rear_end', title: '追尾', basis: '' },
    liabilities: rows.map(([party, liability]) => ({ party, liability, label: '' })),
    explanation: '',
    party_count: rows.length,
    created_at: '2026-11-25T10:00:00+08:00',
  }
}

const two = [{ index: 0 }, { index: 1 }]

describe('close form prefill', () => {
  it('starts from the owner suggestion when it covers every party', () => {
    expect(
      closingPrefill(
        two,
        suggestion([
          [0, 'none'],
          [1, 'full'],
        ]),
      ),
    ).toEqual({ 0: 'none', 1: 'full' })
  })

  it('leaves every row empty without a usable suggestion', () => {
    expect(closingPrefill(two, null)).toEqual({ 0: '', 1: '' })
    expect(closingPrefill(two, suggestion([]))).toEqual({ 0: '', 1: '' })
    // the parties changed after the questionnaire: nothing is guessed
    expect(
      closingPrefill(
        [...two, { index: 2 }],
        suggestion([
          [0, 'none'],
          [1, 'full'],
        ]),
      ),
    ).toEqual({
      0: '',
      1: '',
      2: '',
    })
  })
})
