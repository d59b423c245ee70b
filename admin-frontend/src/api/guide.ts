import { asPage, http, type Page } from '@/utils/http'

export interface GuideArticle {
  id: number
  category: string
  category_label?: string
  title: string
  body_markdown: string
  body_html?: string
  status: 'draft' | 'published'
  order: number
  updated_at?: string
}

export type GuideArticleInput = Omit<
  GuideArticle,
  'id' | 'body_html' | 'updated_at' | 'category_label'
>

export interface GuideCategory {
  key?: string
  code?: string
  slug?: string
  name?: string
  label?: string
  title?: string
}

const BASE = '/guide/admin/articles'

export async function listArticles(
  params: Record<string, unknown> = {},
): Promise<Page<GuideArticle>> {
  const { data } = await http.get(BASE, { params: { page_size: 200, ...params }, silent: true })
  return asPage<GuideArticle>(data)
}

export async function getArticle(id: number | string): Promise<GuideArticle> {
  const { data } = await http.get<GuideArticle>(`${BASE}/${id}`, { silent: true })
  return data
}

export async function createArticle(input: GuideArticleInput): Promise<GuideArticle> {
  const { data } = await http.post<GuideArticle>(BASE, input, { silent: true })
  return data
}

export async function updateArticle(
  id: number,
  input: Partial<GuideArticleInput>,
): Promise<GuideArticle> {
  const { data } = await http.patch<GuideArticle>(`${BASE}/${id}`, input, { silent: true })
  return data
}

export async function deleteArticle(id: number): Promise<void> {
  await http.delete(`${BASE}/${id}`, { silent: true })
}

export async function uploadGuideImage(file: File): Promise<string> {
  const form = new FormData()
  form.append('file', file)
  const { data } = await http.post<{ url: string }>('/guide/admin/images', form, { silent: true })
  return data.url
}

/** Public categories give the editor a pick list; free text still works if this fails. */
export async function listCategories(): Promise<GuideCategory[]> {
  const { data } = await http.get('/guide/categories', { silent: true })
  return asPage<GuideCategory>(data).results
}

/** One row per media slot; the example fields are null while the H5 uses its built-in drawing. */
export interface SlotExample {
  slot: string
  label: string
  caption: string | null
  image: string | null
  image_url: string | null
  updated_by: string | null
  updated_at: string | null
}

const SLOTS = '/guide/admin/slot-examples'

export async function listSlotExamples(): Promise<SlotExample[]> {
  const { data } = await http.get<SlotExample[]>(SLOTS, { silent: true })
  return asPage<SlotExample>(data).results
}

/** Set or replace a slot's example photo; `onProgress` gets 0–100 while the file goes up. */
export async function uploadSlotExample(
  slot: string,
  file: File,
  onProgress?: (percent: number) => void,
): Promise<SlotExample> {
  const form = new FormData()
  form.append('file', file)
  const { data } = await http.post<SlotExample>(`${SLOTS}/${encodeURIComponent(slot)}`, form, {
    silent: true,
    timeout: 120_000,
    onUploadProgress: (e) => {
      if (onProgress && e.total) onProgress(Math.min(100, Math.round((e.loaded / e.total) * 100)))
    },
  })
  return data
}

export async function updateSlotCaption(slot: string, caption: string): Promise<SlotExample> {
  const { data } = await http.patch<SlotExample>(
    `${SLOTS}/${encodeURIComponent(slot)}`,
    { caption },
    { silent: true },
  )
  return data
}

export async function deleteSlotExample(slot: string): Promise<void> {
  await http.delete(`${SLOTS}/${encodeURIComponent(slot)}`, { silent: true })
}
