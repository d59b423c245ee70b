import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('element-plus', () => ({
  ElMessage: { error: vi.fn(), warning: vi.fn(), success: vi.fn() },
}))

import { ElMessage } from 'element-plus'
import { ApiError, http, onAuthFailure, REFRESH_PATH, toApiPath } from '@/utils/http'
import { clearTokens, getAccessToken, getRefreshToken, setTokens } from '@/utils/token'
import { deferred, stubAdapter, type StubCall } from './helpers'

const expired = { status: 401, data: { code: 'token_not_valid', detail: '令牌无效或已过期' } }
const originalAdapter = http.defaults.adapter

function isRefresh(call: StubCall): boolean {
  return call.url === REFRESH_PATH
}

describe('http client', () => {
  let authFailure: ReturnType<typeof vi.fn<(message: string) => void>>

  beforeEach(() => {
    localStorage.clear()
    setTokens({ access: 'old-access', refresh: 'old-refresh' })
    authFailure = vi.fn<(message: string) => void>(() => clearTokens())
    onAuthFailure(authFailure)
    vi.mocked(ElMessage.error).mockClear()
  })

  afterEach(() => {
    http.defaults.adapter = originalAdapter
  })

  it('sends the access token as a bearer header', async () => {
    const { adapter, calls } = stubAdapter(() => ({ status: 200, data: { ok: true } }))
    http.defaults.adapter = adapter
    await http.get('/cases')
    expect(calls[0].auth).toBe('Bearer old-access')
  })

  it('refreshes once for several concurrent 401s and replays every request', async () => {
    const gate = deferred()
    const { adapter, calls } = stubAdapter(async (call) => {
      if (isRefresh(call)) {
        // Hold the refresh open so every request has failed before it answers.
        await gate.promise
        expect(call.data).toEqual({ refresh: 'old-refresh' })
        expect(call.auth).toBeNull()
        return { status: 200, data: { access: 'new-access', refresh: 'new-refresh' } }
      }
      if (call.auth === 'Bearer new-access') return { status: 200, data: { url: call.url } }
      return expired
    })
    http.defaults.adapter = adapter

    const requests = ['/cases', '/alerts', '/stats/summary', '/fraud/warnings'].map((url) =>
      http.get(url),
    )
    await vi.waitFor(() => expect(calls.filter(isRefresh)).toHaveLength(1))
    // Let every original request come back with its 401 while the refresh is pending.
    await new Promise((resolve) => setTimeout(resolve, 0))
    gate.resolve()
    const answers = await Promise.all(requests)

    expect(answers.map((a) => a.data.url)).toEqual([
      '/cases',
      '/alerts',
      '/stats/summary',
      '/fraud/warnings',
    ])
    expect(calls.filter(isRefresh)).toHaveLength(1)
    const replays = calls.filter((c) => !isRefresh(c) && c.auth === 'Bearer new-access')
    expect(replays).toHaveLength(4)
    expect(getAccessToken()).toBe('new-access')
    expect(getRefreshToken()).toBe('new-refresh')
    expect(authFailure).not.toHaveBeenCalled()
  })

  it('logs out once when the refresh itself fails, rejecting every waiting request', async () => {
    const { adapter, calls } = stubAdapter((call) =>
      isRefresh(call)
        ? { status: 401, data: { code: 'token_not_valid', detail: '令牌已失效' } }
        : expired,
    )
    http.defaults.adapter = adapter

    const results = await Promise.allSettled([http.get('/a'), http.get('/b'), http.get('/c')])

    expect(results.every((r) => r.status === 'rejected')).toBe(true)
    for (const r of results) {
      const reason = (r as PromiseRejectedResult).reason
      expect(reason).toBeInstanceOf(ApiError)
      expect(reason.status).toBe(401)
    }
    expect(calls.filter(isRefresh)).toHaveLength(1)
    expect(authFailure).toHaveBeenCalledTimes(1)
    expect(getAccessToken()).toBeNull()
    expect(getRefreshToken()).toBeNull()
  })

  it('does not loop when the replayed request is refused again', async () => {
    const { adapter, calls } = stubAdapter((call) =>
      isRefresh(call)
        ? { status: 200, data: { access: 'new-access', refresh: 'new-refresh' } }
        : expired,
    )
    http.defaults.adapter = adapter

    await expect(http.get('/cases')).rejects.toBeInstanceOf(ApiError)
    expect(calls.filter(isRefresh)).toHaveLength(1)
    expect(calls.filter((c) => c.url === '/cases')).toHaveLength(2)
    expect(authFailure).toHaveBeenCalledTimes(1)
  })

  it('replays without refreshing when another request already rotated the token', async () => {
    let first = true
    const { adapter, calls } = stubAdapter((call) => {
      if (first) {
        // While this request was in flight another one finished a refresh.
        first = false
        setTokens({ access: 'fresh-access', refresh: 'fresh-refresh' })
        return expired
      }
      return call.auth === 'Bearer fresh-access' ? { status: 200, data: 'ok' } : expired
    })
    http.defaults.adapter = adapter
    const answer = await http.get('/cases')
    expect(answer.data).toBe('ok')
    expect(calls.map((c) => c.auth)).toEqual(['Bearer old-access', 'Bearer fresh-access'])
    expect(calls.filter(isRefresh)).toHaveLength(0)
  })

  it('turns error answers into ApiError with the Chinese detail and shows it', async () => {
    const { adapter } = stubAdapter(() => ({
      status: 409,
      data: { code: 'conflict', detail: '该案件已被其他民警接单' },
    }))
    http.defaults.adapter = adapter
    const error = await http.post('/cases/1/claim').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).status).toBe(409)
    expect((error as ApiError).code).toBe('conflict')
    expect((error as ApiError).detail).toBe('该案件已被其他民警接单')
    expect(ElMessage.error).toHaveBeenCalledWith(
      expect.objectContaining({ message: '该案件已被其他民警接单' }),
    )
  })

  it('keeps quiet for silent requests and reports field errors', async () => {
    const { adapter } = stubAdapter(() => ({
      status: 400,
      data: { code: 'invalid', detail: '输入有误', errors: { feedback: ['请填写反馈意见'] } },
    }))
    http.defaults.adapter = adapter
    const error = (await http
      .post('/cases/1/decision', {}, { silent: true })
      .catch((e: unknown) => e)) as ApiError
    expect(error.detail).toBe('输入有误：请填写反馈意见')
    expect(error.errors.feedback).toEqual(['请填写反馈意见'])
    expect(ElMessage.error).not.toHaveBeenCalled()
  })

  it('maps absolute next links onto the API base path', () => {
    expect(toApiPath('http://example.test/api/v1/cases?cursor=abc')).toBe('/cases?cursor=abc')
  })
})
