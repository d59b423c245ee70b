import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import { defineComponent, h } from 'vue'
import { CHECKLIST, httpError, networkError, serverCase, vantTimersSettled } from './helpers'

vi.mock('@/api/owner', () => ({
  fetchJurisdictions: vi.fn(),
  locateUnit: vi.fn(),
  reverseAddress: vi.fn(),
  searchAddress: vi.fn(),
  createDraft: vi.fn(),
  patchDraft: vi.fn(),
}))

vi.mock('@/services/wechat', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/services/wechat')>()),
  getCurrentFix: vi.fn(),
}))

vi.mock('vant', async (importOriginal) => ({
  ...(await importOriginal<typeof import('vant')>()),
  showToast: vi.fn(),
}))

// Leaflet needs a real layout engine; the page only cares about the point and the "pick" event.
vi.mock('@/components/MapPicker.vue', () => ({
  default: defineComponent({
    name: 'MapPicker',
    props: {
      point: { type: Object, default: null },
      jurisdictions: { type: Object, default: null },
    },
    emits: ['pick'],
    setup(props) {
      return () => h('div', { class: 'map-stub', 'data-point': JSON.stringify(props.point) })
    },
  }),
}))

import * as api from '@/api/owner'
import * as wechat from '@/services/wechat'
import { showToast } from 'vant'
import LocationStep from '@/views/report/LocationStep.vue'
import MapPicker from '@/components/MapPicker.vue'
import { useWizardStore } from '@/stores/wizard'
import { DRAFT_KEY } from '@/stores/persistence'
import { standardTextOf } from '@/utils/address'
import type { AddressSearchResult, LocateResult, ReverseAddress } from '@/api/types'

const mocked = vi.mocked(api)
const fix = vi.mocked(wechat.getCurrentFix)
const toast = vi.mocked(showToast)
const Stub = { template: '<div />' }

const GPS = { lng: 107.5838, lat: 23.3317, coord_system: 'wgs84' as const, accuracy: 12 }
const STD = '广西壮族自治区百色市平果市马头镇教育路'
const UNIT: LocateResult = {
  unit: { id: 3, name: '平果市交警大队', adcode: '451023' },
  inside_jurisdiction: true,
}
const HOSPITAL: AddressSearchResult = {
  name: '平果市人民医院',
  address: '教育路12号',
  lng: 107.589,
  lat: 23.329,
  coord_system: 'gcj02',
  county: '平果市',
}

function reverse(address = STD, source: 'map' | 'jurisdiction' = 'map'): ReverseAddress {
  return { address, county: '平果市', source }
}

function deferred<T>() {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

function passChecklist() {
  const w = useWizardStore()
  w.setChecklistItems(CHECKLIST)
  for (const item of CHECKLIST) w.answerChecklist(item.key, false)
  w.goTo('location')
  return w
}

async function mountPage(): Promise<{ wrapper: VueWrapper; router: Router }> {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: Stub },
      { path: '/report/location', name: 'report-location', component: LocationStep },
      { path: '/report/time', name: 'report-time', component: Stub },
    ],
  })
  await router.push('/report/location')
  const wrapper = mount({ template: '<router-view />' }, { global: { plugins: [router] } })
  await flushPromises()
  return { wrapper, router }
}

function pick(wrapper: VueWrapper, p: { lng: number; lat: number }) {
  wrapper.findComponent(MapPicker).vm.$emit('pick', p)
}

function textarea(wrapper: VueWrapper) {
  return wrapper.find('.addr textarea')
}

async function search(wrapper: VueWrapper, q: string) {
  await wrapper.find('input[type=search]').setValue(q)
  await wrapper.find('form.search').trigger('submit')
  await flushPromises()
}

async function tapNext(wrapper: VueWrapper) {
  await wrapper.find('.footer-bar button').trigger('click')
  await flushPromises()
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  mocked.fetchJurisdictions.mockResolvedValue({ type: 'FeatureCollection', features: [] })
  mocked.locateUnit.mockResolvedValue(UNIT)
  mocked.reverseAddress.mockResolvedValue(reverse())
  mocked.searchAddress.mockResolvedValue([])
  mocked.createDraft.mockResolvedValue(serverCase(41) as never)
  mocked.patchDraft.mockResolvedValue(serverCase(41) as never)
  fix.mockResolvedValue({ ...GPS })
})

