import { watch } from 'vue'
import { useWizardStore } from '@/stores/wizard'
import { useUploadsStore } from '@/stores/uploads'
import { installSession } from './session'
import { loadSettings } from './settings'

/**
 * Ties the stores to the network and to each other: queued work goes out when the
 * phone is back online, and files follow a draft that had to be recreated.
 * Returns a function that undoes the wiring.
 */
export function connectStores(): () => void {
  const wizard = useWizardStore()
  const uploads = useUploadsStore()
  const stopWatch = watch(
    () => wizard.recreatedCount,
    () => uploads.requeueAll(),
  )
  const onOnline = () => {
    wizard.onOnline()
    uploads.retryAllTransient()
  }
  window.addEventListener('online', onOnline)
  return () => {
    stopWatch()
    window.removeEventListener('online', onOnline)
  }
}

export function bootstrap(): void {
  // City settings (required photos, size limits…): the stored copy is in force until this answers.
  void loadSettings()
  installSession()
  connectStores()
  const wizard = useWizardStore()
  const uploads = useUploadsStore()
  void (async () => {
    await uploads.restore()
    const serverCase = await wizard.resume()
    if (serverCase && serverCase.status === 'draft' && serverCase.media) {
      await uploads.restore(serverCase.media)
    } else if (serverCase && serverCase.status !== 'draft') {
      // Submitted while this page was closed (the answer to submit got lost): start clean.
      uploads.clear()
    }
  })()
}
