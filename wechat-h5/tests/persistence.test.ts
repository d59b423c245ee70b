import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { CHECKLIST, httpError, networkError, serverCase } from './helpers'

vi.mock('@/api/owner', () => ({
  createDraft: vi.fn(),
  patchDraft: vi.fn(),
  fetchOwnCase: vi.fn(),
  submitCase: vi.fn(),
  deleteDraft: vi.fn(),
  uploadMedia: vi.fn(),
  deleteMedia: vi.fn(),
}))

import * as api from '@/api/owner'
import { readLastReceipt, useWizardStore } from '@/stores/wizard'
import { useUploadsStore } from '@/stores/uploads'
import { DRAFT_KEY, UPLOADS_KEY } from '@/stores/persistence'
import { connectStores } from '@/services/bootstrap'

const mocked = vi.mocked(api)
let disconnect: (() => void) | null = null

/** What a reload does: fresh stores that only have localStorage to go on. */
function reload() {
  useWizardStore().clearTimers()
  disconnect?.()
  setActivePinia(createPinia())
  disconnect = connectStores()
  return useWizardStore()
}

async function startedDraft() {
  const w = useWizardStore()
  w.goTo('checklist')
  w.setChecklistItems(CHECKLIST)
  for (const item of CHECKLIST) w.answerChecklist(item.key, false)
  w.next()
  await vi.advanceTimersByTimeAsync(1000)
  return w
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  disconnect = connectStores()
  vi.useFakeTimers()
  mocked.createDraft.mockResolvedValue(serverCase(41) as never)
  mocked.patchDraft.mockResolvedValue(serverCase(41) as never)
})

afterEach(() => {
  useWizardStore().clearTimers()
  disconnect?.()
  vi.useRealTimers()
  vi.clearAllMocks()
})

describe('draft persistence', () => {
  it('survives a reload and resumes on the same step with the same data', async () => {
    const w = await startedDraft()
    w.setLocation({ lng: 106.62, lat: 23.9, coord_system: 'wgs84' }, { lng: 106.625, lat: 23.897 })
    w.setAddress('右江区中山二路')
    w.setOccurredAt('2026-11-25T09:41:07+08:00')
    w.goTo('time')
    w.goTo('photos')
    w.updateParty(0, { plate: '桂L12345' })
    await vi.advanceTimersByTimeAsync(1000)

    const again = reload()
    expect(again.state.draftId).toBe(41)
    expect(again.state.step).toBe('photos')
    expect(again.resumable).toBe(true)
    expect(again.checklistPassed).toBe(true) // answers kept even before the questions reload
    expect(again.canEnter('photos')).toBe(true)
    expect(again.state.form.location).toMatchObject({
      lng: 106.62,
      coord_system: 'wgs84',
      address: '右江区中山二路',
    })
    expect(again.state.form.mapPoint).toEqual({ lng: 106.625, lat: 23.897 })
    expect(again.state.form.occurred_at).toBe('2026-11-25T09:41:07+08:00')
    expect(again.state.form.parties[0].plate).toBe('桂L12345')
  })

  it('a fresh visit has nothing to resume', () => {
    const w = reload()
    expect(w.resumable).toBe(false)
    expect(w.state.step).toBe('safety')
    expect(localStorage.getItem(DRAFT_KEY)).toBeNull() // nothing typed, nothing stored
  })

  it('resume() checks the server copy and rebuilds it from local data when it is gone', async () => {
    const w = await startedDraft()
    w.setAddress('田东县平马镇')
    w.setLocation({ lng: 107.12, lat: 23.6, coord_system: 'gcj02' }, { lng: 107.12, lat: 23.6 })
    await vi.advanceTimersByTimeAsync(1000)

    const again = reload()
    mocked.fetchOwnCase.mockRejectedValueOnce(httpError(404, { code: 'not_found' }))
    mocked.createDraft.mockResolvedValueOnce(serverCase(77) as never)
    await again.resume()
    expect(again.state.draftId).toBe(77)
    const body = mocked.createDraft.mock.calls.at(-1)![0]
    expect(body.location).toMatchObject({
      lng: 107.12,
      coord_system: 'gcj02',
      address: '田东县平马镇',
    })
    expect(body.checklist).toEqual({ injury: false, no_plate: false, drunk: false })
    expect(again.recreatedCount).toBe(1)
  })

  it('a PATCH that finds the draft gone recreates it with everything', async () => {
    const w = await startedDraft()
    mocked.patchDraft.mockRejectedValueOnce(httpError(404, { code: 'not_found' }))
    mocked.createDraft.mockResolvedValueOnce(serverCase(88) as never)
    w.setOccurredAt('2026-11-25T09:41:07+08:00')
    await vi.advanceTimersByTimeAsync(1000)
    expect(w.state.draftId).toBe(88)
    expect(mocked.createDraft.mock.calls.at(-1)![0].occurred_at).toBe('2026-11-25T09:41:07+08:00')
    expect(w.state.pendingPatch).toBeNull()
  })

  it('a resumed draft that was submitted meanwhile goes to the receipt', async () => {
    await startedDraft()
    const again = reload()
    mocked.fetchOwnCase.mockResolvedValueOnce(
      serverCase(41, { status: 'submitted', receipt_no: 'KC7H3M9XQ2' }) as never,
    )
    await again.resume()
    expect(again.submitted?.receipt_no).toBe('KC7H3M9XQ2')
    expect(again.state.draftId).toBeNull()
    expect(readLastReceipt()?.receipt_no).toBe('KC7H3M9XQ2')
  })
})

