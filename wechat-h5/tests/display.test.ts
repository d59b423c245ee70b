import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import {
  LARGE_SCALE,
  LARGE_TEXT_KEY,
  systemPrefersLargeText,
  useDisplayStore,
} from '@/stores/display'

function mockMedia(matches: (q: string) => boolean) {
  vi.stubGlobal('matchMedia', (query: string) => ({ matches: matches(query), media: query }))
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  document.documentElement.className = ''
  document.documentElement.style.fontSize = ''
  vi.unstubAllGlobals()
})

describe('large-text store (适老化)', () => {
  it('is off by default and scales the page when turned on', async () => {
    mockMedia(() => false)
    const display = useDisplayStore()
    expect(display.largeText).toBe(false)
    expect(document.documentElement.classList.contains('kc-large')).toBe(false)
    display.setLargeText(true)
    await Promise.resolve()
    expect(document.documentElement.classList.contains('kc-large')).toBe(true)
    expect(document.documentElement.style.getPropertyValue('--kc-scale')).toBe(String(LARGE_SCALE))
    expect(localStorage.getItem(LARGE_TEXT_KEY)).toBe('1')
  })

  it('keeps the choice across page loads', () => {
    localStorage.setItem(LARGE_TEXT_KEY, '1')
    expect(useDisplayStore().largeText).toBe(true)
    setActivePinia(createPinia())
    localStorage.setItem(LARGE_TEXT_KEY, '0')
    mockMedia(() => true) // a stored "off" wins over the system setting
    expect(useDisplayStore().largeText).toBe(false)
  })

  it('follows the system when nothing was chosen: more contrast', () => {
    mockMedia((q) => q === '(prefers-contrast: more)')
    expect(systemPrefersLargeText()).toBe(true)
    const display = useDisplayStore()
    expect(display.largeText).toBe(true)
    expect(display.fromSystem).toBe(true)
    display.toggleLargeText()
    expect(display.largeText).toBe(false)
    expect(display.fromSystem).toBe(false)
  })

  it('follows the system when nothing was chosen: a larger default font size', () => {
    mockMedia(() => false)
    document.documentElement.style.fontSize = '20px'
    expect(systemPrefersLargeText()).toBe(true)
    document.documentElement.style.fontSize = '16px'
    expect(systemPrefersLargeText()).toBe(false)
  })
})
