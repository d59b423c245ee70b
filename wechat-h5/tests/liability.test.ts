import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { httpError } from './helpers'

vi.mock('@/api/liability', () => ({
  fetchLiabilityQuestions: vi.fn(),
  saveLiability: vi.fn(),
}))

import * as api from '@/api/liability'
import {
  OTHER,
  draftOf,
  payloadOf,
  stageOf,
  suggestionLines,
  useLiabilityStore,
} from '@/stores/liability'

const mocked = vi.mocked(api)

const QUESTIONS = {
  notice: '以下判断仅供参考，事故责任以交警（快处快赔服务中心）认定为准。',
  situation_question: '事故属于下面哪一种情形？',
  situations: [
    {
      code: 'rear_end',
      title: '追尾',
      description: '',
      question: '哪一方是后车？',
      at_fault_role: '后车',
      other_role: '前车',
      basis: '',
    },
    {
      code: 'reversing',
      title: '倒车',
      description: '',
      question: '哪一方在倒车？',
      at_fault_role: '倒车一方',
      other_role: '另一方',
      basis: '',
    },
  ],
  other: { code: 'other', title: '以上都不是 / 说不清' },
  both_question: '另一方是否也有上面列出的情形之一？',
  liability_labels: { full: '全部责任', none: '无责任' },
}

const SUGGESTION = {
  is_suggestion: true as const,
  notice: QUESTIONS.notice,
  answers: { situation: 'rear_end', at_fault_party: 1, both_at_fault: false },
  situation: { code: 'rear_end', title: '追尾', basis: '' },
  liabilities: [
    { party: 0, liability: 'none' as const, label: '无责任' },
    { party: 1, liability: 'full' as const, label: '全部责任' },
  ],
  explanation: '追尾：第2方是后车……',
  party_count: 2,
  created_at: '2026-11-25T10:00:00+08:00',
}

beforeEach(() => {
  setActivePinia(createPinia())
  mocked.fetchLiabilityQuestions.mockResolvedValue(QUESTIONS)
  mocked.saveLiability.mockResolvedValue(SUGGESTION)
})

afterEach(() => vi.clearAllMocks())

describe('questionnaire logic', () => {
  const empty = { situation: '', atFaultParty: null, bothAtFault: null }

  it.each([
    [empty, 'situation'],
    [{ ...empty, situation: OTHER }, 'done'],
    [{ ...empty, situation: 'rear_end' }, 'party'],
    [{ situation: 'rear_end', atFaultParty: 0, bothAtFault: null }, 'both'],
    [{ situation: 'rear_end', atFaultParty: 0, bothAtFault: false }, 'done'],
  ])('%o asks %s next', (draft, stage) => {
    expect(stageOf(draft)).toBe(stage)
  })

  it('sends nothing until every question is answered', () => {
    expect(payloadOf({ ...empty, situation: 'rear_end' })).toBeNull()
    expect(payloadOf({ ...empty, situation: OTHER })).toEqual({ situation: OTHER })
    expect(payloadOf({ situation: 'reversing', atFaultParty: 1, bothAtFault: true })).toEqual({
      situation: 'reversing',
      at_fault_party: 1,
      both_at_fault: true,
    })
  })

  it('round-trips the answers stored on the case', () => {
    const draft = draftOf(SUGGESTION.answers)
    expect(draft).toEqual({ situation: 'rear_end', atFaultParty: 1, bothAtFault: false })
    expect(payloadOf(draft)).toEqual(SUGGESTION.answers)
    expect(draftOf(null)).toEqual(empty)
    expect(draftOf({ situation: OTHER })).toEqual({ ...empty, situation: OTHER })
  })

  it('prints one line per party with its plate', () => {
    expect(
      suggestionLines(SUGGESTION, [
        { index: 0, plate: '桂L12345' },
        { index: 1, plate: '桂LD12345' },
      ]),
    ).toEqual(['第 1 方（桂L12345）：无责任', '第 2 方（桂LD12345）：全部责任'])
    expect(suggestionLines(null)).toEqual([])
  })
})

describe('liability store', () => {
  it('walks the questions, goes back one at a time and saves the answers', async () => {
    const store = useLiabilityStore()
    await store.load()
    expect(store.questions?.situations).toHaveLength(2)
    store.chooseSituation('rear_end')
    expect(store.stage).toBe('party')
    expect(store.situation?.question).toBe('哪一方是后车？')
    store.chooseParty(1)
    store.chooseBoth(false)
    expect(store.stage).toBe('done')
    store.back()
    expect(store.stage).toBe('both')
    store.chooseBoth(false)

    const saved = await store.save(42)
    expect(mocked.saveLiability).toHaveBeenCalledWith(42, SUGGESTION.answers)
    expect(saved?.liabilities[1].liability).toBe('full')
    expect(store.result?.is_suggestion).toBe(true)
  })

  it('changing the situation clears the later answers', () => {
    const store = useLiabilityStore()
    store.start(SUGGESTION.answers)
    store.chooseSituation('reversing')
    expect(store.draft).toEqual({ situation: 'reversing', atFaultParty: null, bothAtFault: null })
  })

  it('does not call the server with unanswered questions and shows its refusal', async () => {
    const store = useLiabilityStore()
    store.chooseSituation('rear_end')
    expect(await store.save(1)).toBeNull()
    expect(mocked.saveLiability).not.toHaveBeenCalled()

    store.chooseParty(0)
    store.chooseBoth(false)
    mocked.saveLiability.mockRejectedValueOnce(
      httpError(409, {
        code: 'status_conflict',
        detail: '交警已开始审核，不能再修改责任自助判断；责任以交警认定为准。',
      }),
    )
    expect(await store.save(1)).toBeNull()
    expect(store.saveError).toContain('交警已开始审核')
  })

  it('loads the questions once and reports a failure', async () => {
    mocked.fetchLiabilityQuestions.mockRejectedValueOnce(httpError(503, {}))
    const store = useLiabilityStore()
    await store.load()
    expect(store.loadError).toBeTruthy()
    await store.load()
    await store.load()
    expect(mocked.fetchLiabilityQuestions).toHaveBeenCalledTimes(2)
  })
})