describe('offline queue', () => {
  it('keeps failed PATCHes across a reload and flushes them when back online', async () => {
    const w = await startedDraft()
    mocked.patchDraft.mockRejectedValue(networkError())
    w.setOccurredAt('2026-11-25T09:41:07+08:00')
    w.setAddress('凌云县泗城镇')
    await vi.advanceTimersByTimeAsync(1000)
    expect(w.syncState).toBe('offline')
    expect(w.state.pendingPatch).toMatchObject({ occurred_at: '2026-11-25T09:41:07+08:00' })

    const again = reload()
    expect(again.state.pendingPatch).toMatchObject({ occurred_at: '2026-11-25T09:41:07+08:00' })
    mocked.patchDraft.mockReset()
    mocked.patchDraft.mockResolvedValue(serverCase(41) as never)

    window.dispatchEvent(new Event('online'))
    await vi.advanceTimersByTimeAsync(10)
    expect(mocked.patchDraft).toHaveBeenCalledTimes(1)
    const [id, body] = mocked.patchDraft.mock.calls[0]
    expect(id).toBe(41)
    expect(body.occurred_at).toBe('2026-11-25T09:41:07+08:00')
    expect(again.state.pendingPatch).toBeNull()
    expect(again.syncState).toBe('saved')
    expect(JSON.parse(localStorage.getItem(DRAFT_KEY)!).pendingPatch).toBeNull()
  })

  it('debounces typing into a single PATCH', async () => {
    const w = await startedDraft()
    for (const text of ['右', '右江', '右江区', '右江区中山路']) {
      w.setAddress(text)
      await vi.advanceTimersByTimeAsync(100)
    }
    await vi.advanceTimersByTimeAsync(1000)
    expect(mocked.patchDraft).toHaveBeenCalledTimes(0) // location not set yet: address rides along later
    w.setLocation({ lng: 106.6, lat: 23.9, coord_system: 'gcj02' }, { lng: 106.6, lat: 23.9 })
    w.setOccurredAt('2026-11-25T09:41:07+08:00')
    await vi.advanceTimersByTimeAsync(1000)
    expect(mocked.patchDraft).toHaveBeenCalledTimes(1)
    expect(mocked.patchDraft.mock.calls[0][1]).toMatchObject({
      location: { address: '右江区中山路' },
      occurred_at: '2026-11-25T09:41:07+08:00',
    })
  })

  it('saves the fields the server accepts when it refuses one', async () => {
    const w = await startedDraft()
    mocked.patchDraft.mockImplementation(async (_id, body) => {
      if (body.occurred_at)
        throw httpError(400, { code: 'invalid', errors: { occurred_at: ['事故发生已超过 7 天'] } })
      return serverCase(41) as never
    })
    w.setOccurredAt('2026-01-01T00:00:00+08:00')
    w.setLocation({ lng: 106.6, lat: 23.9, coord_system: 'gcj02' }, { lng: 106.6, lat: 23.9 })
    await vi.advanceTimersByTimeAsync(1000)
    const bodies = mocked.patchDraft.mock.calls.map((c) => Object.keys(c[1]).join())
    expect(bodies).toContain('location')
    expect(w.rejected).toEqual({ occurred_at: '事故发生已超过 7 天' })
    expect(w.state.pendingPatch).toBeNull()
  })
})