afterEach(async () => {
  useWizardStore().clearTimers()
  vi.clearAllMocks()
  await vantTimersSettled()
})

describe('standard address of the point', () => {
  it('looks up a GPS fix, shows the standard address under the map and keeps it in the draft', async () => {
    passChecklist()
    const { wrapper } = await mountPage()
    const w = useWizardStore()

    expect(mocked.reverseAddress).toHaveBeenCalledWith(GPS.lng, GPS.lat, 'wgs84')
    expect(wrapper.find('.std').text()).toBe(`标准地址：${STD}`)
    expect(w.state.form.standardAddress).toEqual({ address: STD, county: '平果市', source: 'map' })
    expect(JSON.parse(localStorage.getItem(DRAFT_KEY)!).form.standardAddress.address).toBe(STD)
    // The owner's words become an optional description.
    expect(wrapper.find('.addr').text()).toContain('补充说明（选填）')
    expect(textarea(wrapper).attributes('placeholder')).toContain('右江区中山二路') // e2e selector
    expect(wrapper.text()).toContain('平果市交警大队')
  })

  it('looks up a point tapped on the map (GCJ-02) and drops the old point’s address at once', async () => {
    passChecklist()
    const { wrapper } = await mountPage()
    const w = useWizardStore()
    const later = deferred<ReverseAddress>()
    mocked.reverseAddress.mockReturnValueOnce(later.promise)

    pick(wrapper, { lng: 106.62, lat: 23.9 })
    await flushPromises()
    expect(mocked.reverseAddress).toHaveBeenLastCalledWith(106.62, 23.9, 'gcj02')
    expect(mocked.locateUnit).toHaveBeenLastCalledWith(106.62, 23.9, 'gcj02')
    expect(w.state.form.standardAddress).toBeNull()
    expect(wrapper.text()).toContain('正在查询标准地址')

    later.resolve(reverse('广西壮族自治区百色市右江区中山二路'))
    await flushPromises()
    expect(wrapper.find('.std').text()).toBe('标准地址：广西壮族自治区百色市右江区中山二路')
    expect(w.state.form.location).toMatchObject({ lng: 106.62, lat: 23.9, coord_system: 'gcj02' })
  })

  it('ignores a slower answer for an earlier point', async () => {
    passChecklist()
    const { wrapper } = await mountPage()
    const w = useWizardStore()
    const first = deferred<ReverseAddress>()
    const second = deferred<ReverseAddress>()
    mocked.reverseAddress.mockReturnValueOnce(first.promise).mockReturnValueOnce(second.promise)

    pick(wrapper, { lng: 106.6, lat: 23.9 })
    pick(wrapper, { lng: 106.7, lat: 23.8 })
    await flushPromises()
    second.resolve(reverse('新的点'))
    await flushPromises()
    first.resolve(reverse('旧的点'))
    await flushPromises()

    expect(w.state.form.standardAddress?.address).toBe('新的点')
    expect(wrapper.find('.std').text()).toContain('新的点')

    // Nor does a late failure for the old point hide the new address.
    const third = deferred<ReverseAddress>()
    const fourth = deferred<ReverseAddress>()
    mocked.reverseAddress.mockReturnValueOnce(third.promise).mockReturnValueOnce(fourth.promise)
    pick(wrapper, { lng: 106.8, lat: 23.7 })
    pick(wrapper, { lng: 106.9, lat: 23.6 })
    fourth.resolve(reverse('第四个点'))
    await flushPromises()
    third.reject(networkError())
    await flushPromises()
    expect(w.state.form.standardAddress?.address).toBe('第四个点')
    expect(wrapper.text()).not.toContain('没查到标准地址')
  })

  it('sends the standard text as location.address and the owner’s words as location.detail', async () => {
    passChecklist()
    const { wrapper, router } = await mountPage()
    const w = useWizardStore()
    await textarea(wrapper).setValue('教育路与新华路路口往东 50 米')

    expect(w.fullPayload().location).toEqual({
      lng: GPS.lng,
      lat: GPS.lat,
      coord_system: 'wgs84',
      address: STD,
      detail: '教育路与新华路路口往东 50 米',
    })
    await w.flush()
    expect(mocked.createDraft.mock.calls.at(-1)![0].location).toMatchObject({
      address: STD,
      detail: '教育路与新华路路口往东 50 米',
    })

    // The description is optional once a standard address exists.
    await textarea(wrapper).setValue('')
    expect(w.fullPayload().location).toMatchObject({ address: STD, detail: '' })
    await tapNext(wrapper)
    expect(toast).not.toHaveBeenCalled()
    expect(router.currentRoute.value.name).toBe('report-time')
  })

  it('without a standard address the owner’s text is the address and needs 2 characters', async () => {
    mocked.reverseAddress.mockRejectedValue(networkError())
    passChecklist()
    const { wrapper, router } = await mountPage()
    const w = useWizardStore()

    expect(w.state.form.standardAddress).toBeNull()
    expect(wrapper.text()).toContain('没查到标准地址，请在下面填写详细地址。')
    expect(wrapper.find('.addr').text()).toContain('详细地址')
    expect(wrapper.find('.addr').text()).not.toContain('选填')

    await textarea(wrapper).setValue('右')
    await tapNext(wrapper)
    expect(toast).toHaveBeenCalledWith('请填写详细地址，如路名、路口或附近的明显建筑')
    expect(router.currentRoute.value.name).toBe('report-location')

    await textarea(wrapper).setValue('右江区中山二路')
    const loc = w.fullPayload().location!
    expect(loc).toEqual({
      lng: GPS.lng,
      lat: GPS.lat,
      coord_system: 'wgs84',
      address: '右江区中山二路',
    })
    expect('detail' in loc).toBe(false)
    await tapNext(wrapper)
    expect(router.currentRoute.value.name).toBe('report-time')
  })

  it('a county-level answer is shown but the owner’s text stays the (required) address', async () => {
    mocked.reverseAddress.mockResolvedValue(reverse('广西壮族自治区百色市平果市', 'jurisdiction'))
    passChecklist()
    const { wrapper, router } = await mountPage()
    const w = useWizardStore()

    expect(wrapper.find('.std').text()).toBe('所在区域：广西壮族自治区百色市平果市')
    expect(w.hasStandardAddress).toBe(false)
    expect(textarea(wrapper).attributes('placeholder')).toContain('右江区中山二路')
    await tapNext(wrapper)
    expect(toast).toHaveBeenCalledWith('请填写详细地址，如路名、路口或附近的明显建筑')

    await textarea(wrapper).setValue('平果市城区测试路口往东50米')
    expect(w.fullPayload().location).toEqual({
      lng: GPS.lng,
      lat: GPS.lat,
      coord_system: 'wgs84',
      address: '平果市城区测试路口往东50米',
    })
    await tapNext(wrapper)
    expect(router.currentRoute.value.name).toBe('report-time')
  })
})

