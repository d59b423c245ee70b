import { http } from '@/utils/http'
import type { CaseDetail } from './cases'

export interface InsurerClaim {
  claim_no: string
  accepted_at: string
  company?: string
  insurer?: string
}

export type InsurerCase = Omit<CaseDetail, 'unit_polygon' | 'closing'> & {
  insurer_claims?: InsurerClaim[]
  claims?: InsurerClaim[]
  claim?: InsurerClaim | null
  closing?: CaseDetail['closing']
}

export async function lookupCase(receiptNo: string): Promise<InsurerCase> {
  const { data } = await http.get<InsurerCase>(`/insurer/cases/${encodeURIComponent(receiptNo)}`, {
    silent: true,
  })
  return data
}

export async function recordClaim(
  receiptNo: string,
  claimNo: string,
  acceptedAt: string,
): Promise<unknown> {
  const { data } = await http.post(
    `/insurer/cases/${encodeURIComponent(receiptNo)}/claim`,
    { claim_no: claimNo, accepted_at: acceptedAt },
    { silent: true },
  )
  return data
}

export interface InsurerCompany {
  code: string
  name: string
  hotline?: string
}

export async function listInsurers(): Promise<InsurerCompany[]> {
  const { data } = await http.get<InsurerCompany[] | { results: InsurerCompany[] }>('/insurers', {
    silent: true,
  })
  return Array.isArray(data) ? data : data.results
}
