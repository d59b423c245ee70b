import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { mountPage, networkError, vantTimersSettled } from './helpers'

vi.mock('@/api/settings', () => ({ fetchOwnerSettings: vi.fn() }))

import * as api from '@/api/settings'
import {
  DEFAULT_SETTINGS,
  SETTINGS_KEY,
  loadSettings,
  maxAccidentAgeDays,
  maxPhotoBytes,
  maxVideoBytes,
  resetSettings,
  serviceHours,
  settings,
} from '@/services/settings'
import { isRequiredSlot, requiredSceneSlots } from '@/stores/steps'
import { useUploadsStore } from '@/stores/uploads'
import { occurredAtError, toShanghaiIso } from '@/utils/time'
import PhotosStep from '@/views/report/PhotosStep.vue'
import CaseProgress from '@/components/CaseProgress.vue'
import PartiesStep from '@/views/report/PartiesStep.vue'
import { useWizardStore } from '@/stores/wizard'

const mocked = vi.mocked(api)
const MB = 1024 * 1024

const CITY = {
  required_media_slots: ['scene_front', 'scene_contact'],
  max_accident_age_days: 3,
  photo_max_mb: 1,
  video_max_mb: 10,
  review_service_hours: '08:00-20:00',
  max_parties: 3,
}

const daysAgo = (n: number) => toShanghaiIso(new Date(Date.now() - n * 86400_000))

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  resetSettings()
})

afterEach(() => {
  localStorage.clear()
  resetSettings()
  vi.clearAllMocks()
})

describe('owner settings', () => {
  it('uses the built-in defaults when nothing was ever fetched and the network is down', async () => {
    mocked.fetchOwnerSettings.mockRejectedValue(networkError())
    expect(await loadSettings(true)).toBe(false)
    expect({ ...settings }).toEqual(DEFAULT_SETTINGS)
    expect(requiredSceneSlots()).toEqual(['scene_front', 'scene_rear', 'scene_contact'])
    expect(maxAccidentAgeDays()).toBe(7)
    expect(maxPhotoBytes()).toBe(15 * MB)
    expect(maxVideoBytes()).toBe(200 * MB)
    expect(serviceHours()).toBeNull() // 00:00-24:00: round the clock, nothing to say
    expect(occurredAtError(daysAgo(6))).toBe('')
    expect(occurredAtError(daysAgo(8))).toBe('只能报7天内发生的事故')
    expect(localStorage.getItem(SETTINGS_KEY)).toBeNull()
  })

  it('keeps using the stored copy when the fetch fails', async () => {
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(CITY))
    resetSettings() // as on a fresh page load
    mocked.fetchOwnerSettings.mockRejectedValue(networkError())
    expect(await loadSettings(true)).toBe(false)
    expect({ ...settings }).toEqual(CITY)
    expect(requiredSceneSlots()).toEqual(['scene_front', 'scene_contact'])
    expect(maxAccidentAgeDays()).toBe(3)
    expect(JSON.parse(localStorage.getItem(SETTINGS_KEY)!)).toEqual(CITY)
  })

  it('stores fetched values and the wizard follows them', async () => {
    mocked.fetchOwnerSettings.mockResolvedValue(CITY)
    expect(await loadSettings(true)).toBe(true)
    expect(mocked.fetchOwnerSettings).toHaveBeenCalledTimes(1)
    expect(JSON.parse(localStorage.getItem(SETTINGS_KEY)!)).toEqual(CITY)

    // required slots
    expect(isRequiredSlot('scene_rear')).toBe(false)
    expect(isRequiredSlot('scene_contact')).toBe(true)
    const uploads = useUploadsStore()
    expect(uploads.missingRequired).toEqual(['scene_front', 'scene_contact'])

    // maximum accident age
    expect(occurredAtError(daysAgo(2))).toBe('')
    expect(occurredAtError(daysAgo(4))).toBe('只能报3天内发生的事故')

    // size limits, checked before anything is sent
    const video = new File([new Uint8Array(11 * MB)], 'v.mp4', { type: 'video/mp4' })
    expect(await uploads.add('video', null, video)).toBe('视频太大（超过10MB），请录短一点')
    const photo = new File([new Uint8Array(1.5 * MB)], 'p.jpg', { type: 'image/jpeg' })
    expect(await uploads.add('scene_front', null, photo)).toBe('照片太大（超过1MB），请重新拍摄')
    expect(uploads.state.items).toHaveLength(0)

    expect(serviceHours()).toEqual({ start: '08:00', end: '20:00' })
  })

  it('asks the server once at start-up, and again after a failure', async () => {
    mocked.fetchOwnerSettings.mockRejectedValueOnce(networkError()).mockResolvedValue(CITY)
    const first = loadSettings(true)
    expect(loadSettings()).toBe(first)
    expect(await first).toBe(false)
    expect(await loadSettings()).toBe(true)
    expect(await loadSettings()).toBe(true)
    expect(mocked.fetchOwnerSettings).toHaveBeenCalledTimes(2)
  })

  it('ignores malformed values, field by field', async () => {
    mocked.fetchOwnerSettings.mockResolvedValue({
      required_media_slots: 'scene_front',
      max_accident_age_days: 0,
      photo_max_mb: '20',
      video_max_mb: 50,
      review_service_hours: 'abc',
    } as never)
    await loadSettings(true)
    expect({ ...settings }).toEqual({ ...DEFAULT_SETTINGS, video_max_mb: 50 })
    localStorage.setItem(SETTINGS_KEY, '{not json')
    resetSettings()
    expect({ ...settings }).toEqual(DEFAULT_SETTINGS)
  })
})

