import { ref } from 'vue'
import type { Page } from '@/utils/http'
import { useList } from './useList'

/**
 * A server-paginated list: `fetch` gets the page to load and applies the page's own filters.
 * `search` starts again from the first page, for a changed filter.
 */
export function usePagedList<T>(
  fetch: (page: number) => Promise<Page<T>>,
  failed: () => string,
  firstPage = 1,
) {
  const page = ref(firstPage)
  const total = ref(0)
  const list = useList(async () => {
    const data = await fetch(page.value)
    total.value = data.count ?? data.results.length
    return data.results
  }, failed)

  function search(): void {
    page.value = 1
    void list.load()
  }

  return { ...list, page, total, search }
}
