import { ref, type Ref } from 'vue'
import { ElMessage } from 'element-plus'
import { ApiError } from '@/utils/http'

/**
 * The create / edit dialog of a list page: which row is edited, the saving flag and the per-field
 * errors. `save` runs the request, closes the dialog and calls `done` (usually a reload); an API
 * error puts the server's field messages next to the fields, joined with `separator`.
 */
export function useFormDialog<T>(separator: () => string) {
  const dialogOpen = ref(false)
  const editing = ref<T | null>(null) as Ref<T | null>
  const saving = ref(false)
  const fieldErrors = ref<Record<string, string>>({})

  function open(item: T | null): void {
    editing.value = item
    fieldErrors.value = {}
    dialogOpen.value = true
  }

  async function save(request: () => Promise<void>, done: () => Promise<void>): Promise<void> {
    saving.value = true
    try {
      await request()
      dialogOpen.value = false
      await done()
    } catch (e) {
      if (e instanceof ApiError) {
        fieldErrors.value = Object.fromEntries(
          Object.entries(e.errors).map(([k, v]) => [k, v.join(separator())]),
        )
        ElMessage.error(e.detail)
      }
    } finally {
      saving.value = false
    }
  }

  return { dialogOpen, editing, saving, fieldErrors, open, save }
}
