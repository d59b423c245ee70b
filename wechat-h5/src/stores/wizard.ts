import { defineStore } from 'pinia'
import { computed, reactive, ref, watch } from 'vue'
import * as api from '@/api/owner'
import { errorBody, isNetworkError, statusOf } from '@/api/http'
import type { ChecklistItem, DraftLocation, DraftPayload, OwnerCase, PartyInput } from '@/api/types'
import { uuid4 } from '@/utils/uuid'
import { isValidPlate, normalizePlate, plateError } from '@/utils/plate'
import { isValidMobile, normalizePhone, phoneError } from '@/utils/phone'
import { occurredAtError } from '@/utils/time'
import {
  DRAFT_KEY,
  LAST_RECEIPT_KEY,
  emptyParty,
  readJson,
  writeJson,
  type FormState,
  type LastReceipt,
  type PersistedDraft,
  type StandardAddress,
} from './persistence'
import { STEPS, stepForField, stepIndex, type StepKey } from './steps'
import { t } from '@/i18n'

export const MIN_PARTIES = 2
export const SAVE_DEBOUNCE_MS = 800
const RETRY_DELAYS_MS = [3000, 8000, 20000, 60000]

export type SyncState = 'idle' | 'saving' | 'saved' | 'offline' | 'error'

export type NextResult =
  { ok: true; step: StepKey } | { ok: false; reason: 'call122' | 'incomplete' | 'last' }

export type SubmitResult =
  | { ok: true; case: OwnerCase }
  | {
      ok: false
      reason: 'incomplete'
      missing: { field: string; message: string; step: StepKey }[]
    }
  | { ok: false; reason: 'uploading' | 'network' | 'error'; message: string }

function emptyForm(): FormState {
  return {
    checklist: {},
    location: null,
    mapPoint: null,
    address: '',
    standardAddress: null,
    occurred_at: null,
    parties: [emptyParty(), emptyParty()],
  }
}

function freshDraft(): PersistedDraft {
  const now = new Date().toISOString()
  return {
    version: 1,
    draftId: null,
    step: 'safety',
    furthest: 'safety',
    form: emptyForm(),
    idempotencyKey: uuid4(),
    pendingPatch: null,
    startedAt: now,
    updatedAt: now,
  }
}

function isStandardAddress(v: unknown): v is StandardAddress {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as StandardAddress).address === 'string' &&
    ((v as StandardAddress).source === 'map' || (v as StandardAddress).source === 'jurisdiction')
  )
}

/** Limits of the server's draft `location` object. */
export const ADDRESS_MAX = 200
export const DETAIL_MAX = 300
export const MIN_ADDRESS = 2

function loadDraft(): PersistedDraft {
  const saved = readJson<PersistedDraft>(DRAFT_KEY)
  if (!saved || saved.version !== 1 || !saved.form) return freshDraft()
  const base = freshDraft()
  const form = { ...base.form, ...saved.form }
  // Drafts from before the standard address existed: behave as they did (owner's text only).
  if (!isStandardAddress(form.standardAddress)) form.standardAddress = null
  if (!Array.isArray(form.parties) || form.parties.length < MIN_PARTIES) {
    form.parties = [...(form.parties ?? []), emptyParty(), emptyParty()].slice(
      0,
      Math.max(MIN_PARTIES, form.parties?.length ?? 0),
    )
  }
  return {
    ...base,
    ...saved,
    form,
    idempotencyKey: saved.idempotencyKey || base.idempotencyKey,
    step: STEPS.includes(saved.step) ? saved.step : 'safety',
    furthest: STEPS.includes(saved.furthest) ? saved.furthest : 'safety',
  }
}

