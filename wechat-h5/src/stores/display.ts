import { defineStore } from 'pinia'
import { ref, watch } from 'vue'

export const LARGE_TEXT_KEY = 'kckp.h5.largeText'
/** How much type and touch targets grow in large-text mode (适老化). */
export const LARGE_SCALE = 1.2

function media(query: string): boolean {
  try {
    return typeof window.matchMedia === 'function' && window.matchMedia(query).matches
  } catch {
    return false
  }
}

/**
 * Whether the phone already asks for bigger or clearer text: a "more contrast"
 * accessibility setting, or a browser default font size above 16px (the root font
 * size is left at 100% so that setting shows through).
 */
export function systemPrefersLargeText(): boolean {
  if (media('(prefers-contrast: more)')) return true
  try {
    const size = parseFloat(getComputedStyle(document.documentElement).fontSize)
    return Number.isFinite(size) && size > 16.5
  } catch {
    return false
  }
}

function readStored(): boolean | null {
  try {
    const value = localStorage.getItem(LARGE_TEXT_KEY)
    return value === '1' ? true : value === '0' ? false : null
  } catch {
    return null
  }
}

export function applyLargeText(on: boolean): void {
  const root = document.documentElement
  root.classList.toggle('kc-large', on)
  root.style.setProperty('--kc-scale', on ? String(LARGE_SCALE) : '1')
}

export const useDisplayStore = defineStore('display', () => {
  const stored = readStored()
  /** True when the driver never chose and the phone's own setting decided. */
  const fromSystem = ref(stored === null)
  const largeText = ref(stored ?? systemPrefersLargeText())

  function setLargeText(on: boolean): void {
    largeText.value = on
    fromSystem.value = false
    try {
      localStorage.setItem(LARGE_TEXT_KEY, on ? '1' : '0')
    } catch {
      // private mode: lasts for this page only
    }
  }

  function toggleLargeText(): void {
    setLargeText(!largeText.value)
  }

  watch(largeText, applyLargeText, { immediate: true })

  return { largeText, fromSystem, setLargeText, toggleLargeText }
})
