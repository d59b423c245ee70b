import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

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
