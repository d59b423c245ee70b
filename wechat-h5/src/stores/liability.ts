import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import {
  fetchLiabilityQuestions,
  saveLiability,
  type LiabilityAnswers,
  type LiabilityQuestions,
  type LiabilityRow,
  type LiabilitySituation,
  type LiabilitySuggestion,
} from '@/api/liability'
import { errorMessage } from '@/api/http'
import { i18n, isEnglish, t } from '@/i18n'

/** The answer "none of these / not sure". */
export const OTHER = 'other'

export type LiabilityStage = 'situation' | 'party' | 'both' | 'done'

export interface Draft {
  situation: string
  atFaultParty: number | null
  bothAtFault: boolean | null
}

/** Which question comes next for these answers. */
export function stageOf(draft: Draft): LiabilityStage {
  if (!draft.situation) return 'situation'
  if (draft.situation === OTHER) return 'done'
  if (draft.atFaultParty === null) return 'party'
  if (draft.bothAtFault === null) return 'both'
  return 'done'
}

/** The body of `POST /owner/cases/{id}/liability`; null while a question is open. */
export function payloadOf(draft: Draft): LiabilityAnswers | null {
  if (stageOf(draft) !== 'done') return null
  if (draft.situation === OTHER) return { situation: OTHER }
  return {
    situation: draft.situation,
    at_fault_party: draft.atFaultParty as number,
    both_at_fault: draft.bothAtFault as boolean,
  }
}

/** Answers stored on the case, back into the questionnaire (to change them). */
export function draftOf(answers: Partial<LiabilityAnswers> | null | undefined): Draft {
  const situation = typeof answers?.situation === 'string' ? answers.situation : ''
  if (!situation || situation === OTHER) return { situation, atFaultParty: null, bothAtFault: null }
  return {
    situation,
    atFaultParty: typeof answers?.at_fault_party === 'number' ? answers.at_fault_party : null,
    bothAtFault: typeof answers?.both_at_fault === 'boolean' ? answers.both_at_fault : null,
  }
}

export function partyLabel(index: number, plate?: string): string {
  return plate ? t('liability.party', { n: index + 1, plate }) : t('common.party', { n: index + 1 })
}

/** A liability row's label: as the server sent it (Chinese), or from its code in English. */
export function liabilityLabel(row: Pick<LiabilityRow, 'liability' | 'label'>): string {
  const key = `liability.labels.${row.liability}`
  return isEnglish() && i18n.global.te(key) ? t(key) : row.label
}

/** "第 1 方（桂L12345）：全部责任" lines for a suggestion. */
export function suggestionLines(
  suggestion: Pick<LiabilitySuggestion, 'liabilities'> | null | undefined,
  parties: { index: number; plate?: string }[] = [],
): string[] {
  return (suggestion?.liabilities ?? []).map((row) => {
    const plate = parties.find((p) => p.index === row.party)?.plate
    return t('liability.line', { party: partyLabel(row.party, plate), label: liabilityLabel(row) })
  })
}

export const useLiabilityStore = defineStore('liability', () => {
  const questions = ref<LiabilityQuestions | null>(null)
  const loading = ref(false)
  const loadError = ref('')
  const draft = ref<Draft>({ situation: '', atFaultParty: null, bothAtFault: null })
  const result = ref<LiabilitySuggestion | null>(null)
  const saving = ref(false)
  const saveError = ref('')

  const stage = computed(() => stageOf(draft.value))
  const situation = computed<LiabilitySituation | null>(
    () => questions.value?.situations.find((s) => s.code === draft.value.situation) ?? null,
  )

  async function load(): Promise<void> {
    if (questions.value) return
    loading.value = true
    loadError.value = ''
    try {
      questions.value = await fetchLiabilityQuestions()
    } catch (err) {
      loadError.value = errorMessage(err, t('liability.loadFailed'))
    } finally {
      loading.value = false
    }
  }

  function start(answers?: Partial<LiabilityAnswers> | null): void {
    draft.value = draftOf(answers)
    result.value = null
    saveError.value = ''
  }

  function chooseSituation(code: string): void {
    draft.value = { situation: code, atFaultParty: null, bothAtFault: null }
  }

  function chooseParty(index: number): void {
    draft.value = { ...draft.value, atFaultParty: index, bothAtFault: null }
  }

  function chooseBoth(value: boolean): void {
    draft.value = { ...draft.value, bothAtFault: value }
  }

  /** One question back. */
  function back(): void {
    const d = draft.value
    if (d.bothAtFault !== null) draft.value = { ...d, bothAtFault: null }
    else if (d.atFaultParty !== null) draft.value = { ...d, atFaultParty: null }
    else draft.value = { situation: '', atFaultParty: null, bothAtFault: null }
    result.value = null
  }

  async function save(caseId: number): Promise<LiabilitySuggestion | null> {
    const body = payloadOf(draft.value)
    if (!body) return null
    saving.value = true
    saveError.value = ''
    try {
      result.value = await saveLiability(caseId, body)
      return result.value
    } catch (err) {
      saveError.value = errorMessage(err, t('liability.saveFailed'))
      return null
    } finally {
      saving.value = false
    }
  }

  return {
    questions,
    loading,
    loadError,
    draft,
    result,
    saving,
    saveError,
    stage,
    situation,
    load,
    start,
    chooseSituation,
    chooseParty,
    chooseBoth,
    back,
    save,
  }
})
