import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { CHECKLIST, httpError, networkError, serverCase, settle } from './helpers'

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
import { useWizardStore } from '@/stores/wizard'
import { useUploadsStore, UPLOAD_BACKOFF_MS } from '@/stores/uploads'

const mocked = vi.mocked(api)

function photo(name = 'a.jpg') {
  return new File([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])], name, { type: 'image/jpeg' })
}

function passChecklist(w: ReturnType<typeof useWizardStore>) {
  w.setChecklistItems(CHECKLIST)
  for (const item of CHECKLIST) w.answerChecklist(item.key, false)
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  vi.useFakeTimers()
  mocked.createDraft.mockResolvedValue(serverCase(41) as never)
  mocked.patchDraft.mockResolvedValue(serverCase(41) as never)
})

afterEach(() => {
  useWizardStore().clearTimers()
  vi.useRealTimers()
  vi.clearAllMocks()
})

describe('step navigation', () => {
  it('starts with safety and walks forward and back one step at a time', () => {
    const w = useWizardStore()
    expect(w.state.step).toBe('safety')
    expect(w.next()).toEqual({ ok: true, step: 'checklist' })
    passChecklist(w)
    expect(w.next()).toEqual({ ok: true, step: 'location' })
    expect(w.next()).toEqual({ ok: true, step: 'time' })
    expect(w.prev()).toBe('location')
    expect(w.state.step).toBe('location')
    expect(w.state.furthest).toBe('time')
  })

  it('keeps every step after the checklist closed until it is cleared', () => {
    const w = useWizardStore()
    w.setChecklistItems(CHECKLIST)
    expect(w.canEnter('checklist')).toBe(true)
    expect(w.canEnter('location')).toBe(false)
    expect(w.goTo('photos')).toBe(false)
    expect(w.state.step).toBe('safety')
    passChecklist(w)
    expect(w.goTo('photos')).toBe(true)
  })

  it('says "last" on the review page', () => {
    const w = useWizardStore()
    passChecklist(w)
    w.goTo('review')
    expect(w.next()).toEqual({ ok: false, reason: 'last' })
  })
})

describe('must-call-police checklist', () => {
  it('blocks on any yes and sends nothing to the server', async () => {
    const w = useWizardStore()
    w.goTo('checklist')
    w.setChecklistItems(CHECKLIST)
    w.answerChecklist('injury', false)
    w.answerChecklist('no_plate', true)
    w.answerChecklist('drunk', false)
    expect(w.checklistAnyYes).toBe(true)
    expect(w.checklistPassed).toBe(false)
    expect(w.next()).toEqual({ ok: false, reason: 'call122' })
    expect(w.state.step).toBe('checklist')
    expect(w.canEnter('location')).toBe(false)
    await vi.advanceTimersByTimeAsync(5000)
    expect(mocked.createDraft).not.toHaveBeenCalled()
    expect(mocked.patchDraft).not.toHaveBeenCalled()
    expect(w.state.pendingPatch).toBeNull()
  })

  it('will not move on with unanswered questions', () => {
    const w = useWizardStore()
    w.goTo('checklist')
    w.setChecklistItems(CHECKLIST)
    w.answerChecklist('injury', false)
    expect(w.next()).toEqual({ ok: false, reason: 'incomplete' })
  })

  it('creates the server draft with the answers once all are no', async () => {
    const w = useWizardStore()
    w.goTo('checklist')
    passChecklist(w)
    expect(w.next()).toEqual({ ok: true, step: 'location' })
    await vi.advanceTimersByTimeAsync(1000)
    expect(mocked.createDraft).toHaveBeenCalledTimes(1)
    expect(mocked.createDraft.mock.calls[0][0].checklist).toEqual({
      injury: false,
      no_plate: false,
      drunk: false,
    })
    expect(w.state.draftId).toBe(41)
    expect(w.state.pendingPatch).toBeNull()
  })

  it('changing an answer to yes later is not sent', async () => {
    const w = useWizardStore()
    w.goTo('checklist')
    passChecklist(w)
    w.next()
    await vi.advanceTimersByTimeAsync(1000)
    w.answerChecklist('drunk', true)
    await vi.advanceTimersByTimeAsync(1000)
    expect(mocked.patchDraft).not.toHaveBeenCalled()
    expect(w.canEnter('time')).toBe(false)
  })
})