describe('finding the place by typing', () => {
  it('lists results; tapping one sets the point, the address and the unit, and clears the list', async () => {
    fix.mockRejectedValue(new Error('no gps'))
    mocked.searchAddress.mockResolvedValue([
      HOSPITAL,
      { ...HOSPITAL, name: '平果市教育局', address: '教育路3号', lng: 107.58, lat: 23.33 },
    ])
    passChecklist()
    const { wrapper } = await mountPage()
    const w = useWizardStore()

    await search(wrapper, '  人民医院 ')
    expect(mocked.searchAddress).toHaveBeenCalledWith('人民医院')
    const items = wrapper.findAll('.results .result')
    expect(items).toHaveLength(2)
    expect(items[0].find('b').text()).toBe('平果市人民医院')
    expect(items[0].find('.result-addr').text()).toBe('教育路12号 · 平果市')

    mocked.locateUnit.mockClear()
    await items[0].trigger('click')
    await flushPromises()
    expect(w.state.form.location).toMatchObject({
      lng: 107.589,
      lat: 23.329,
      coord_system: 'gcj02',
    })
    expect(w.state.form.mapPoint).toEqual({ lng: 107.589, lat: 23.329 })
    expect(JSON.parse(wrapper.find('.map-stub').attributes('data-point')!)).toEqual({
      lng: 107.589,
      lat: 23.329,
    })
    expect(w.state.form.standardAddress).toEqual({
      address: '广西壮族自治区百色市平果市教育路12号平果市人民医院',
      county: '平果市',
      source: 'map',
    })
    expect(wrapper.find('.std').text()).toBe(
      '标准地址：广西壮族自治区百色市平果市教育路12号平果市人民医院',
    )
    expect(mocked.locateUnit).toHaveBeenCalledWith(107.589, 23.329, 'gcj02')
    expect(wrapper.find('.results').exists()).toBe(false)
    expect(wrapper.text()).toContain('平果市交警大队')
    expect(w.fullPayload().location).toMatchObject({
      address: '广西壮族自治区百色市平果市教育路12号平果市人民医院',
      detail: '',
    })
  })

  it('a reverse answer for an earlier point does not overwrite a chosen search result', async () => {
    passChecklist()
    const { wrapper } = await mountPage()
    const w = useWizardStore()
    const slow = deferred<ReverseAddress>()
    mocked.reverseAddress.mockReturnValueOnce(slow.promise)
    mocked.searchAddress.mockResolvedValue([HOSPITAL])

    pick(wrapper, { lng: 106.6, lat: 23.9 })
    await search(wrapper, '人民医院')
    await wrapper.find('.results .result').trigger('click')
    slow.resolve(reverse('旧的点'))
    await flushPromises()
    expect(w.state.form.standardAddress?.address).toContain('平果市人民医院')
  })

  it('a GPS fix arriving after a result was chosen does not move the point', async () => {
    const gps = deferred<typeof GPS>()
    fix.mockReturnValueOnce(gps.promise)
    mocked.searchAddress.mockResolvedValue([HOSPITAL])
    passChecklist()
    const { wrapper } = await mountPage()
    const w = useWizardStore()

    await search(wrapper, '人民医院')
    await wrapper.find('.results .result').trigger('click')
    gps.resolve({ ...GPS })
    await flushPromises()
    expect(w.state.form.location).toMatchObject({
      lng: 107.589,
      lat: 23.329,
      coord_system: 'gcj02',
    })
  })

  it('shows a loading state while searching and starts on submit (Enter)', async () => {
    const pending = deferred<AddressSearchResult[]>()
    mocked.searchAddress.mockReturnValueOnce(pending.promise)
    passChecklist()
    const { wrapper } = await mountPage()

    await search(wrapper, '教育路')
    expect(mocked.searchAddress).toHaveBeenCalledTimes(1)
    const button = wrapper.find('.search-btn')
    expect(button.classes()).toContain('van-button--loading')
    expect(button.text()).toContain('正在查找')
    pending.resolve([HOSPITAL])
    await flushPromises()
    expect(wrapper.find('.search-btn').classes()).not.toContain('van-button--loading')
    expect(wrapper.findAll('.results .result')).toHaveLength(1)
  })

  it('asks for 2 characters before asking the server', async () => {
    passChecklist()
    const { wrapper } = await mountPage()
    await search(wrapper, ' 教 ')
    expect(mocked.searchAddress).not.toHaveBeenCalled()
    expect(wrapper.find('.search-msg').text()).toBe('请至少输入 2 个字再查找')
  })

  it('says so when nothing is found', async () => {
    mocked.searchAddress.mockResolvedValue([])
    passChecklist()
    const { wrapper } = await mountPage()
    await search(wrapper, '不存在的地方')
    expect(wrapper.find('.results').exists()).toBe(false)
    expect(wrapper.find('.search-msg').text()).toBe('没有找到这个地址，请换个说法或在地图上点选。')
  })

  it('shows the server’s message once when the search service is unavailable (503)', async () => {
    const detail = '地址搜索暂不可用，请在地图上点选事故位置。'
    mocked.searchAddress.mockRejectedValue(httpError(503, { code: 'geocoder_unavailable', detail }))
    passChecklist()
    const { wrapper } = await mountPage()
    await search(wrapper, '人民医院')
    expect(wrapper.find('.search-msg').text()).toBe(detail)
    expect(wrapper.text().split(detail)).toHaveLength(2) // once
    expect(toast).not.toHaveBeenCalled()
    // The map stays the way forward, its hint emphasised.
    expect(wrapper.find('.map-stub').exists()).toBe(true)
    expect(wrapper.find('.hint.emph').text()).toContain('点地图')
  })

  it('says the network is down when the search gets no answer', async () => {
    mocked.searchAddress.mockRejectedValue(networkError())
    passChecklist()
    const { wrapper } = await mountPage()
    await search(wrapper, '人民医院')
    expect(wrapper.find('.search-msg').text()).toBe(
      '网络不通，查不了地址。可以直接在地图上点选事故位置。',
    )
  })
})

