import { watch } from 'vue'
import { useWizardStore } from '@/stores/wizard'
import { useUploadsStore } from '@/stores/uploads'
import { installSession } from './session'

/** Start-up work that ties the stores to the network and to each other. */
export function bootstrap(): void {
  installSession()
  const wizard = useWizardStore()
  const uploads = useUploadsStore()

  watch(
    () => wizard.recreatedCount,
    () => uploads.requeueAll(),
  )

  window.addEventListener('online', () => {
    wizard.onOnline()
    uploads.retryAllTransient()
  })

  void (async () => {
    await uploads.restore()
    const serverCase = await wizard.resume()
    if (serverCase && serverCase.status === 'draft' && serverCase.media) {
      await uploads.restore(serverCase.media)
    }
  })()
}
