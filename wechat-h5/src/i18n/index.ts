import { createI18n } from 'vue-i18n'
import { Locale as VantLocale } from 'vant'
import vantZhCN from 'vant/es/locale/lang/zh-CN'
import vantEnUS from 'vant/es/locale/lang/en-US'
import zhCN from '@/locales/zh-CN'
import en from '@/locales/en'

export type AppLocale = 'zh-CN' | 'en'
export const LOCALES: AppLocale[] = ['zh-CN', 'en']
export const DEFAULT_LOCALE: AppLocale = 'zh-CN'
export const LOCALE_KEY = 'kckp.h5.locale'

/** Names shown in the switch, each in its own language. */
export const LOCALE_NAMES: Record<AppLocale, string> = { 'zh-CN': '中文', en: 'English' }

function isLocale(value: unknown): value is AppLocale {
  return value === 'zh-CN' || value === 'en'
}

function storedLocale(): AppLocale | null {
  try {
    const value = localStorage.getItem(LOCALE_KEY)
    return isLocale(value) ? value : null
  } catch {
    return null
  }
}

/**
 * Chinese unless the driver chose otherwise. With no stored choice, a phone whose
 * browser language is English opens in English (visitors who cannot read Chinese);
 * every other browser language, including all Chinese ones, gets Chinese.
 */
export function detectLocale(): AppLocale {
  const stored = storedLocale()
  if (stored) return stored
  const lang = typeof navigator === 'undefined' ? '' : (navigator.language ?? '')
  return /^en\b/i.test(lang) ? 'en' : DEFAULT_LOCALE
}

export const i18n = createI18n({
  legacy: false,
  locale: detectLocale(),
  fallbackLocale: DEFAULT_LOCALE,
  // A key missing in English silently falls back to Chinese.
  missingWarn: false,
  fallbackWarn: false,
  messages: { 'zh-CN': zhCN, en } as Record<AppLocale, typeof zhCN>,
})

/** Translate outside components (stores, router, toasts). */
export const t = i18n.global.t

export function currentLocale(): AppLocale {
  return i18n.global.locale.value as AppLocale
}

export function isEnglish(): boolean {
  return currentLocale() === 'en'
}

function applyLocale(locale: AppLocale): void {
  if (locale === 'en') VantLocale.use('en-US', vantEnUS)
  else VantLocale.use('zh-CN', vantZhCN)
  if (typeof document !== 'undefined') document.documentElement.lang = locale
}

export function setLocale(locale: AppLocale, persist = true): void {
  i18n.global.locale.value = locale
  applyLocale(locale)
  if (persist) {
    try {
      localStorage.setItem(LOCALE_KEY, locale)
    } catch {
      // private mode: the choice lasts for this page only
    }
  }
}

applyLocale(currentLocale())

/**
 * The browser tab title of a route: the translated `routes.<name>` message when one
 * exists, else the route's own meta.title (new routes need no message to work).
 */
export function pageTitle(name: unknown, metaTitle?: unknown): string {
  const key = `routes.${String(name ?? '')}`
  const title = name && i18n.global.te(key) ? t(key) : (metaTitle as string | undefined)
  const appName = t('app.name')
  return title && title !== appName && name !== 'home' ? `${title} · ${appName}` : t('app.docTitle')
}