describe('pages use the settings', () => {
  afterEach(async () => {
    await vantTimersSettled()
  })

  const mountPhotos = () => mountPage('/report/photos', PhotosStep)

  function requiredMarks(wrapper: Awaited<ReturnType<typeof mountPhotos>>) {
    return wrapper.findAll('.req').length
  }

  it('marks the slots the city requires and keeps the others as optional', async () => {
    let wrapper = await mountPhotos()
    expect(requiredMarks(wrapper)).toBe(3)
    expect(wrapper.text()).toContain('视频不超过 200MB')
    wrapper.unmount()

    mocked.fetchOwnerSettings.mockResolvedValue(CITY)
    await loadSettings(true)
    wrapper = await mountPhotos()
    expect(requiredMarks(wrapper)).toBe(2)
    expect(wrapper.text()).toContain('正后方全景') // still offered
    expect(wrapper.text()).toContain('视频不超过 10MB')
    wrapper.unmount()
  })

  it("stops adding parties at the city's limit", async () => {
    mocked.fetchOwnerSettings.mockResolvedValue(CITY)
    await loadSettings(true)
    const wrapper = await mountPage('/report/parties', PartiesStep)
    const wizard = useWizardStore()
    const addButton = () => wrapper.findAll('button').find((b) => /添加一方|最多/.test(b.text()))!
    expect(wizard.state.form.parties).toHaveLength(2)
    expect(addButton().text()).toBe('添加一方（三车及以上事故）')
    await addButton().trigger('click')
    expect(wizard.state.form.parties).toHaveLength(3)
    expect(addButton().text()).toBe('最多 3 方，更多车辆请拨打 122')
    expect(addButton().attributes('disabled')).toBeDefined()
    await addButton().trigger('click')
    expect(wizard.state.form.parties).toHaveLength(3)
    wrapper.unmount()
  })

  it('shows the review hours while a case waits for review', async () => {
    const waiting = mount(CaseProgress, { props: { status: 'submitted' } })
    expect(waiting.find('.service-hours').exists()).toBe(false) // round the clock by default

    mocked.fetchOwnerSettings.mockResolvedValue(CITY)
    await loadSettings(true)
    await flushPromises()
    expect(waiting.find('.service-hours').text()).toBe(
      '审核时间：每天 08:00-20:00，非审核时间提交的案件将在上班后处理。',
    )
    const closed = mount(CaseProgress, { props: { status: 'closed' } })
    expect(closed.find('.service-hours').exists()).toBe(false)
  })
})