export const useWizardStore = defineStore('wizard', () => {
  const state = reactive<PersistedDraft>(loadDraft())
  const checklistItems = ref<ChecklistItem[]>([])
  const syncState = ref<SyncState>(state.pendingPatch ? 'offline' : 'idle')
  /** Bumped whenever the server draft vanished and is rebuilt from local data (uploads must follow). */
  const recreatedCount = ref(0)

  let saveTimer: ReturnType<typeof setTimeout> | null = null
  let retryTimer: ReturnType<typeof setTimeout> | null = null
  let retryAttempt = 0
  let inFlight: Promise<void> | null = null
  let revision = 0

  watch(
    state,
    () => {
      state.updatedAt = new Date().toISOString()
      writeJson(DRAFT_KEY, state)
    },
    { deep: true, flush: 'sync' },
  )

  // ---- checklist -------------------------------------------------------
  const checklistKeys = computed(() =>
    checklistItems.value.length
      ? checklistItems.value.map((i) => i.key)
      : Object.keys(state.form.checklist),
  )
  const checklistAnyYes = computed(() =>
    checklistKeys.value.some((k) => state.form.checklist[k] === true),
  )
  const checklistComplete = computed(
    () =>
      checklistKeys.value.length > 0 &&
      checklistKeys.value.every((k) => typeof state.form.checklist[k] === 'boolean'),
  )
  const checklistPassed = computed(() => checklistComplete.value && !checklistAnyYes.value)

  function setChecklistItems(items: ChecklistItem[]) {
    checklistItems.value = items
    for (const item of items) {
      if (!(item.key in state.form.checklist)) state.form.checklist[item.key] = null
    }
  }

  function answerChecklist(key: string, value: boolean) {
    state.form.checklist[key] = value
    // A "yes" is never sent: the driver must call 122 instead of filing here.
    if (checklistPassed.value && state.draftId !== null) markDirty(['checklist'])
  }

  // ---- navigation ------------------------------------------------------
  function canEnter(step: StepKey): boolean {
    if (stepIndex(step) <= stepIndex('checklist')) return true
    return checklistPassed.value
  }

  function goTo(step: StepKey): boolean {
    if (!canEnter(step)) return false
    state.step = step
    if (stepIndex(step) > stepIndex(state.furthest)) state.furthest = step
    return true
  }

  function next(): NextResult {
    const i = stepIndex(state.step)
    if (state.step === 'checklist') {
      if (checklistAnyYes.value) return { ok: false, reason: 'call122' }
      if (!checklistComplete.value) return { ok: false, reason: 'incomplete' }
      // First step with data worth keeping: create the server draft now.
      markDirty(['checklist'])
    }
    if (i >= STEPS.length - 1) return { ok: false, reason: 'last' }
    const step = STEPS[i + 1]
    goTo(step)
    return { ok: true, step }
  }

  function prev(): StepKey {
    const i = stepIndex(state.step)
    const step = STEPS[Math.max(0, i - 1)]
    goTo(step)
    return step
  }

  // ---- form fields -----------------------------------------------------
  /**
   * A new point. Any standard address belonged to the old point, so it goes unless the caller
   * already knows the new one (a search result).
   */
  function setLocation(
    loc: Omit<DraftLocation, 'address' | 'detail'>,
    mapPoint: { lng: number; lat: number },
    standard: StandardAddress | null = null,
  ) {
    state.form.location = {
      lng: loc.lng,
      lat: loc.lat,
      coord_system: loc.coord_system,
      address: state.form.address,
    }
    state.form.mapPoint = { ...mapPoint }
    state.form.standardAddress = standard ? { ...standard } : null
    markDirty(['location'])
  }

  function setStandardAddress(standard: StandardAddress | null) {
    state.form.standardAddress = standard ? { ...standard } : null
    if (state.form.location) markDirty(['location'])
  }

  function setAddress(address: string) {
    state.form.address = address
    if (state.form.location) state.form.location.address = address
    markDirty(['location'])
  }

  function setOccurredAt(iso: string) {
    state.form.occurred_at = iso
    markDirty(['occurred_at'])
  }

  function updateParty(index: number, patch: Partial<PartyInput>) {
    const party = state.form.parties[index]
    if (!party) return
    Object.assign(party, patch)
    markDirty(['parties'])
  }

  function addParty(): number {
    state.form.parties.push(emptyParty())
    markDirty(['parties'])
    return state.form.parties.length - 1
  }

  /** The first two parties are the accident itself; only extra ones can go. */
  function removeParty(index: number): boolean {
    if (index < MIN_PARTIES || index >= state.form.parties.length) return false
    state.form.parties.splice(index, 1)
    markDirty(['parties'])
    return true
  }

  function partyErrors(p: PartyInput): Partial<Record<keyof PartyInput, string>> {
    const errors: Partial<Record<keyof PartyInput, string>> = {}
    const plate = plateError(p.plate)
    if (plate) errors.plate = plate
    if (!p.vehicle_type) errors.vehicle_type = t('parties.needVehicleType')
    if (!p.insurer && !p.insurer_name.trim()) errors.insurer = t('parties.needInsurer')
    const phone = phoneError(p.phone)
    if (phone) errors.phone = phone
    return errors
  }

  const partiesValid = computed(() =>
    state.form.parties.every((p) => Object.keys(partyErrors(p)).length === 0),
  )

  const locationValid = computed(() => state.form.location !== null)
  /** A map-sourced standard address makes the owner's own words optional. */
  const hasStandardAddress = computed(() => {
    const sa = state.form.standardAddress
    return !!sa && sa.source === 'map' && sa.address.trim().length >= MIN_ADDRESS
  })
  const addressValid = computed(
    () => hasStandardAddress.value || state.form.address.trim().length >= MIN_ADDRESS,
  )
  const timeError = computed(() => occurredAtError(state.form.occurred_at))

  const hasData = computed(() => checklistPassed.value && stepIndex(state.furthest) > 1)
  const resumable = computed(
    () => stepIndex(state.furthest) > stepIndex('checklist') || state.draftId !== null,
  )

  // ---- payload ---------------------------------------------------------
  function fieldValue(key: keyof DraftPayload): DraftPayload[keyof DraftPayload] {
    const f = state.form
    switch (key) {
      case 'checklist': {
        const out: Record<string, boolean> = {}
        for (const [k, v] of Object.entries(f.checklist)) if (typeof v === 'boolean') out[k] = v
        return out
      }
      case 'location':
        return locationPayload()
      case 'occurred_at':
        return f.occurred_at
      case 'parties':
        // Half-typed plates and phones stay on the phone: the server rejects the whole
        // PATCH over one invalid field, which would stall saving everything else.
        return f.parties.map((p) => ({
          ...p,
          plate: isValidPlate(p.plate) ? normalizePlate(p.plate) : '',
          phone: isValidMobile(p.phone) ? normalizePhone(p.phone) : '',
          insurer_name: p.insurer ? '' : p.insurer_name.trim(),
          driver_name: p.driver_name.trim(),
        }))
    }
  }

  /**
   * With a standard address: that text is `address`, the owner's words are `detail`.
   * Without one (offline, lookup failed, county-level text only): the owner's text is `address`.
   */
  function locationPayload(): DraftLocation | null {
    const f = state.form
    if (!f.location) return null
    const { lng, lat, coord_system } = f.location
    if (hasStandardAddress.value && f.standardAddress) {
      return {
        lng,
        lat,
        coord_system,
        address: f.standardAddress.address.trim().slice(0, ADDRESS_MAX),
        detail: f.address.trim().slice(0, DETAIL_MAX),
      }
    }
    return { lng, lat, coord_system, address: f.address }
  }

  function fullPayload(): DraftPayload {
    const out: DraftPayload = {}
    if (checklistPassed.value) out.checklist = fieldValue('checklist') as Record<string, boolean>
    if (state.form.location) out.location = fieldValue('location') as DraftLocation
    if (state.form.occurred_at) out.occurred_at = state.form.occurred_at
    out.parties = fieldValue('parties') as PartyInput[]
    return out
  }

  // ---- sync ------------------------------------------------------------
  function markDirty(keys: (keyof DraftPayload)[]) {
    if (!checklistPassed.value) return // nothing leaves the phone before the checklist is cleared
    const patch: Record<string, unknown> = { ...(state.pendingPatch ?? {}) }
    for (const k of keys) {
      const value = fieldValue(k)
      // An address typed before any fix has no point to go with; it rides along with the fix.
      if (value === null || value === undefined) continue
      patch[k] = value
    }
    if (!Object.keys(patch).length && state.draftId !== null) return
    state.pendingPatch = Object.keys(patch).length ? (patch as DraftPayload) : null
    revision++
    scheduleSave()
  }

  function scheduleSave(delay = SAVE_DEBOUNCE_MS) {
    if (saveTimer) clearTimeout(saveTimer)
    saveTimer = setTimeout(() => {
      saveTimer = null
      void flush()
    }, delay)
  }

  function scheduleRetry() {
    if (retryTimer) return
    const delay = RETRY_DELAYS_MS[Math.min(retryAttempt, RETRY_DELAYS_MS.length - 1)]
    retryAttempt++
    retryTimer = setTimeout(() => {
      retryTimer = null
      void flush()
    }, delay)
  }

  function clearTimers() {
    if (saveTimer) clearTimeout(saveTimer)
    if (retryTimer) clearTimeout(retryTimer)
    saveTimer = retryTimer = null
  }

  function adopt(serverCase: OwnerCase) {
    state.draftId = serverCase.id
    lastServerCase.value = serverCase
  }

  const lastServerCase = ref<OwnerCase | null>(null)

  /** Server's messages for fields it refused; shown on the review page, kept locally meanwhile. */
  const rejected = ref<Record<string, string>>({})

  /** One refused field must not keep the others from being saved. */
  async function patchFieldByField(
    id: number,
    patch: DraftPayload,
  ): Promise<Record<string, string>> {
    const refused: Record<string, string> = {}
    for (const [key, value] of Object.entries(patch)) {
      try {
        lastServerCase.value = await api.patchDraft(id, { [key]: value } as DraftPayload)
      } catch (err) {
        if (statusOf(err) !== 400) throw err
        const body = errorBody(err)
        refused[key] = Object.values(body.errors ?? {}).flat()[0] || body.detail || '内容不符合要求'
      }
    }
    return refused
  }

  function noteRejections(sent: DraftPayload, refused: Record<string, string>) {
    const next = { ...rejected.value }
    for (const key of Object.keys(sent)) {
      if (key in refused) next[key] = refused[key]
      else delete next[key]
    }
    rejected.value = next
  }

  async function createFromLocal(): Promise<void> {
    const payload = fullPayload()
    try {
      adopt(await api.createDraft(payload))
      noteRejections(payload, {})
    } catch (err) {
      if (statusOf(err) !== 400) throw err
      // Start from the checklist alone, then add what the server will take.
      adopt(await api.createDraft({ checklist: payload.checklist }))
      const rest: DraftPayload = { ...payload }
      delete rest.checklist
      noteRejections(rest, await patchFieldByField(state.draftId as number, rest))
    }
  }

  async function doFlush(): Promise<void> {
    const needsCreate = state.draftId === null && checklistPassed.value
    if (!needsCreate && !state.pendingPatch) return
    const rev = revision
    const patch = state.pendingPatch
    syncState.value = 'saving'
    try {
      if (state.draftId === null) {
        await createFromLocal()
      } else if (patch) {
        try {
          lastServerCase.value = await api.patchDraft(state.draftId, patch)
          noteRejections(patch, {})
        } catch (err) {
          const status = statusOf(err)
          if (status === 404) {
            // The server draft expired or was purged: rebuild it from what the phone holds.
            state.draftId = null
            recreatedCount.value++
            await createFromLocal()
          } else if (status === 400) {
            noteRejections(patch, await patchFieldByField(state.draftId, patch))
          } else {
            throw err
          }
        }
      }
      if (rev === revision) state.pendingPatch = null
      retryAttempt = 0
      syncState.value = state.pendingPatch ? 'saving' : 'saved'
      if (state.pendingPatch) scheduleSave(0)
    } catch (err) {
      const status = statusOf(err)
      if (status === 409) {
        // Submitted already (another tab, or a submit whose answer got lost).
        syncState.value = 'error'
        await reconcileSubmitted()
        return
      }
      syncState.value = isNetworkError(err) ? 'offline' : 'error'
      // 4xx validation errors are surfaced on submit; keep the data and keep trying quietly.
      scheduleRetry()
    }
  }

  /** Send whatever is queued now. Safe to call concurrently. */
  async function flush(): Promise<void> {
    if (saveTimer) {
      clearTimeout(saveTimer)
      saveTimer = null
    }
    while (inFlight) await inFlight
    inFlight = doFlush().finally(() => {
      inFlight = null
    })
    await inFlight
  }

  /** A server draft id, creating the draft if needed (uploads need one). */
  async function ensureDraft(): Promise<number> {
    if (state.draftId === null) await flush()
    if (state.draftId === null) throw new Error('draft-unavailable')
    return state.draftId
  }

  function onOnline() {
    retryAttempt = 0
    if (retryTimer) {
      clearTimeout(retryTimer)
      retryTimer = null
    }
    if (state.pendingPatch || (state.draftId === null && hasData.value)) void flush()
  }

  /** Called once at start-up: check the server still has our draft, push queued changes. */
  async function resume(): Promise<OwnerCase | null> {
    if (state.draftId === null) {
      if (hasData.value) await flush()
      return null
    }
    try {
      const serverCase = await api.fetchOwnCase(state.draftId)
      lastServerCase.value = serverCase
      if (serverCase.status !== 'draft') {
        finishSubmitted(serverCase)
        return serverCase
      }
    } catch (err) {
      if (statusOf(err) === 404) {
        state.draftId = null
        recreatedCount.value++
        state.pendingPatch = fullPayload()
      }
    }
    if (state.pendingPatch || state.draftId === null) await flush()
    return lastServerCase.value
  }

  /** Another request learned the draft is gone (404): rebuild it from local data. */
  function draftGone(caseId: number) {
    if (state.draftId !== caseId) return
    state.draftId = null
    recreatedCount.value++
    state.pendingPatch = fullPayload()
    void flush()
  }

  async function reconcileSubmitted() {
    if (state.draftId === null) return
    try {
      const serverCase = await api.fetchOwnCase(state.draftId)
      if (serverCase.status !== 'draft') finishSubmitted(serverCase)
    } catch {
      // leave things as they are; the driver can retry
    }
  }

  // ---- submit ----------------------------------------------------------
  const submitted = ref<OwnerCase | null>(null)

  function finishSubmitted(c: OwnerCase) {
    const phone = normalizePhone(state.form.parties[0]?.phone ?? '')
    const receipt: LastReceipt = {
      id: c.id,
      receipt_no: c.receipt_no,
      status: c.status,
      status_label: c.status_label,
      unit: c.unit,
      submitted_at: c.submitted_at,
      next_step: c.next_step,
      phone_last4: phone.length === 11 ? phone.slice(7) : undefined,
    }
    writeJson(LAST_RECEIPT_KEY, receipt)
    submitted.value = c
    reset()
  }

  async function submit(uploadsBusy = false): Promise<SubmitResult> {
    if (uploadsBusy) {
      return { ok: false, reason: 'uploading', message: '照片还在上传，请等上传完成再提交' }
    }
    await flush()
    if (state.pendingPatch || state.draftId === null) {
      return {
        ok: false,
        reason: syncState.value === 'offline' ? 'network' : 'error',
        message:
          syncState.value === 'offline'
            ? '网络不通，资料已保存在手机上，有信号后请再点提交'
            : '资料还没保存到服务器，请稍后再点提交',
      }
    }
    const id = state.draftId
    try {
      const result = await api.submitCase(id, state.idempotencyKey)
      finishSubmitted(result)
      return { ok: true, case: result }
    } catch (err) {
      const status = statusOf(err)
      const body = errorBody(err)
      if (status === 400 && body.code === 'incomplete') {
        const missing = (body.missing ?? []).map((m) => ({ ...m, step: stepForField(m.field) }))
        return { ok: false, reason: 'incomplete', missing }
      }
      if (status === 409) {
        await reconcileSubmitted()
        if (submitted.value) return { ok: true, case: submitted.value }
      }
      if (isNetworkError(err) || (status !== null && status >= 500)) {
        // Same key next time: the server answers a repeat with the same case.
        return {
          ok: false,
          reason: 'network',
          message: '提交没有成功（网络或服务器问题），请再点一次提交',
        }
      }
      return { ok: false, reason: 'error', message: body.detail || '提交失败，请核对资料后重试' }
    }
  }

  function reset() {
    clearTimers()
    Object.assign(state, freshDraft())
    retryAttempt = 0
    syncState.value = 'idle'
    lastServerCase.value = null
  }

  /** Throw the draft away (the driver chose to start over). */
  async function discard() {
    const id = state.draftId
    reset()
    if (id !== null) {
      try {
        await api.deleteDraft(id)
      } catch {
        // An orphan draft on the server expires by retention; nothing to tell the driver.
      }
    }
  }

  return {
    state,
    checklistItems,
    syncState,
    recreatedCount,
    rejected,
    draftGone,
    lastServerCase,
    submitted,
    checklistAnyYes,
    checklistComplete,
    checklistPassed,
    partiesValid,
    locationValid,
    hasStandardAddress,
    addressValid,
    timeError,
    hasData,
    resumable,
    setChecklistItems,
    answerChecklist,
    canEnter,
    goTo,
    next,
    prev,
    setLocation,
    setAddress,
    setStandardAddress,
    setOccurredAt,
    updateParty,
    addParty,
    removeParty,
    partyErrors,
    fullPayload,
    markDirty,
    flush,
    ensureDraft,
    onOnline,
    resume,
    submit,
    reset,
    discard,
    clearTimers,
  }
})

export function readLastReceipt(): LastReceipt | null {
  return readJson<LastReceipt>(LAST_RECEIPT_KEY)
}
