import { beforeEach } from 'vitest'
import { config } from '@vue/test-utils'
import { i18n, setLocale } from '@/i18n'

// Every mounted component gets vue-i18n, as in main.ts.
config.global.plugins = [...(config.global.plugins ?? []), i18n]

beforeEach(() => setLocale('zh-CN', false))
