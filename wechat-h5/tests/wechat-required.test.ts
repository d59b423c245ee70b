import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { setLocale } from '@/i18n'
import { vantTimersSettled } from './helpers'

vi.mock('@/api/owner', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/owner')>()),
  // Owner pages stay "loading": these tests are about what App puts on screen.
  fetchOwnCases: vi.fn(() => new Promise(() => {})),
  fetchOwnCase: vi.fn(() => new Promise(() => {})),
}))

vi.mock('vant', async (importOriginal) => ({
  ...(await importOriginal<typeof import('vant')>()),
  showToast: vi.fn(),
}))

import { showToast } from 'vant'
import App from '@/App.vue'
import WeChatRequired from '@/components/WeChatRequired.vue'
import { router } from '@/router'
import { sessionProblem } from '@/services/session'

const DETAIL = '请从“百色交警”公众号菜单进入。'
const WECHAT = { kind: 'wechat', code: 'code_required', detail: DETAIL, inWeChat: false } as const
const Stub = { template: '<div class="stub" />' }

function notice(
  props: Partial<{ code: string; detail: string; inWeChat: boolean }> = {},
  attach = false,
) {
  const testRouter = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: Stub },
      { path: '/guide', name: 'guide', component: Stub },
      { path: '/track', name: 'track', component: Stub },
    ],
  })
  const wrapper = mount(WeChatRequired, {
    props: { code: 'code_required', detail: DETAIL, inWeChat: false, ...props },
    global: { plugins: [testRouter] },
    attachTo: attach ? document.body : undefined,
  })
  return { wrapper, testRouter }
}

function setClipboard(writeText: (text: string) => Promise<void>) {
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  sessionProblem.value = null
  window.history.replaceState(null, '', '/h5/cases')
  // The router scrolls to the top on every page; jsdom has no scrolling.
  vi.spyOn(window, 'scrollTo').mockImplementation(() => {})
})

afterEach(async () => {
  vi.clearAllMocks()
  sessionProblem.value = null
  await vantTimersSettled()
})

describe('the "open in WeChat" notice', () => {
  it('shows the title, the server’s detail, the steps and this page’s link', () => {
    const { wrapper } = notice()
    expect(wrapper.find('h1').text()).toBe('请在微信中打开')
    expect(wrapper.find('[data-test=detail]').text()).toBe(DETAIL)
    expect(wrapper.text()).toContain('关注“百色交警”公众号')
    expect(wrapper.text()).toContain('快处快赔')
    expect(wrapper.find('[data-test=link]').text()).toBe(window.location.href)
  })

  it('copies the link with the clipboard API and says so', async () => {
    const writeText = vi.fn(() => Promise.resolve())
    setClipboard(writeText)
    const { wrapper } = notice()
    await wrapper.find('[data-test=copy]').trigger('click')
    await flushPromises()
    expect(writeText).toHaveBeenCalledWith(window.location.href)
    expect(showToast).toHaveBeenCalledWith('已复制')
    expect(wrapper.find('[data-test=copy]').text()).toContain('已复制')
  })

  it('falls back to a selection copy where the clipboard API is refused', async () => {
    setClipboard(() => Promise.reject(new Error('denied')))
    const execCommand = vi.fn(() => true)
    Object.defineProperty(document, 'execCommand', { value: execCommand, configurable: true })
    const { wrapper } = notice()
    await wrapper.find('[data-test=copy]').trigger('click')
    await flushPromises()
    expect(execCommand).toHaveBeenCalledWith('copy')
    expect(showToast).toHaveBeenCalledWith('已复制')
  })

  it('when nothing can copy, says how to copy by hand and selects the link', async () => {
    setClipboard(() => Promise.reject(new Error('denied')))
    Object.defineProperty(document, 'execCommand', { value: () => false, configurable: true })
    const { wrapper } = notice({}, true)
    await wrapper.find('[data-test=copy]').trigger('click')
    await flushPromises()
    expect(showToast).toHaveBeenCalledWith('复制不了，请长按上面的链接手动复制')
    expect(window.getSelection()?.toString()).toBe(window.location.href)
    wrapper.unmount()
  })

  it('links to what works without an identity: the guide and tracking', async () => {
    const { wrapper, testRouter } = notice()
    await wrapper.find('[data-test=to-guide]').trigger('click')
    await flushPromises()
    expect(testRouter.currentRoute.value.path).toBe('/guide')
    await wrapper.find('[data-test=to-track]').trigger('click')
    await flushPromises()
    expect(testRouter.currentRoute.value.path).toBe('/track')
    expect(wrapper.find('a[href="tel:122"]').exists()).toBe(true)
  })

  it('inside WeChat asks to re-enter from the menu and offers no link to copy', () => {
    const { wrapper } = notice({ inWeChat: true, code: 'invalid_state', detail: '登录校验失败' })
    expect(wrapper.find('h1').text()).toBe('请从公众号菜单重新进入')
    expect(wrapper.find('[data-test=detail]').text()).toBe('登录校验失败')
    expect(wrapper.find('[data-test=copy]').exists()).toBe(false)
  })

  it('in English translates a known server code', () => {
    setLocale('en', false)
    const { wrapper } = notice()
    expect(wrapper.find('h1').text()).toBe('Please open this page in WeChat')
    expect(wrapper.find('[data-test=detail]').text()).toContain('official account')
  })
})

describe('which pages show it', () => {
  async function showApp(path: string) {
    await router.push(path)
    const wrapper = mount(App, { global: { plugins: [router] } })
    await flushPromises()
    return wrapper
  }

  it.each(['/cases', '/cases/7', '/report/safety'])(
    'an owner page (%s) shows the notice',
    async (path) => {
      sessionProblem.value = WECHAT
      const wrapper = await showApp(path)
      expect(wrapper.find('[data-test=wechat-required]').exists()).toBe(true)
      expect(wrapper.text()).toContain(DETAIL)
      wrapper.unmount()
    },
  )

  it('public pages keep working', async () => {
    sessionProblem.value = WECHAT
    const wrapper = await showApp('/track')
    expect(wrapper.find('[data-test=wechat-required]').exists()).toBe(false)
    expect(wrapper.text()).toContain('受理号')
    await router.push('/')
    await flushPromises()
    expect(wrapper.find('[data-test=wechat-required]').exists()).toBe(false)
    expect(wrapper.text()).toContain('我要报案')
    wrapper.unmount()
  })

  it('appears as soon as the session answer comes, and goes when a session is had', async () => {
    const wrapper = await showApp('/cases')
    expect(wrapper.find('[data-test=wechat-required]').exists()).toBe(false)
    sessionProblem.value = WECHAT
    await flushPromises()
    expect(wrapper.find('[data-test=wechat-required]').exists()).toBe(true)
    sessionProblem.value = null
    await flushPromises()
    expect(wrapper.find('[data-test=wechat-required]').exists()).toBe(false)
    expect(wrapper.text()).toContain('我的案件')
    wrapper.unmount()
  })

  it('never when the server could not be reached, nor while the phone is offline', async () => {
    sessionProblem.value = { kind: 'unreachable' }
    let wrapper = await showApp('/cases')
    expect(wrapper.find('[data-test=wechat-required]').exists()).toBe(false)
    wrapper.unmount()

    sessionProblem.value = WECHAT
    vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false)
    wrapper = await showApp('/cases')
    expect(wrapper.find('[data-test=wechat-required]').exists()).toBe(false)
    expect(wrapper.find('.offline-banner').exists()).toBe(true)
    wrapper.unmount()
  })
})
