import { beforeEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import elEn from 'element-plus/es/locale/lang/en'
import elZhCn from 'element-plus/es/locale/lang/zh-cn'
import {
  LOCALE_KEY,
  currentLocale,
  detectLocale,
  elementLocale,
  i18n,
  routeTitle,
  setLocale,
  t,
} from '@/i18n'
import { LIABILITY_LABELS, STATUS_LABELS, statusLabel, statusOptions } from '@/utils/labels'
import { CONNECTION_LABELS } from '@/utils/alertSocket'
import StatusTag from '@/components/StatusTag.vue'
import StateBlock from '@/components/StateBlock.vue'

beforeEach(() => localStorage.clear())

describe('i18n setup', () => {
  it('opens in Chinese and switches messages, <html lang> and the Element Plus locale', () => {
    expect(currentLocale()).toBe('zh-CN')
    expect(t('routes.cases')).toBe('案件管理')
    expect(elementLocale.value).toBe(elZhCn)
    setLocale('en')
    expect(t('routes.cases')).toBe('Cases')
    expect(document.documentElement.lang).toBe('en')
    expect(elementLocale.value).toBe(elEn)
  })

  it('stores the choice and reads it back; the browser language is not consulted', () => {
    expect(detectLocale()).toBe('zh-CN')
    setLocale('en')
    expect(localStorage.getItem(LOCALE_KEY)).toBe('en')
    expect(detectLocale()).toBe('en')
    localStorage.setItem(LOCALE_KEY, 'xx')
    expect(detectLocale()).toBe('zh-CN')
  })

  it('falls back to Chinese for a key English lacks', () => {
    const en = i18n.global.getLocaleMessage('en')
    try {
      const partial = JSON.parse(JSON.stringify(en))
      delete partial.routes.stats
      i18n.global.setLocaleMessage('en', partial)
      setLocale('en', false)
      expect(t('routes.stats')).toBe('统计分析')
      expect(t('routes.fraud')).toBe('Fraud warnings')
    } finally {
      i18n.global.setLocaleMessage('en', en)
    }
  })

  it('label tables and route titles follow the language', () => {
    expect(STATUS_LABELS.accepted).toBe('适用快处快赔')
    expect(LIABILITY_LABELS.equal).toBe('同等责任')
    expect(CONNECTION_LABELS.open).toBe('已连接')
    setLocale('en', false)
    expect(STATUS_LABELS.accepted).toBe('Quick process')
    expect(statusLabel('rejected')).toBe('Not applicable')
    expect(statusLabel('no_such_status')).toBe('no_such_status')
    expect(LIABILITY_LABELS.equal).toBe('Equal liability')
    expect(Object.keys(LIABILITY_LABELS)).toEqual(['full', 'major', 'equal', 'minor', 'none'])
    expect(CONNECTION_LABELS.open).toBe('Connected')
    expect(statusOptions().map((o) => o.label)).toContain('Awaiting review')
    expect(routeTitle('dashboard', '工作台')).toBe('Dashboard')
    // a route added without a message keeps its own title
    expect(routeTitle('brand-new-page', '新页面')).toBe('新页面')
  })
})

describe('components in English', () => {
  it('renders the status tag from the status code', async () => {
    const wrapper = mount(StatusTag, {
      props: { status: 'submitted' },
      global: { plugins: [ElementPlus] },
    })
    expect(wrapper.text()).toBe('待审核')
    setLocale('en', false)
    await wrapper.vm.$nextTick()
    expect(wrapper.text()).toBe('Awaiting review')
  })

  it('renders the load-error state in English', () => {
    setLocale('en', false)
    const wrapper = mount(StateBlock, {
      props: { error: 'boom', loading: false },
      global: { plugins: [ElementPlus] },
    })
    expect(wrapper.text()).toContain('Could not load')
    expect(wrapper.text()).toContain('Retry')
    expect(wrapper.text()).not.toMatch(/[\u4e00-\u9fff]/)
  })
})
