import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { httpError, mountPage, networkError, vantTimersSettled } from './helpers'

vi.mock('@/api/guide', () => ({ fetchSlotExamples: vi.fn() }))
vi.mock('@/api/owner', () => ({ fetchGuideArticles: vi.fn() }))

import * as guideApi from '@/api/guide'
import * as ownerApi from '@/api/owner'
import { setLocale } from '@/i18n'
import {
  loadSlotExamples,
  resetSlotExamples,
  sanitizeSlotExamples,
  slotExample,
} from '@/services/slotExamples'
import PhotoSlot from '@/components/PhotoSlot.vue'
import PhotosStep from '@/views/report/PhotosStep.vue'
import GuideCategory from '@/views/guide/GuideCategory.vue'

const fetchExamples = vi.mocked(guideApi.fetchSlotExamples)
const IMG = (c: string) => `/api/v1/guide/images/${c.repeat(64)}.jpg`
const FRONT = {
  slot: 'scene_front',
  label: '正前方全景',
  caption: '站在车头正前方5米拍全景',
  image_url: IMG('a'),
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  resetSlotExamples()
})

afterEach(async () => {
  resetSlotExamples()
  vi.clearAllMocks()
  await vantTimersSettled()
})

async function mountSlot(slotName = 'scene_front', label = '正前方全景') {
  const wrapper = mount(PhotoSlot, { props: { slotName, label, tip: '内置提示' } })
  await flushPromises()
  return wrapper
}

describe('slot example photos', () => {
  it('keeps only well-formed entries from the guide image store', () => {
    expect(sanitizeSlotExamples(null)).toEqual({})
    expect(sanitizeSlotExamples({ scene_front: FRONT })).toEqual({})
    const kept = sanitizeSlotExamples([
      FRONT,
      { ...FRONT, slot: 'scene_rear', image_url: 'https://tracker.invalid/p.gif' },
      { ...FRONT, slot: 'policy', image_url: 'javascript:alert(1)' },
      { ...FRONT, slot: '<b>', image_url: IMG('b') },
      { slot: 'video', image_url: IMG('c'), caption: 42 },
      'junk',
    ])
    expect(Object.keys(kept)).toEqual(['scene_front', 'video'])
    expect(kept.video.caption).toBe('')
  })

  it('shows the built-in drawing when the fetch fails, silently', async () => {
    fetchExamples.mockRejectedValue(networkError())
    const wrapper = await mountSlot()
    expect(fetchExamples).toHaveBeenCalledOnce()
    expect(wrapper.find('svg.ill').exists()).toBe(true)
    expect(wrapper.find('.example').exists()).toBe(false)
    expect(wrapper.text()).toContain('内置提示')
  })

  it("shows the city's photo and caption for its slot and the drawing for the others", async () => {
    fetchExamples.mockResolvedValue([FRONT])
    const front = await mountSlot()
    const img = front.find('.example img')
    expect(img.attributes('src')).toBe(FRONT.image_url)
    expect(img.attributes('alt')).toBe('正前方全景的示例照片')
    expect(front.find('figcaption').text()).toBe('站在车头正前方5米拍全景')
    expect(front.find('.example-badge').text()).toBe('示例')
    expect(front.find('svg.ill').exists()).toBe(false)

    const rear = await mountSlot('scene_rear', '正后方全景')
    expect(rear.find('.example').exists()).toBe(false)
    expect(rear.find('svg.ill').exists()).toBe(true)
    expect(fetchExamples).toHaveBeenCalledOnce() // once per visit, shared by every slot
  })

  it('falls back to the drawing when the photo itself cannot load (offline)', async () => {
    fetchExamples.mockResolvedValue([FRONT])
    const wrapper = await mountSlot()
    await wrapper.find('.example img').trigger('error')
    expect(wrapper.find('.example').exists()).toBe(false)
    expect(wrapper.find('svg.ill').exists()).toBe(true)
  })

  it('leaves out the caption when there is none and speaks English when asked', async () => {
    setLocale('en', false)
    fetchExamples.mockResolvedValue([{ ...FRONT, caption: '' }])
    const wrapper = await mountSlot('scene_front', 'Front overview')
    expect(wrapper.find('figcaption').exists()).toBe(false)
    expect(wrapper.find('.example img').attributes('alt')).toBe('Example photo: Front overview')
  })

  it('asks again on a later page after a failure, and not after a success', async () => {
    fetchExamples.mockRejectedValueOnce(httpError(503)).mockResolvedValue([FRONT])
    expect(await loadSlotExamples()).toBe(false)
    expect(slotExample('scene_front')).toBeNull()
    expect(await loadSlotExamples()).toBe(true)
    expect(await loadSlotExamples()).toBe(true)
    expect(fetchExamples).toHaveBeenCalledTimes(2)
    expect(slotExample('scene_front')?.caption).toBe('站在车头正前方5米拍全景')
  })

  it('the photo step fetches once for all its slots', async () => {
    fetchExamples.mockResolvedValue([
      { ...FRONT, slot: 'scene_contact', caption: '碰擦部位占满画面' },
    ])
    const wrapper = await mountPage('/report/photos', PhotosStep)
    expect(fetchExamples).toHaveBeenCalledOnce()
    expect(wrapper.findAll('.example')).toHaveLength(1)
    expect(wrapper.find('.example img').attributes('alt')).toBe('碰擦点近景的示例照片')
    expect(wrapper.text()).toContain('碰擦部位占满画面')
    expect(wrapper.findAll('svg.ill').length).toBeGreaterThan(0)
  })
})

describe('guide: 拍照示意 category', () => {
  async function mountCategory(code: string) {
    vi.mocked(ownerApi.fetchGuideArticles).mockResolvedValue([{ id: 1, title: '正前方全景怎么拍' }])
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/guide', component: { template: '<div />' } },
        { path: '/guide/category/:id', name: 'guide-category', component: GuideCategory },
        { path: '/guide/articles/:id', name: 'guide-article', component: { template: '<div />' } },
      ],
    })
    await router.push(`/guide/category/${code}?name=拍照示意`)
    const wrapper = mount({ template: '<router-view />' }, { global: { plugins: [router] } })
    await flushPromises()
    return wrapper
  }

  it('lists the example photos above the articles', async () => {
    fetchExamples.mockResolvedValue([
      FRONT,
      { ...FRONT, slot: 'policy', caption: '', image_url: IMG('d') },
    ])
    const wrapper = await mountCategory('photos')
    const figures = wrapper.findAll('.gallery figure')
    expect(figures).toHaveLength(2)
    expect(figures[0].find('img').attributes('alt')).toBe('正前方全景的示例照片')
    expect(figures[0].text()).toContain('站在车头正前方5米拍全景')
    expect(figures[1].text()).toBe('保险单')
    expect(wrapper.text()).toContain('正前方全景怎么拍')

    await figures[0].find('img').trigger('error')
    expect(wrapper.findAll('.gallery figure')).toHaveLength(1)
  })

  it('shows no gallery without examples, offline, or in another category', async () => {
    fetchExamples.mockRejectedValue(networkError())
    let wrapper = await mountCategory('photos')
    expect(wrapper.find('.gallery').exists()).toBe(false)
    expect(wrapper.text()).toContain('正前方全景怎么拍')

    fetchExamples.mockResolvedValue([FRONT])
    wrapper = await mountCategory('tips')
    expect(wrapper.find('.gallery').exists()).toBe(false)
  })
})
