import { computed } from 'vue'
import { createI18n } from 'vue-i18n'
import elZhCn from 'element-plus/es/locale/lang/zh-cn'
import elEn from 'element-plus/es/locale/lang/en'
import zhCN from '@/locales/zh-CN'
import en from '@/locales/en'

export type AppLocale = 'zh-CN' | 'en'
export const LOCALES: AppLocale[] = ['zh-CN', 'en']
export const DEFAULT_LOCALE: AppLocale = 'zh-CN'
export const LOCALE_KEY = 'kckp.admin.locale'

/** Names shown in the switch, each in its own language. */
export const LOCALE_NAMES: Record<AppLocale, string> = { 'zh-CN': '中文', en: 'English' }

function isLocale(value: unknown): value is AppLocale {
  return value === 'zh-CN' || value === 'en'
}

/**
 * The staff console opens in Chinese unless English was chosen on this browser
 * (stored in localStorage). The browser language is not consulted: officers' PCs
 * with an English system should still get the Chinese console by default.
 */
export function detectLocale(): AppLocale {
  try {
    const value = localStorage.getItem(LOCALE_KEY)
    if (isLocale(value)) return value
  } catch {
    // storage blocked: default
  }
  return DEFAULT_LOCALE
}

export const i18n = createI18n({
  legacy: false,
  locale: detectLocale(),
  fallbackLocale: DEFAULT_LOCALE,
  // A key missing in English silently shows the Chinese text.
  missingWarn: false,
  fallbackWarn: false,
  // ECharts formatters in the messages contain <br/>.
  warnHtmlMessage: false,
  messages: { 'zh-CN': zhCN, en } as Record<AppLocale, typeof zhCN>,
})

/** Translate outside components (stores, router, utils). */
export const t = i18n.global.t
export const te = i18n.global.te

export function currentLocale(): AppLocale {
  return i18n.global.locale.value as AppLocale
}

export function isEnglish(): boolean {
  return currentLocale() === 'en'
}

/** Element Plus's own texts (pagination, date pickers, dialogs) follow the app's language. */
export const elementLocale = computed(() => (currentLocale() === 'en' ? elEn : elZhCn))

export function setLocale(locale: AppLocale, persist = true): void {
  i18n.global.locale.value = locale
  if (typeof document !== 'undefined') document.documentElement.lang = locale
  if (persist) {
    try {
      localStorage.setItem(LOCALE_KEY, locale)
    } catch {
      // the choice lasts for this page only
    }
  }
}

/** Translated `routes.<name>` when present, else the route's own meta.title. */
export function routeTitle(name: unknown, metaTitle?: unknown): string {
  const key = `routes.${String(name ?? '')}`
  if (name && te(key)) return t(key)
  return (metaTitle as string | undefined) ?? ''
}

/**
 * A read-only view of a label table whose values follow the language: reading
 * `table[code]` returns `t('<prefix>.<code>')`. Lets code that imports the old
 * constant tables (Record<string, string>) show translated labels unchanged.
 */
export function translatedTable<T extends Record<string, string>>(prefix: string, base: T): T {
  return new Proxy(base, {
    get(target, key, receiver) {
      if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(target, key)) {
        const full = `${prefix}.${key}`
        return te(full) ? t(full) : target[key]
      }
      return Reflect.get(target, key, receiver)
    },
  })
}

if (typeof document !== 'undefined') document.documentElement.lang = currentLocale()
