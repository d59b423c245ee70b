import { shallowRef } from 'vue'
import { createSession, getOauthUrl } from '@/api/owner'
import { errorBody, getToken, setToken, statusOf, useSessionProvider } from '@/api/http'

export function isWeChat(ua: string = navigator.userAgent): boolean {
  return /MicroMessenger/i.test(ua)
}

/** Indirection so tests can observe the OAuth redirect (jsdom cannot navigate). */
export const navigation = {
  redirect(url: string): void {
    window.location.replace(url)
  },
}

// Guards against an OAuth loop when WeChat keeps sending us back without a usable code.
const OAUTH_TRIED_KEY = 'kckp.oauthTried'

let pending: Promise<void> | null = null

/**
 * Why the last attempt got no owner token. `unreachable`: no network or a server in
 * trouble, so the app carries on and tries again later. `wechat`: the server wants a
 * WeChat OAuth code (the official account is configured) and this page cannot bring
 * one — opened in an ordinary browser, or the one OAuth retry inside WeChat failed.
 */
export type SessionProblem =
  { kind: 'unreachable' } | { kind: 'wechat'; code: string; detail: string; inWeChat: boolean }

/** Cleared when a token is had; App shows "open in WeChat" on owner pages for `wechat`. */
export const sessionProblem = shallowRef<SessionProblem | null>(null)

// Server answers meaning "only a WeChat OAuth code gets you in".
const WECHAT_CODES = new Set(['code_required', 'invalid_state'])

function wechatProblem(err: unknown): SessionProblem | null {
  const body = errorBody(err)
  if (statusOf(err) !== 400 || !body.code || !WECHAT_CODES.has(body.code)) return null
  return { kind: 'wechat', code: body.code, detail: body.detail ?? '', inWeChat: isWeChat() }
}

function gotToken(token: string): true {
  setToken(token)
  sessionProblem.value = null
  return true
}

function stripOauthParams(): void {
  const url = new URL(window.location.href)
  if (!url.searchParams.has('code') && !url.searchParams.has('state')) return
  url.searchParams.delete('code')
  url.searchParams.delete('state')
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash)
}

/**
 * `{}`: an anonymous device identity when WeChat is not configured. `codeFailure` is
 * how a WeChat code was just refused, if it was: more telling than "code required".
 */
async function demoSession(codeFailure: SessionProblem | null = null): Promise<boolean> {
  try {
    const data = await createSession({})
    return gotToken(data.token)
  } catch (err) {
    const problem = wechatProblem(err)
    sessionProblem.value = problem ? (codeFailure ?? problem) : { kind: 'unreachable' }
    return false
  }
}

/**
 * Get an owner token. Resolves to false when none could be had (see sessionProblem):
 * the caller carries on, and requests that need a token will try again on 401.
 */
async function establish(force: boolean): Promise<boolean> {
  if (!force && getToken()) return true
  const url = new URL(window.location.href)
  const code = url.searchParams.get('code')
  const state = url.searchParams.get('state') ?? undefined

  let codeFailure: SessionProblem | null = null
  if (isWeChat()) {
    if (code) {
      stripOauthParams()
      try {
        const data = await createSession({ code, state })
        sessionStorage.removeItem(OAUTH_TRIED_KEY)
        return gotToken(data.token)
      } catch (err) {
        // Stale or reused code: fall through to a fresh OAuth round (once) or demo.
        codeFailure = wechatProblem(err)
      }
    }
    if (!sessionStorage.getItem(OAUTH_TRIED_KEY)) {
      const next = window.location.pathname + window.location.search
      const oauthUrl = await getOauthUrl(next)
      if (oauthUrl) {
        sessionStorage.setItem(OAUTH_TRIED_KEY, '1')
        navigation.redirect(oauthUrl)
        // The page is leaving; never resolve so nothing else fires meanwhile.
        return new Promise<boolean>(() => {})
      }
    }
  }
  return demoSession(codeFailure)
}

export function ensureSession(force = false): Promise<void> {
  if (!pending || force) {
    pending = establish(force).then(() => undefined)
  }
  return pending
}

export function installSession(): void {
  useSessionProvider({
    ready: () => ensureSession(),
    renew: async () => {
      await ensureSession(true)
      return !!getToken()
    },
  })
  // Back online after an attempt that never reached the server: try now rather than at
  // the next 401, so an owner page learns at once whether WeChat is required.
  window.addEventListener('online', () => {
    if (sessionProblem.value?.kind === 'unreachable' && !getToken()) void ensureSession(true)
  })
  void ensureSession()
}
