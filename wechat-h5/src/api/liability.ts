import { http } from './http'

/** `GET /owner/liability/questions`: the standard full-liability situations. */
export interface LiabilitySituation {
  code: string
  title: string
  description: string
  question: string
  at_fault_role: string
  other_role: string
  basis: string
}

export interface LiabilityQuestions {
  notice: string
  situation_question: string
  situations: LiabilitySituation[]
  other: { code: string; title: string }
  both_question: string
  liability_labels: Record<string, string>
}

export interface LiabilityAnswers {
  situation: string
  at_fault_party?: number
  both_at_fault?: boolean
}

export interface LiabilityRow {
  party: number
  liability: 'full' | 'major' | 'equal' | 'minor' | 'none'
  label: string
}

/** Stored on the case as `liability_suggestion`: a suggestion only, the officer decides. */
export interface LiabilitySuggestion {
  is_suggestion: true
  notice: string
  answers: LiabilityAnswers
  situation: { code: string; title: string; basis: string } | null
  liabilities: LiabilityRow[]
  explanation: string
  party_count: number
  created_at: string
}

export interface AgreementState {
  open: boolean
  complete: boolean
  confirmations: { party: number; confirmed_at: string | null }[]
}

/** What `POST /agreement/{receipt_no}` answers to one party (the others' phone and name masked). */
export interface AgreementView {
  receipt_no: string
  status: string
  status_label: string
  unit: string
  occurred_at: string | null
  address: string
  situation: { code: string; title: string; basis: string } | null
  situation_text: string
  liabilities: {
    source: 'officer' | 'suggestion' | 'pending'
    source_label: string
    rows: LiabilityRow[]
  }
  parties: {
    index: number
    you: boolean
    plate: string
    vehicle_type_label: string
    insurer_label: string
    phone: string
    driver_name: string
    confirmed_at: string | null
  }[]
  open: boolean
  complete: boolean
  you: number
  notice: string
}

export async function fetchLiabilityQuestions(): Promise<LiabilityQuestions> {
  const { data } = await http.get<LiabilityQuestions>('/owner/liability/questions')
  return data
}

export async function saveLiability(
  caseId: number,
  answers: LiabilityAnswers,
): Promise<LiabilitySuggestion> {
  const { data } = await http.post<LiabilitySuggestion>(`/owner/cases/${caseId}/liability`, answers)
  return data
}

const receiptPath = (receiptNo: string) => `/agreement/${encodeURIComponent(receiptNo)}`

// The phone number travels in the body, never in a URL.
export async function fetchAgreement(receiptNo: string, phone: string): Promise<AgreementView> {
  const { data } = await http.post<AgreementView>(receiptPath(receiptNo), { phone })
  return data
}

export async function confirmAgreement(
  receiptNo: string,
  phone: string,
  party: number,
): Promise<AgreementView> {
  const { data } = await http.post<AgreementView>(`${receiptPath(receiptNo)}/confirm`, {
    phone,
    party,
    agree: true,
  })
  return data
}

export async function fetchAgreementPdf(receiptNo: string, phone: string): Promise<Blob> {
  const { data } = await http.post<Blob>(
    `${receiptPath(receiptNo)}/pdf`,
    { phone },
    { responseType: 'blob', timeout: 30_000 },
  )
  return data
}
