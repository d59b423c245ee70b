import { beforeEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { Locale as VantLocale } from 'vant'
import { LOCALE_KEY, currentLocale, detectLocale, i18n, setLocale, t } from '@/i18n'
import { statusLabel } from '@/utils/status'
import CaseProgress from '@/components/CaseProgress.vue'

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})

describe('i18n setup', () => {
  it('switches messages, the <html lang> and Vant’s own texts', () => {
    expect(t('home.report')).toBe('我要报案')
    setLocale('en')
    expect(currentLocale()).toBe('en')
    expect(t('home.report')).toBe('Report an accident')
    expect(document.documentElement.lang).toBe('en')
    expect(VantLocale.messages().confirm).toBe('Confirm')
    setLocale('zh-CN')
    expect(t('home.report')).toBe('我要报案')
    expect(VantLocale.messages().confirm).toBe('确认')
  })

  it('remembers the choice in localStorage', () => {
    setLocale('en')
    expect(localStorage.getItem(LOCALE_KEY)).toBe('en')
    expect(detectLocale()).toBe('en')
    setLocale('zh-CN')
    expect(detectLocale()).toBe('zh-CN')
  })

  it('defaults to Chinese; an English browser gets English only with no stored choice', () => {
    const lang = vi.spyOn(navigator, 'language', 'get')
    lang.mockReturnValue('zh-CN')
    expect(detectLocale()).toBe('zh-CN')
    lang.mockReturnValue('fr-FR')
    expect(detectLocale()).toBe('zh-CN')
    lang.mockReturnValue('en-GB')
    expect(detectLocale()).toBe('en')
    localStorage.setItem(LOCALE_KEY, 'zh-CN')
    expect(detectLocale()).toBe('zh-CN')
    localStorage.setItem(LOCALE_KEY, 'klingon')
    expect(detectLocale()).toBe('en')
  })

  it('falls back to Chinese for a key English lacks', () => {
    const en = i18n.global.getLocaleMessage('en')
    try {
      // English without home.report, as when a new text has not been translated yet
      const partial = JSON.parse(JSON.stringify(en))
      delete partial.home.report
      i18n.global.setLocaleMessage('en', partial)
      setLocale('en', false)
      expect(t('home.report')).toBe('我要报案')
      expect(t('home.track')).toBe('Track progress')
    } finally {
      i18n.global.setLocaleMessage('en', en)
    }
  })

  it('translates status codes in English instead of the Chinese status_label', () => {
    expect(statusLabel('accepted', '适用快处快赔')).toBe('适用快处快赔')
    setLocale('en', false)
    expect(statusLabel('accepted', '适用快处快赔')).toBe('Quick process approved')
    expect(statusLabel('unheard_of', '某状态')).toBe('某状态')
  })
})

describe('a component in English', () => {
  it('renders the case progress card with translated labels and advice', async () => {
    setLocale('en', false)
    const wrapper = mount(CaseProgress, {
      props: {
        receiptNo: 'BS20260101001',
        status: 'accepted',
        statusLabel: '适用快处快赔',
        nextStep: '请把车辆驶离现场',
        timeline: [{ status: 'submitted', label: '已提交', at: '2026-01-01T10:00:00+08:00' }],
      },
    })
    const text = wrapper.text()
    expect(text).toContain('Receipt no.')
    expect(text).toContain('Quick process approved')
    expect(text).toContain('Drive away from the scene')
    expect(text).toContain('Awaiting review')
    expect(text).toContain('2026-01-01 10:00:00')
    expect(text).not.toMatch(/[\u4e00-\u9fff]/)

    setLocale('zh-CN', false)
    await wrapper.vm.$nextTick()
    expect(wrapper.text()).toContain('适用快处快赔')
    expect(wrapper.text()).toContain('请把车辆驶离现场')
  })
})
