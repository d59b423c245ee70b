import { defineStore } from 'pinia'
import { computed, reactive, watch } from 'vue'
import * as api from '@/api/owner'
import { errorMessage, isNetworkError, statusOf } from '@/api/http'
import type { Media } from '@/api/types'
import { uuid4 } from '@/utils/uuid'
import { prepareImage } from '@/services/image'
import { maxPhotoBytes, maxVideoBytes, settings } from '@/services/settings'
import * as blobs from '@/services/blobStore'
import { UPLOADS_KEY, readJson, writeJson, type UploadItem } from './persistence'
import { isSingleSlot, requiredSceneSlots } from './steps'
import { useWizardStore } from './wizard'
import { t } from '@/i18n'

/** Waits before automatic retries; after the last one the driver gets a retry button. */
export const UPLOAD_BACKOFF_MS = [2000, 5000, 12000, 30000]
const MAX_PARALLEL = 2

interface Local {
  blob: Blob
  name: string
}

function createPreview(blob: Blob): string {
  try {
    return typeof URL.createObjectURL === 'function' ? URL.createObjectURL(blob) : ''
  } catch {
    return ''
  }
}

function loadItems(): UploadItem[] {
  const saved = readJson<{ items: UploadItem[] }>(UPLOADS_KEY)
  if (!saved || !Array.isArray(saved.items)) return []
  // Anything that was mid-flight when the page died is re-queued once its bytes are found again.
  return saved.items.map((i) =>
    i.status === 'uploading' || i.status === 'processing'
      ? { ...i, status: 'queued', progress: 0 }
      : i,
  )
}

