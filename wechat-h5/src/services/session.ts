import { createSession, getOauthUrl } from '@/api/owner'
import { getToken, setToken, useSessionProvider } from '@/api/http'

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

function stripOauthParams(): void {
  const url = new URL(window.location.href)
  if (!url.searchParams.has('code') && !url.searchParams.has('state')) return
  url.searchParams.delete('code')
  url.searchParams.delete('state')
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash)
}

async function demoSession(): Promise<boolean> {
  try {
    const data = await createSession({})
    setToken(data.token)
    return true
  } catch {
    return false
  }
}

/**
 * Get an owner token. Resolves to false when none could be had (offline): the
 * caller carries on, and requests that need a token will try again on 401.
 */
async function establish(force: boolean): Promise<boolean> {
  if (!force && getToken()) return true
  const url = new URL(window.location.href)
  const code = url.searchParams.get('code')
  const state = url.searchParams.get('state') ?? undefined

  if (isWeChat()) {
    if (code) {
      stripOauthParams()
      try {
        const data = await createSession({ code, state })
        setToken(data.token)
        sessionStorage.removeItem(OAUTH_TRIED_KEY)
        return true
      } catch {
        // Stale or reused code: fall through to a fresh OAuth round (once) or demo.
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
  return demoSession()
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
  void ensureSession()
}
