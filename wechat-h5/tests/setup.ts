import { beforeEach } from 'vitest'
import { config } from '@vue/test-utils'
import { i18n, setLocale } from '@/i18n'

// Every mounted component gets vue-i18n, as in main.ts.
config.global.plugins = [i18n]

// jsdom reports an English browser; the app's own default (and every existing test) is Chinese.
beforeEach(() => setLocale('zh-CN', false))