describe('a draft saved before the standard address existed', () => {
  function oldDraft() {
    localStorage.setItem(
      DRAFT_KEY,
      JSON.stringify({
        version: 1,
        draftId: null,
        step: 'location',
        furthest: 'location',
        form: {
          checklist: { injury: false, no_plate: false, drunk: false },
          location: { lng: 106.62, lat: 23.9, coord_system: 'gcj02', address: '右江区中山二路' },
          mapPoint: { lng: 106.62, lat: 23.9 },
          address: '右江区中山二路',
          occurred_at: null,
          parties: [],
        },
        idempotencyKey: 'k-1',
        pendingPatch: null,
        startedAt: '2026-01-01T00:00:00Z',
        updatedAt: '2026-01-01T00:00:00Z',
      }),
    )
  }

  it('restores as before: the typed text is the address and the 2-character rule holds', async () => {
    oldDraft()
    mocked.reverseAddress.mockRejectedValue(networkError())
    const w = useWizardStore()
    expect(w.state.form.standardAddress).toBeNull()
    expect(w.fullPayload().location).toEqual({
      lng: 106.62,
      lat: 23.9,
      coord_system: 'gcj02',
      address: '右江区中山二路',
    })

    const { wrapper, router } = await mountPage()
    expect(fix).not.toHaveBeenCalled() // the saved point is kept
    expect(textarea(wrapper).element).toHaveProperty('value', '右江区中山二路')
    await textarea(wrapper).setValue('右')
    await tapNext(wrapper)
    expect(toast).toHaveBeenCalledWith('请填写详细地址，如路名、路口或附近的明显建筑')
    await textarea(wrapper).setValue('右江区中山二路')
    await tapNext(wrapper)
    expect(router.currentRoute.value.name).toBe('report-time')
  })

  it('when the lookup now works, the typed text is kept as the description', async () => {
    oldDraft()
    mocked.reverseAddress.mockResolvedValue(reverse('广西壮族自治区百色市右江区中山二路'))
    const w = useWizardStore()
    const { wrapper } = await mountPage()
    expect(mocked.reverseAddress).toHaveBeenCalledWith(106.62, 23.9, 'gcj02')
    expect(w.state.form.address).toBe('右江区中山二路')
    expect(textarea(wrapper).element).toHaveProperty('value', '右江区中山二路')
    expect(w.fullPayload().location).toMatchObject({
      address: '广西壮族自治区百色市右江区中山二路',
      detail: '右江区中山二路',
    })
  })
})

describe('standardTextOf', () => {
  it('builds province + city + county + address + name, each once', () => {
    expect(standardTextOf(HOSPITAL)).toBe('广西壮族自治区百色市平果市教育路12号平果市人民医院')
    expect(
      standardTextOf({ name: '百色站', address: '百色市右江区站前大道', county: '右江区' }),
    ).toBe('广西壮族自治区百色市右江区站前大道百色站')
    expect(standardTextOf({ name: '', address: '', county: '田阳区' })).toBe(
      '广西壮族自治区百色市田阳区',
    )
  })
})
