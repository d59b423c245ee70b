import { ref, type Ref } from 'vue'
import { ApiError } from '@/utils/http'

/**
 * Rows loaded from the API with the loading and error state StateBlock shows. `failed` gives the
 * message for errors that are not API answers; it is read when the error happens, so it follows the
 * current language.
 */
export function useList<T>(fetch: () => Promise<T[]>, failed: () => string) {
  const rows = ref<T[]>([]) as Ref<T[]>
  const loading = ref(false)
  const error = ref<string | null>(null)

  async function load(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      rows.value = await fetch()
    } catch (e) {
      rows.value = []
      error.value = e instanceof ApiError ? e.detail : failed()
    } finally {
      loading.value = false
    }
  }

  return { rows, loading, error, load }
}
