import axios, { AxiosError, type AxiosRequestConfig, type InternalAxiosRequestConfig } from 'axios'
import type { ApiErrorBody } from './types'

export const TOKEN_KEY = 'kckp.ownerToken'

export const http = axios.create({
  baseURL: '/api/v1',
  timeout: 20_000,
})

declare module 'axios' {
  interface AxiosRequestConfig {
    /** The session calls themselves must not wait for a session. */
    skipSession?: boolean
    _retriedAuth?: boolean
  }
}

export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY)
  } catch {
    return null
  }
}

export function setToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token)
    else localStorage.removeItem(TOKEN_KEY)
  } catch {
    // private mode: the token lives for this page only
  }
}

type SessionProvider = {
  ready: () => Promise<void>
  renew: () => Promise<boolean>
}

let session: SessionProvider | null = null

/** Wire the session module in without an import cycle. */
export function useSessionProvider(provider: SessionProvider | null): void {
  session = provider
}

http.interceptors.request.use(async (config: InternalAxiosRequestConfig) => {
  if (!config.skipSession && session) await session.ready()
  const token = getToken()
  if (token && !config.headers.has('Authorization')) {
    config.headers.set('Authorization', `Bearer ${token}`)
  }
  return config
})

http.interceptors.response.use(undefined, async (error: AxiosError) => {
  const config = error.config as AxiosRequestConfig | undefined
  // An expired or unknown owner token: get a new session once and replay.
  if (
    error.response?.status === 401 &&
    config &&
    !config.skipSession &&
    !config._retriedAuth &&
    session
  ) {
    config._retriedAuth = true
    setToken(null)
    const renewed = await session.renew()
    if (renewed) {
      if (config.headers) delete (config.headers as Record<string, unknown>).Authorization
      return http.request(config)
    }
  }
  return Promise.reject(error)
})

export function isNetworkError(err: unknown): boolean {
  return axios.isAxiosError(err) && !err.response && err.code !== 'ERR_CANCELED'
}

export function statusOf(err: unknown): number | null {
  return axios.isAxiosError(err) ? (err.response?.status ?? null) : null
}

export function errorBody(err: unknown): ApiErrorBody {
  if (axios.isAxiosError(err) && err.response && typeof err.response.data === 'object') {
    return (err.response.data ?? {}) as ApiErrorBody
  }
  return {}
}

/** One Chinese sentence for a toast, whatever went wrong. */
export function errorMessage(err: unknown, fallback = '操作失败，请稍后再试'): string {
  if (isNetworkError(err)) return '网络不通，请检查手机信号后重试'
  const body = errorBody(err)
  if (body.errors) {
    const first = Object.values(body.errors).flat()[0]
    if (first) return first
  }
  if (body.detail) return body.detail
  const status = statusOf(err)
  if (status === 429) return '操作太频繁，请稍等一会儿再试'
  if (status && status >= 500) return '服务器繁忙，请稍后重试'
  return fallback
}
