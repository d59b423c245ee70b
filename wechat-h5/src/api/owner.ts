import type { AxiosProgressEvent } from 'axios'
import { http } from './http'
import type {
  ChecklistItem,
  DraftPayload,
  Insurer,
  ListOrPage,
  LocateResult,
  AddressSearchResult,
  ReverseAddress,
  Media,
  OwnerCase,
  CoordSystem,
  TrackResult,
  GuideCategory,
  GuideArticle,
} from './types'
import { listOf } from './types'

export async function createSession(body: { code?: string; state?: string }) {
  const { data } = await http.post<{ token: string; owner?: { id: number }; wechat?: boolean }>(
    '/owner/session',
    body,
    { skipSession: true },
  )
  return data
}

export async function getOauthUrl(next: string): Promise<string | null> {
  try {
    const { data } = await http.get<{ url: string }>('/owner/wechat/oauth-url', {
      params: { next },
      skipSession: true,
    })
    return data?.url || null
  } catch {
    return null
  }
}

export async function getJssdkConfig(url: string) {
  const { data } = await http.get<{
    appId: string
    timestamp: number | string
    nonceStr: string
    signature: string
  }>('/owner/wechat/jssdk', { params: { url } })
  return data
}

export async function fetchChecklist(): Promise<ChecklistItem[]> {
  const { data } = await http.get<ListOrPage<ChecklistItem>>('/owner/checklist')
  return listOf(data)
}

export async function fetchInsurers(): Promise<Insurer[]> {
  const { data } = await http.get<ListOrPage<Insurer>>('/insurers')
  return listOf(data)
}

export async function locateUnit(lng: number, lat: number, coordSystem: CoordSystem) {
  const { data } = await http.get<LocateResult>('/units/locate', {
    params: { lng, lat, coord_system: coordSystem },
  })
  return data
}

/** The standardised address of a point; `source: 'jurisdiction'` is county-level text only. */
export async function reverseAddress(
  lng: number,
  lat: number,
  coordSystem: CoordSystem,
): Promise<ReverseAddress> {
  const { data } = await http.get<ReverseAddress>('/owner/address', {
    params: { lng, lat, coord_system: coordSystem },
  })
  return data
}

/** Places in Baise matching what the owner typed (2-50 chars); 503 when no geocoder is set up. */
export async function searchAddress(q: string): Promise<AddressSearchResult[]> {
  const { data } = await http.get<{ results?: AddressSearchResult[] }>('/owner/address/search', {
    params: { q },
  })
  return Array.isArray(data?.results) ? data.results : []
}

export async function fetchJurisdictions() {
  const { data } = await http.get<GeoJSON.FeatureCollection>('/units/jurisdictions')
  return data
}

export async function createDraft(body: DraftPayload): Promise<OwnerCase> {
  const { data } = await http.post<OwnerCase>('/owner/cases', body)
  return data
}

export async function patchDraft(id: number, body: DraftPayload): Promise<OwnerCase> {
  const { data } = await http.patch<OwnerCase>(`/owner/cases/${id}`, body)
  return data
}

export async function deleteDraft(id: number): Promise<void> {
  await http.delete(`/owner/cases/${id}`)
}

export async function fetchOwnCase(id: number): Promise<OwnerCase> {
  const { data } = await http.get<OwnerCase>(`/owner/cases/${id}`)
  return data
}

export async function fetchOwnCases(): Promise<OwnerCase[]> {
  const { data } = await http.get<ListOrPage<OwnerCase>>('/owner/cases')
  return listOf(data)
}

export async function uploadMedia(
  caseId: number,
  slot: string,
  file: Blob,
  fileName: string,
  opts: {
    party?: number | null
    onProgress?: (fraction: number) => void
    signal?: AbortSignal
  } = {},
): Promise<Media> {
  const form = new FormData()
  form.append('slot', slot)
  if (opts.party !== undefined && opts.party !== null) form.append('party', String(opts.party))
  form.append('file', file, fileName)
  const { data } = await http.post<Media>(`/owner/cases/${caseId}/media`, form, {
    timeout: 0, // a 200 MB video on a weak signal takes as long as it takes
    signal: opts.signal,
    onUploadProgress: (e: AxiosProgressEvent) => {
      const total = e.total || file.size
      if (opts.onProgress && total) opts.onProgress(Math.min(1, e.loaded / total))
    },
  })
  return data
}

export async function deleteMedia(caseId: number, mediaId: number): Promise<void> {
  await http.delete(`/owner/cases/${caseId}/media/${mediaId}`)
}

export async function submitCase(caseId: number, idempotencyKey: string): Promise<OwnerCase> {
  const { data } = await http.post<OwnerCase>(
    `/owner/cases/${caseId}/submit`,
    {},
    { headers: { 'Idempotency-Key': idempotencyKey }, timeout: 30_000 },
  )
  return data
}

export async function trackCase(receiptNo: string, phoneLast4: string): Promise<TrackResult> {
  const { data } = await http.get<TrackResult>(`/track/${encodeURIComponent(receiptNo)}`, {
    params: { phone_last4: phoneLast4 },
  })
  return data
}

export async function fetchGuideCategories(): Promise<GuideCategory[]> {
  const { data } = await http.get<ListOrPage<GuideCategory>>('/guide/categories')
  return listOf(data)
}

export async function fetchGuideArticles(category?: string): Promise<GuideArticle[]> {
  const { data } = await http.get<ListOrPage<GuideArticle>>('/guide/articles', {
    params: category !== undefined ? { category } : {},
  })
  return listOf(data)
}

export async function fetchGuideArticle(id: number | string): Promise<GuideArticle> {
  const { data } = await http.get<GuideArticle>(`/guide/articles/${id}`)
  return data
}
