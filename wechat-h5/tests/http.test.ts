import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AxiosAdapter, InternalAxiosRequestConfig } from 'axios'
import { errorMessage, http, setToken, useSessionProvider } from '@/api/http'
import { httpError, networkError } from './helpers'

const original = http.defaults.adapter
let seen: InternalAxiosRequestConfig[] = []

function answer(
  fn: (c: InternalAxiosRequestConfig, n: number) => { status: number; data: unknown },
) {
  const adapter: AxiosAdapter = async (config) => {
    seen.push(config)
    const { status, data } = fn(config, seen.length)
    const response = { status, data, statusText: '', headers: {}, config }
    if (status >= 400) {
      const err = httpError(status, data as Record<string, unknown>)
      err.config = config
      err.response = response
      throw err
    }
    return response
  }
  http.defaults.adapter = adapter
}

beforeEach(() => {
  localStorage.clear()
  seen = []
})

afterEach(() => {
  http.defaults.adapter = original
  useSessionProvider(null)
})

describe('http client', () => {
  it('sends the owner token as a Bearer header', async () => {
    setToken('abc')
    answer(() => ({ status: 200, data: [] }))
    await http.get('/owner/cases')
    expect(seen[0].headers.get('Authorization')).toBe('Bearer abc')
  })

  it('gets a new session once on 401 and replays the request', async () => {
    setToken('expired')
    let renewals = 0
    useSessionProvider({
      ready: async () => {},
      renew: async () => {
        renewals++
        setToken('fresh')
        return true
      },
    })
    answer((c) =>
      c.headers.get('Authorization') === 'Bearer fresh'
        ? { status: 200, data: { ok: true } }
        : { status: 401, data: { code: 'token_not_valid' } },
    )
    const { data } = await http.get('/owner/cases/1')
    expect(data).toEqual({ ok: true })
    expect(renewals).toBe(1)
    expect(seen).toHaveLength(2)
  })

  it('turns failures into one Chinese sentence', () => {
    expect(errorMessage(networkError())).toContain('网络不通')
    expect(errorMessage(httpError(400, { errors: { phone: ['手机号格式不正确'] } }))).toBe(
      '手机号格式不正确',
    )
    expect(errorMessage(httpError(404, { detail: '未找到' }))).toBe('未找到')
    expect(errorMessage(httpError(502))).toContain('服务器繁忙')
    expect(errorMessage(httpError(429))).toContain('太频繁')
  })
})
