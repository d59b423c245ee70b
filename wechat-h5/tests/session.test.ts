import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { httpError, networkError } from './helpers'

vi.mock('@/api/owner', () => ({
  createSession: vi.fn(),
  getOauthUrl: vi.fn(),
}))

const WECHAT_UA =
  'Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/116 Mobile MicroMessenger/8.0.47'

async function load() {
  vi.resetModules()
  const api = vi.mocked(await import('@/api/owner'))
  const session = await import('@/services/session')
  const http = await import('@/api/http')
  return { api, session, http }
}

beforeEach(() => {
  localStorage.clear()
  sessionStorage.clear()
  vi.clearAllMocks()
  window.history.replaceState(null, '', '/h5/')
})

afterEach(() => {
  vi.restoreAllMocks()
})

describe('owner session', () => {
  it('detects WeChat by its user agent', async () => {
    const { session } = await load()
    expect(session.isWeChat(WECHAT_UA)).toBe(true)
    expect(session.isWeChat('Mozilla/5.0 (iPhone) Safari/604.1')).toBe(false)
  })

  it('outside WeChat asks for a demo session with an empty body and keeps the token', async () => {
    const { api, session, http } = await load()
    api.createSession.mockResolvedValue({ token: 'demo-token' })
    await session.ensureSession()
    expect(api.createSession).toHaveBeenCalledWith({})
    expect(api.getOauthUrl).not.toHaveBeenCalled()
    expect(http.getToken()).toBe('demo-token')
  })

  it('reuses a stored token instead of starting another session', async () => {
    localStorage.setItem('kckp.ownerToken', 'kept')
    const { api, session } = await load()
    await session.ensureSession()
    expect(api.createSession).not.toHaveBeenCalled()
  })

  it('inside WeChat redirects to the OAuth url with the current path as next', async () => {
    vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue(WECHAT_UA)
    window.history.replaceState(null, '', '/h5/report/location')
    const { api, session } = await load()
    api.getOauthUrl.mockResolvedValue('https://open.weixin.qq.com/connect/oauth2/authorize?x=1')
    const redirect = vi.spyOn(session.navigation, 'redirect').mockImplementation(() => {})
    void session.ensureSession()
    await vi.waitFor(() => expect(redirect).toHaveBeenCalled())
    expect(api.getOauthUrl).toHaveBeenCalledWith('/h5/report/location')
    expect(redirect).toHaveBeenCalledWith('https://open.weixin.qq.com/connect/oauth2/authorize?x=1')
    expect(api.createSession).not.toHaveBeenCalled()
  })

  it('on return from WeChat posts code and state, and cleans them from the address bar', async () => {
    vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue(WECHAT_UA)
    window.history.replaceState(null, '', '/h5/report/time?code=CODE1&state=S9')
    const { api, session, http } = await load()
    api.createSession.mockResolvedValue({ token: 'wx-token', wechat: true })
    await session.ensureSession()
    expect(api.createSession).toHaveBeenCalledWith({ code: 'CODE1', state: 'S9' })
    expect(http.getToken()).toBe('wx-token')
    expect(window.location.pathname + window.location.search).toBe('/h5/report/time')
  })

  it('falls back to demo mode when WeChat is not configured (404)', async () => {
    vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue(WECHAT_UA)
    const { api, session, http } = await load()
    api.getOauthUrl.mockResolvedValue(null)
    api.createSession.mockResolvedValue({ token: 'demo-in-wechat' })
    await session.ensureSession()
    expect(api.createSession).toHaveBeenCalledWith({})
    expect(http.getToken()).toBe('demo-in-wechat')
  })

  it('does not loop through OAuth twice in one visit', async () => {
    vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue(WECHAT_UA)
    sessionStorage.setItem('kckp.oauthTried', '1')
    const { api, session } = await load()
    api.createSession.mockResolvedValue({ token: 't' })
    await session.ensureSession()
    expect(api.getOauthUrl).not.toHaveBeenCalled()
    expect(api.createSession).toHaveBeenCalledWith({})
  })
})