describe('submission', () => {
  it('keeps one idempotency key per draft, across reloads and retries', async () => {
    const w = await startedDraft()
    const key = w.state.idempotencyKey
    expect(key).toMatch(/^[0-9a-f-]{36}$/)

    mocked.submitCase.mockRejectedValueOnce(networkError())
    const first = await w.submit()
    expect(first).toMatchObject({ ok: false, reason: 'network' })

    const again = reload()
    expect(again.state.idempotencyKey).toBe(key)
    mocked.submitCase.mockResolvedValueOnce(
      serverCase(41, { status: 'submitted', receipt_no: 'KC7H3M9XQ2' }) as never,
    )
    const second = await again.submit()
    expect(second.ok).toBe(true)
    expect(mocked.submitCase.mock.calls.map((c) => c[1])).toEqual([key, key])

    // The next accident is a new draft with a new key.
    expect(again.state.draftId).toBeNull()
    expect(again.state.idempotencyKey).not.toBe(key)
    expect(again.resumable).toBe(false)
    expect(readLastReceipt()).toMatchObject({ id: 41, receipt_no: 'KC7H3M9XQ2' })
  })

  it('sends queued changes before submitting', async () => {
    const w = await startedDraft()
    w.setOccurredAt('2026-11-25T09:41:07+08:00')
    mocked.submitCase.mockResolvedValueOnce(
      serverCase(41, { status: 'submitted', receipt_no: 'X1' }) as never,
    )
    await w.submit()
    const patchOrder = mocked.patchDraft.mock.invocationCallOrder[0]
    const submitOrder = mocked.submitCase.mock.invocationCallOrder[0]
    expect(patchOrder).toBeLessThan(submitOrder)
  })

  it('does not submit while offline changes are unsent', async () => {
    const w = await startedDraft()
    mocked.patchDraft.mockRejectedValue(networkError())
    w.setOccurredAt('2026-11-25T09:41:07+08:00')
    const r = await w.submit()
    expect(r).toMatchObject({ ok: false, reason: 'network' })
    expect(mocked.submitCase).not.toHaveBeenCalled()
  })

  it('maps the server\u2019s missing fields to wizard steps', async () => {
    const w = await startedDraft()
    mocked.submitCase.mockRejectedValueOnce(
      httpError(400, {
        code: 'incomplete',
        detail: '资料还不完整',
        missing: [
          { field: 'media.scene_front', message: '请上传“正前方全景”照片。' },
          { field: 'parties.1.phone', message: '请填写第2方的联系电话。' },
          { field: 'location', message: '请确定事故地点。' },
          { field: 'occurred_at', message: '请填写事故发生时间。' },
        ],
      }),
    )
    const r = await w.submit()
    expect(r.ok).toBe(false)
    if (r.ok || r.reason !== 'incomplete') throw new Error('expected incomplete')
    expect(r.missing.map((m) => m.step)).toEqual(['photos', 'parties', 'location', 'time'])
    expect(w.state.draftId).toBe(41) // nothing lost
  })

  it('refuses to submit while photos are still uploading', async () => {
    const w = await startedDraft()
    const r = await w.submit(true)
    expect(r).toMatchObject({ ok: false, reason: 'uploading' })
    expect(mocked.submitCase).not.toHaveBeenCalled()
  })
})

describe('pending uploads across a reload', () => {
  it('marks an upload that was cut off and whose bytes are gone as needing a retake', async () => {
    await startedDraft()
    mocked.uploadMedia.mockImplementation(() => new Promise(() => {})) // never answers
    const u = useUploadsStore()
    await u.add(
      'scene_front',
      null,
      new File([new Uint8Array([1, 2, 3])], 'f.jpg', { type: 'image/jpeg' }),
    )
    await vi.advanceTimersByTimeAsync(10)
    expect(u.itemsFor('scene_front')[0].status).toBe('uploading')
    expect(JSON.parse(localStorage.getItem(UPLOADS_KEY)!).items[0].status).toBe('uploading')

    reload()
    const again = useUploadsStore()
    await again.restore()
    // jsdom has no IndexedDB, so the bytes are not recoverable here.
    expect(again.itemsFor('scene_front')[0]).toMatchObject({ status: 'lost' })
    expect(again.requiredComplete).toBe(false)
  })

  it('learns from the server which photos it already holds', async () => {
    await startedDraft()
    const u = useUploadsStore()
    await u.restore([
      { id: 5, slot: 'scene_front', party: null, kind: 'image', size: 10, thumb_url: '/t/5' },
      { id: 6, slot: 'scene_rear', party: null, kind: 'image', size: 10 },
      { id: 7, slot: 'scene_contact', party: null, kind: 'image', size: 10 },
    ])
    expect(u.requiredComplete).toBe(true)
    expect(u.previewOf(u.itemsFor('scene_front')[0])).toBe('/t/5')
  })

  it('re-sends photos when the server draft turns out to be gone', async () => {
    await startedDraft()
    mocked.uploadMedia
      .mockRejectedValueOnce(httpError(404, { code: 'not_found' }))
      .mockResolvedValue({
        id: 12,
        slot: 'scene_front',
        party: null,
        kind: 'image',
        size: 3,
      } as never)
    mocked.createDraft.mockResolvedValueOnce(serverCase(55) as never)
    const u = useUploadsStore()
    await u.add(
      'scene_front',
      null,
      new File([new Uint8Array([1, 2, 3])], 'f.jpg', { type: 'image/jpeg' }),
    )
    await vi.advanceTimersByTimeAsync(50)
    expect(useWizardStore().state.draftId).toBe(55)
    expect(mocked.uploadMedia.mock.calls.map((c) => c[0])).toEqual([41, 55])
    expect(u.itemsFor('scene_front')[0]).toMatchObject({ status: 'done', mediaId: 12 })
  })
})