describe('parties', () => {
  it('has two parties by default and can add more without limit', () => {
    const w = useWizardStore()
    expect(w.state.form.parties).toHaveLength(2)
    for (let i = 0; i < 5; i++) w.addParty()
    expect(w.state.form.parties).toHaveLength(7)
  })

  it('only removes parties beyond the first two', () => {
    const w = useWizardStore()
    w.addParty()
    w.addParty()
    w.updateParty(2, { plate: '桂L33333' })
    w.updateParty(3, { plate: '桂L44444' })
    expect(w.removeParty(0)).toBe(false)
    expect(w.removeParty(1)).toBe(false)
    expect(w.removeParty(9)).toBe(false)
    expect(w.removeParty(2)).toBe(true)
    expect(w.state.form.parties.map((p) => p.plate)).toEqual(['', '', '桂L44444'])
  })

  it('validates each party', () => {
    const w = useWizardStore()
    const p = w.state.form.parties[0]
    expect(Object.keys(w.partyErrors(p)).sort()).toEqual([
      'insurer',
      'phone',
      'plate',
      'vehicle_type',
    ])
    w.updateParty(0, {
      plate: '桂L12345',
      vehicle_type: 'small_car',
      insurer: null,
      insurer_name: '某某保险',
      phone: '13800138000',
    })
    expect(w.partyErrors(w.state.form.parties[0])).toEqual({})
    expect(w.partiesValid).toBe(false) // party 2 is still empty
  })

  it('sends parties normalised, holding back half-typed plates and phones', async () => {
    const w = useWizardStore()
    passChecklist(w)
    w.goTo('parties')
    w.updateParty(0, { plate: '桂l·12345', phone: '138 0013 8000', insurer: 'picc' })
    w.updateParty(1, { plate: '桂L12', phone: '1380' })
    await vi.advanceTimersByTimeAsync(1000)
    const sent = mocked.createDraft.mock.calls.at(-1)![0].parties!
    expect(sent[0]).toMatchObject({ plate: '桂L12345', phone: '13800138000', insurer: 'picc' })
    expect(sent[1]).toMatchObject({ plate: '', phone: '' })
    expect(w.state.form.parties[1].plate).toBe('桂L12') // still there to keep typing
  })
})