describe('why no session could be had', () => {
  const CODE_REQUIRED = { code: 'code_required', detail: '请从“百色交警”公众号菜单进入。' }

  it('outside WeChat, a server that wants WeChat sets the problem with its detail', async () => {
    const { api, session, http } = await load()
    api.createSession.mockRejectedValue(httpError(400, CODE_REQUIRED))
    await session.ensureSession()
    expect(http.getToken()).toBeNull()
    expect(session.sessionProblem.value).toEqual({
      kind: 'wechat',
      code: 'code_required',
      detail: '请从“百色交警”公众号菜单进入。',
      inWeChat: false,
    })
  })

  it('no network is not "WeChat required": the app carries on as before', async () => {
    const { api, session } = await load()
    api.createSession.mockRejectedValue(networkError())
    await session.ensureSession()
    expect(session.sessionProblem.value).toEqual({ kind: 'unreachable' })
  })

  it('a server in trouble or another 400 is not "WeChat required" either', async () => {
    const { api, session } = await load()
    api.createSession.mockRejectedValueOnce(httpError(502, { code: 'bad_gateway', detail: 'x' }))
    await session.ensureSession()
    expect(session.sessionProblem.value).toEqual({ kind: 'unreachable' })
    api.createSession.mockRejectedValueOnce(
      httpError(400, { code: 'wechat_disabled', detail: 'x' }),
    )
    await session.ensureSession(true)
    expect(session.sessionProblem.value).toEqual({ kind: 'unreachable' })
  })

  it('a session obtained later clears the problem', async () => {
    const { api, session, http } = await load()
    api.createSession.mockRejectedValueOnce(httpError(400, CODE_REQUIRED))
    await session.ensureSession()
    expect(session.sessionProblem.value?.kind).toBe('wechat')
    api.createSession.mockResolvedValueOnce({ token: 'later' })
    await session.ensureSession(true)
    expect(http.getToken()).toBe('later')
    expect(session.sessionProblem.value).toBeNull()
  })

  it('the 401 retry of a request asks again and keeps the problem when WeChat is required', async () => {
    const { api, session, http } = await load()
    api.createSession.mockRejectedValue(httpError(400, CODE_REQUIRED))
    session.installSession()
    const original = http.http.defaults.adapter
    http.http.defaults.adapter = async (config) => {
      throw Object.assign(httpError(401, { code: 'not_authenticated' }), { config })
    }
    try {
      await expect(http.http.get('/owner/cases')).rejects.toMatchObject({
        response: { status: 401 },
      })
    } finally {
      http.http.defaults.adapter = original
      http.useSessionProvider(null)
    }
    expect(api.createSession).toHaveBeenCalledTimes(2)
    expect(session.sessionProblem.value?.kind).toBe('wechat')
  })

  it('asks again when the phone comes back online after an unreachable attempt', async () => {
    const { api, session, http } = await load()
    api.createSession.mockRejectedValueOnce(networkError())
    session.installSession()
    await vi.waitFor(() => expect(session.sessionProblem.value).toEqual({ kind: 'unreachable' }))
    api.createSession.mockRejectedValueOnce(httpError(400, CODE_REQUIRED))
    window.dispatchEvent(new Event('online'))
    await vi.waitFor(() => expect(session.sessionProblem.value?.kind).toBe('wechat'))
    expect(api.createSession).toHaveBeenCalledTimes(2)
    http.useSessionProvider(null)
  })

  it('inside WeChat a refused code gets one OAuth round, then the problem (no loop)', async () => {
    vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue(WECHAT_UA)
    const INVALID_STATE = {
      code: 'invalid_state',
      detail: '登录校验失败，请重新从公众号菜单进入。',
    }

    // First visit with a stale code: refused, so one fresh OAuth round.
    window.history.replaceState(null, '', '/h5/cases?code=OLD&state=S1')
    let { api, session } = await load()
    api.createSession.mockRejectedValue(httpError(400, INVALID_STATE))
    api.getOauthUrl.mockResolvedValue('https://open.weixin.qq.com/connect/oauth2/authorize?x=2')
    let redirect = vi.spyOn(session.navigation, 'redirect').mockImplementation(() => {})
    void session.ensureSession()
    await vi.waitFor(() => expect(redirect).toHaveBeenCalledTimes(1))
    expect(session.sessionProblem.value).toBeNull()

    // Back from WeChat, and the code is refused again: no second round, the problem instead.
    window.history.replaceState(null, '', '/h5/cases?code=NEW&state=S2')
    vi.clearAllMocks()
    ;({ api, session } = await load())
    api.createSession.mockImplementation(async (body) => {
      throw httpError(
        400,
        body.code ? INVALID_STATE : { code: 'code_required', detail: '请从菜单进入' },
      )
    })
    api.getOauthUrl.mockResolvedValue('https://open.weixin.qq.com/connect/oauth2/authorize?x=3')
    redirect = vi.spyOn(session.navigation, 'redirect').mockImplementation(() => {})
    await session.ensureSession()
    expect(redirect).not.toHaveBeenCalled()
    expect(api.getOauthUrl).not.toHaveBeenCalled()
    expect(api.createSession).toHaveBeenCalledWith({ code: 'NEW', state: 'S2' })
    expect(session.sessionProblem.value).toEqual({
      kind: 'wechat',
      code: 'invalid_state',
      detail: '登录校验失败，请重新从公众号菜单进入。',
      inWeChat: true,
    })
  })
})