export const useUploadsStore = defineStore('uploads', () => {
  const state = reactive<{ items: UploadItem[] }>({ items: loadItems() })
  // Files and object URLs cannot go in localStorage; they live here and in IndexedDB.
  const local = new Map<string, Local>()
  // Reactive so a thumbnail appears as soon as the photo has been processed.
  const previews = reactive<Record<string, string>>({})
  const controllers = new Map<string, AbortController>()
  const timers = new Map<string, ReturnType<typeof setTimeout>>()
  let restored: Promise<void> | null = null

  watch(state, () => writeJson(UPLOADS_KEY, { items: state.items }), { deep: true, flush: 'sync' })

  const find = (key: string) => state.items.find((i) => i.key === key)

  function itemsFor(slot: string, party: number | null = null): UploadItem[] {
    return state.items.filter((i) => i.slot === slot && (i.party ?? null) === party)
  }

  function previewOf(item: UploadItem): string {
    return previews[item.key] || item.thumbUrl || ''
  }

  const busy = computed(() =>
    state.items.some((i) => ['processing', 'queued', 'uploading'].includes(i.status)),
  )
  const problems = computed(() =>
    state.items.filter((i) => i.status === 'failed' || i.status === 'lost'),
  )

  const missingRequired = computed(() =>
    requiredSceneSlots().filter((slot) => !itemsFor(slot).some((i) => i.status === 'done')),
  )
  const requiredComplete = computed(() => missingRequired.value.length === 0)

  // ---- queue -----------------------------------------------------------
  function pump() {
    let running = state.items.filter((i) => i.status === 'uploading').length
    for (const item of state.items) {
      if (running >= MAX_PARALLEL) break
      if (item.status === 'queued' && local.has(item.key)) {
        running++
        void send(item.key)
      }
    }
  }

  async function send(key: string) {
    const item = find(key)
    const file = local.get(key)
    if (!item || !file) return
    item.status = 'uploading'
    item.progress = 0
    item.error = ''
    item.attempts++
    const controller = new AbortController()
    controllers.set(key, controller)
    let caseIdUsed: number | null = null
    try {
      const wizard = useWizardStore()
      const caseId = await wizard.ensureDraft()
      caseIdUsed = caseId
      const media = await api.uploadMedia(caseId, item.slot, file.blob, file.name, {
        party: item.party,
        signal: controller.signal,
        onProgress: (f) => {
          const it = find(key)
          if (it) it.progress = f
        },
      })
      const it = find(key)
      if (!it) {
        // Deleted while the bytes were travelling: remove what just arrived.
        void api.deleteMedia(caseId, media.id).catch(() => undefined)
        return
      }
      it.status = 'done'
      it.progress = 1
      it.mediaId = media.id
      it.replaces = null
      it.thumbUrl = media.thumb_url || ''
      it.attempts = 0
      // Video bytes are too big to keep; photos stay so a renumbered party can be re-sent.
      if (it.kind === 'video') void blobs.deleteBlob(key)
    } catch (err) {
      const it = find(key)
      if (!it || controller.signal.aborted) return
      const status = statusOf(err)
      it.status = 'failed'
      it.progress = 0
      if (err instanceof Error && err.message === 'draft-unavailable') {
        it.error = t('uploads.offline')
        it.permanent = false
      } else if (status === 404) {
        it.error = t('uploads.draftGone')
        it.permanent = false
        useWizardStore().draftGone(caseIdUsed ?? -1)
        return
      } else if (
        status !== null &&
        status >= 400 &&
        status < 500 &&
        status !== 408 &&
        status !== 429
      ) {
        it.error = errorMessage(err, t('uploads.rejected'))
        it.permanent = true
      } else {
        it.error = isNetworkError(err) ? t('uploads.networkRetry') : t('uploads.serverRetry')
        it.permanent = false
      }
      if (!it.permanent) scheduleRetry(key)
    } finally {
      controllers.delete(key)
      pump()
    }
  }

  function scheduleRetry(key: string) {
    const item = find(key)
    if (!item || item.attempts > UPLOAD_BACKOFF_MS.length) return
    const delay = UPLOAD_BACKOFF_MS[Math.min(item.attempts - 1, UPLOAD_BACKOFF_MS.length - 1)]
    clearTimer(key)
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key)
        const it = find(key)
        if (it && it.status === 'failed') {
          it.status = 'queued'
          pump()
        }
      }, delay),
    )
  }

  function clearTimer(key: string) {
    const t = timers.get(key)
    if (t) clearTimeout(t)
    timers.delete(key)
  }

  /** The retry button: try again now, with a fresh set of automatic retries. */
  function retry(key: string) {
    const item = find(key)
    if (!item || !local.has(item.key)) return
    clearTimer(key)
    item.attempts = 0
    item.status = 'queued'
    item.error = ''
    pump()
  }

  function retryAllTransient() {
    for (const item of state.items) {
      if (item.status === 'failed' && !item.permanent && local.has(item.key)) {
        clearTimer(item.key)
        item.status = 'queued'
      }
    }
    pump()
  }

  // ---- adding and removing --------------------------------------------
  /** Add a photo or video the driver picked. Returns an error message, or '' when accepted. */
  async function add(slot: string, party: number | null, file: File): Promise<string> {
    const isVideo = slot === 'video'
    if (isVideo) {
      if (!file.type.startsWith('video/') && !/\.(mp4|mov|3gp)$/i.test(file.name)) {
        return t('uploads.chooseVideo')
      }
      if (file.size > maxVideoBytes())
        return t('uploads.videoTooBig', { mb: settings.video_max_mb })
    } else if (file.type && !file.type.startsWith('image/')) {
      return t('uploads.choosePhoto')
    }

    let replaces: number | null = null
    if (isSingleSlot(slot)) {
      for (const old of itemsFor(slot, party)) {
        replaces = old.mediaId ?? old.replaces ?? replaces
        dropLocal(old.key)
        state.items.splice(state.items.indexOf(old), 1)
      }
    }
    const key = uuid4()
    const item: UploadItem = {
      key,
      slot,
      party,
      kind: isVideo ? 'video' : 'image',
      status: 'processing',
      progress: 0,
      attempts: 0,
      error: '',
      permanent: false,
      mediaId: null,
      replaces,
      name: file.name,
      size: file.size,
      thumbUrl: '',
      createdAt: new Date().toISOString(),
    }
    state.items.push(item)

    const prepared = isVideo
      ? { blob: file as Blob, name: file.name || 'video.mp4' }
      : await prepareImage(file)
    const current = find(key)
    if (!current) return ''
    if (!isVideo && prepared.blob.size > maxPhotoBytes()) {
      state.items.splice(state.items.indexOf(current), 1)
      return t('uploads.photoTooBig', { mb: settings.photo_max_mb })
    }
    local.set(key, prepared)
    if (!isVideo) previews[key] = createPreview(prepared.blob)
    current.size = prepared.blob.size
    current.name = prepared.name
    current.status = 'queued'
    void blobs.putBlob(key, prepared.blob)
    pump()
    return ''
  }

  function dropLocal(key: string) {
    controllers.get(key)?.abort()
    controllers.delete(key)
    clearTimer(key)
    if (previews[key]) URL.revokeObjectURL?.(previews[key])
    delete previews[key]
    local.delete(key)
    void blobs.deleteBlob(key)
  }

  async function remove(key: string): Promise<string> {
    const item = find(key)
    if (!item) return ''
    const wizard = useWizardStore()
    const caseId = wizard.state.draftId
    const ids = [item.mediaId, item.replaces].filter((x): x is number => x !== null)
    if (caseId !== null) {
      for (const id of ids) {
        try {
          await api.deleteMedia(caseId, id)
        } catch (err) {
          if (statusOf(err) !== 404) return errorMessage(err, t('uploads.deleteFailed'))
        }
      }
    }
    dropLocal(key)
    const idx = state.items.findIndex((i) => i.key === key)
    if (idx >= 0) state.items.splice(idx, 1)
    return ''
  }

  /**
   * Parties are addressed by index on the server, so removing party n shifts
   * every later party's documents down by one and they must be sent again.
   */
  async function onPartyRemoved(index: number) {
    for (const item of [...state.items]) {
      if (item.party === index) await remove(item.key)
    }
    const wizard = useWizardStore()
    for (const item of state.items) {
      if (item.party === null || item.party <= index) continue
      const oldId = item.mediaId
      item.party -= 1
      if (oldId !== null && wizard.state.draftId !== null) {
        void api.deleteMedia(wizard.state.draftId, oldId).catch(() => undefined)
      }
      item.mediaId = null
      item.replaces = null
      if (local.has(item.key)) {
        item.status = 'queued'
        item.attempts = 0
      } else {
        item.status = 'lost'
        item.error = t('uploads.retake')
      }
    }
    pump()
  }

  /** The server draft was recreated: every file must go up again. */
  function requeueAll() {
    for (const item of state.items) {
      item.mediaId = null
      item.replaces = null
      if (local.has(item.key)) {
        item.status = 'queued'
        item.attempts = 0
      } else {
        item.status = 'lost'
        item.error = t('uploads.reupload')
      }
    }
    pump()
  }

  /** Bring back unsent files after a reload, and learn what the server already holds. */
  function restore(serverMedia: Media[] | null = null): Promise<void> {
    if (restored && !serverMedia) return restored
    restored = (async () => {
      if (serverMedia) mergeServerMedia(serverMedia)
      for (const item of state.items) {
        if (local.has(item.key)) continue
        if (item.status === 'done' && item.kind === 'video') continue
        const blob = await blobs.getBlob(item.key)
        if (blob) {
          local.set(item.key, { blob, name: item.name })
          if (item.kind === 'image') previews[item.key] = createPreview(blob)
        } else if (item.status !== 'done') {
          item.status = 'lost'
          item.error = t('uploads.unfinished')
        }
      }
      pump()
    })()
    return restored
  }

  function mergeServerMedia(media: Media[]) {
    const known = new Set(state.items.map((i) => i.mediaId).filter((x) => x !== null))
    for (const m of media) {
      const existing = state.items.find((i) => i.mediaId === m.id)
      if (existing) {
        existing.thumbUrl = m.thumb_url || existing.thumbUrl
        continue
      }
      if (known.has(m.id)) continue
      state.items.push({
        key: uuid4(),
        slot: m.slot,
        party: m.party ?? null,
        kind: m.kind,
        status: 'done',
        progress: 1,
        attempts: 0,
        error: '',
        permanent: false,
        mediaId: m.id,
        replaces: null,
        name: '',
        size: m.size,
        thumbUrl: m.thumb_url || '',
        createdAt: m.created_at || new Date().toISOString(),
      })
    }
    // Marked done locally but gone from the server: it must be sent again.
    const serverIds = new Set(media.map((m) => m.id))
    for (const item of state.items) {
      if (item.status === 'done' && item.mediaId !== null && !serverIds.has(item.mediaId)) {
        item.mediaId = null
        item.status = local.has(item.key) ? 'queued' : 'lost'
        if (item.status === 'lost') item.error = t('uploads.reupload')
      }
    }
  }

  function clear() {
    for (const key of [...local.keys()]) dropLocal(key)
    for (const key of [...timers.keys()]) clearTimer(key)
    state.items.splice(0)
    void blobs.clearBlobs()
  }

  return {
    state,
    busy,
    problems,
    missingRequired,
    requiredComplete,
    itemsFor,
    previewOf,
    add,
    remove,
    retry,
    retryAllTransient,
    onPartyRemoved,
    requeueAll,
    restore,
    clear,
    hasLocal: (key: string) => local.has(key),
  }
})