describe('required photos', () => {
  it('is complete only when front, rear and contact are all uploaded', async () => {
    mocked.uploadMedia.mockImplementation(async (_id, slot, _f, _n, opts) => {
      opts?.onProgress?.(0.5)
      opts?.onProgress?.(1)
      return {
        id: Math.floor(Math.random() * 1e6),
        slot,
        party: null,
        kind: 'image',
        size: 7,
      } as never
    })
    const w = useWizardStore()
    passChecklist(w)
    w.goTo('photos')
    const u = useUploadsStore()
    expect(u.requiredComplete).toBe(false)
    expect(u.missingRequired).toEqual(['scene_front', 'scene_rear', 'scene_contact'])

    await u.add('scene_front', null, photo())
    await u.add('scene_rear', null, photo())
    await vi.advanceTimersByTimeAsync(1000)
    expect(u.missingRequired).toEqual(['scene_contact'])
    expect(u.requiredComplete).toBe(false)

    await u.add('scene_extra', null, photo())
    await vi.advanceTimersByTimeAsync(100)
    expect(u.requiredComplete).toBe(false) // extras do not count

    await u.add('scene_contact', null, photo())
    await vi.advanceTimersByTimeAsync(100)
    expect(u.requiredComplete).toBe(true)
    expect(mocked.uploadMedia.mock.calls.map((c) => [c[0], c[1]])).toContainEqual([
      41,
      'scene_contact',
    ])
    expect(u.itemsFor('scene_front')[0]).toMatchObject({ status: 'done', progress: 1 })
  })

  it('a retaken photo replaces the old one in its slot', async () => {
    let n = 100
    mocked.uploadMedia.mockImplementation(
      async (_id, slot) => ({ id: ++n, slot, party: null, kind: 'image', size: 1 }) as never,
    )
    const w = useWizardStore()
    passChecklist(w)
    const u = useUploadsStore()
    await u.add('scene_front', null, photo('1.jpg'))
    await vi.advanceTimersByTimeAsync(100)
    await u.add('scene_front', null, photo('2.jpg'))
    await vi.advanceTimersByTimeAsync(100)
    const items = u.itemsFor('scene_front')
    expect(items).toHaveLength(1)
    expect(items[0]).toMatchObject({ name: '2.jpg', mediaId: 102 })
  })

  it('deleting a photo removes it from the server and the slot', async () => {
    mocked.uploadMedia.mockResolvedValue({
      id: 7,
      slot: 'scene_rear',
      party: null,
      kind: 'image',
      size: 1,
    } as never)
    mocked.deleteMedia.mockResolvedValue()
    const w = useWizardStore()
    passChecklist(w)
    const u = useUploadsStore()
    await u.add('scene_rear', null, photo())
    await vi.advanceTimersByTimeAsync(100)
    expect(await u.remove(u.itemsFor('scene_rear')[0].key)).toBe('')
    expect(mocked.deleteMedia).toHaveBeenCalledWith(41, 7)
    expect(u.itemsFor('scene_rear')).toHaveLength(0)
  })

  it('retries a failed upload automatically with back-off', async () => {
    mocked.uploadMedia
      .mockRejectedValueOnce(networkError())
      .mockRejectedValueOnce(httpError(503))
      .mockResolvedValue({
        id: 9,
        slot: 'scene_front',
        party: null,
        kind: 'image',
        size: 1,
      } as never)
    const w = useWizardStore()
    passChecklist(w)
    const u = useUploadsStore()
    await u.add('scene_front', null, photo())
    await vi.advanceTimersByTimeAsync(10)
    expect(u.itemsFor('scene_front')[0]).toMatchObject({ status: 'failed', permanent: false })
    await vi.advanceTimersByTimeAsync(UPLOAD_BACKOFF_MS[0] + 10)
    expect(mocked.uploadMedia).toHaveBeenCalledTimes(2)
    expect(u.itemsFor('scene_front')[0].status).toBe('failed')
    await vi.advanceTimersByTimeAsync(UPLOAD_BACKOFF_MS[1] + 10)
    expect(mocked.uploadMedia).toHaveBeenCalledTimes(3)
    expect(u.itemsFor('scene_front')[0]).toMatchObject({ status: 'done', mediaId: 9 })
  })

  it('does not retry what the server refused, until the driver asks', async () => {
    mocked.uploadMedia.mockRejectedValueOnce(
      httpError(400, { code: 'invalid_file', detail: '文件不是有效的图片。' }),
    )
    const w = useWizardStore()
    passChecklist(w)
    const u = useUploadsStore()
    await u.add('scene_front', null, photo())
    await vi.advanceTimersByTimeAsync(60_000)
    expect(mocked.uploadMedia).toHaveBeenCalledTimes(1)
    expect(u.itemsFor('scene_front')[0]).toMatchObject({
      status: 'failed',
      permanent: true,
      error: '文件不是有效的图片。',
    })
    mocked.uploadMedia.mockResolvedValue({
      id: 3,
      slot: 'scene_front',
      party: null,
      kind: 'image',
      size: 1,
    } as never)
    u.retry(u.itemsFor('scene_front')[0].key)
    await vi.advanceTimersByTimeAsync(10)
    expect(u.itemsFor('scene_front')[0].status).toBe('done')
  })

  it('renumbers later parties\u2019 documents when a party is removed', async () => {
    let n = 0
    mocked.uploadMedia.mockImplementation(
      async (_id, slot, _f, _n, opts) =>
        ({ id: ++n, slot, party: opts?.party, kind: 'image', size: 1 }) as never,
    )
    mocked.deleteMedia.mockResolvedValue()
    const w = useWizardStore()
    passChecklist(w)
    w.addParty()
    w.addParty()
    const u = useUploadsStore()
    await u.add('driver_licence', 2, photo())
    await u.add('policy', 3, photo())
    await vi.advanceTimersByTimeAsync(100)
    w.removeParty(2)
    await u.onPartyRemoved(2)
    await vi.advanceTimersByTimeAsync(100)
    expect(u.itemsFor('driver_licence', 2)).toHaveLength(0)
    expect(u.itemsFor('policy', 3)).toHaveLength(0)
    const moved = u.itemsFor('policy', 2)[0]
    expect(moved.status).toBe('done')
    expect(mocked.uploadMedia.mock.calls.at(-1)![4]!.party).toBe(2)
    await settle()
  })
})
