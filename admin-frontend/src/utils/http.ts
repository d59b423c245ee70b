import axios, {
  AxiosError,
  AxiosHeaders,
  type AxiosInstance,
  type AxiosRequestConfig,
  type InternalAxiosRequestConfig,
} from 'axios'
import { ElMessage } from 'element-plus'
import { clearTokens, getAccessToken, getRefreshToken, setTokens, type TokenPair } from './token'

declare module 'axios' {
  interface AxiosRequestConfig {
    /** Do not pop an error message; the caller shows the error inline. */
    silent?: boolean
    /** Send without Authorization and never try a refresh (login, refresh itself). */
    skipAuth?: boolean
    /** Set on the replay after a refresh so a second 401 does not loop. */
    _retried?: boolean
  }
}

export const API_BASE = '/api/v1'
export const REFRESH_PATH = '/auth/token/refresh'

/** Error thrown by every API call, carrying the server's Chinese message. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly detail: string
  readonly errors: Record<string, string[]>
  readonly data: unknown

  constructor(status: number, code: string, detail: string, data: unknown = null) {
    super(detail)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.detail = detail
    this.data = data
    const errors = (data as { errors?: unknown } | null)?.errors
    this.errors = errors && typeof errors === 'object' ? (errors as Record<string, string[]>) : {}
  }
}

type AuthFailureHandler = (message: string) => void

let authFailureHandler: AuthFailureHandler = () => {
  clearTokens()
}

/** The app wires this to the user store and router; tests replace it with a spy. */
export function onAuthFailure(handler: AuthFailureHandler): void {
  authFailureHandler = handler
}

export const http: AxiosInstance = axios.create({
  baseURL: API_BASE,
  timeout: 30000,
})

function setAuthHeader(config: AxiosRequestConfig, token: string): void {
  const headers = AxiosHeaders.from((config.headers ?? {}) as AxiosHeaders)
  headers.set('Authorization', `Bearer ${token}`)
  config.headers = headers
}

http.interceptors.request.use((config: InternalAxiosRequestConfig) => {
  if (!config.skipAuth) {
    const token = getAccessToken()
    if (token) config.headers.set('Authorization', `Bearer ${token}`)
  }
  return config
})

// All requests that fail with an expired access token wait for this one promise, so a burst of
// 401s (the dashboard fires several calls at once) spends the rotating refresh token only once.
let refreshInFlight: Promise<string> | null = null

async function performRefresh(): Promise<string> {
  const refresh = getRefreshToken()
  if (!refresh) throw new ApiError(401, 'not_authenticated', '登录已过期，请重新登录')
  const { data } = await http.post<TokenPair>(
    REFRESH_PATH,
    { refresh },
    { skipAuth: true, silent: true },
  )
  setTokens(data)
  return data.access
}

export function refreshAccessToken(): Promise<string> {
  if (!refreshInFlight) {
    refreshInFlight = performRefresh()
      .catch((error: unknown) => {
        // Reported once here, not by each of the requests waiting on this refresh.
        authFailureHandler('登录已过期，请重新登录')
        throw error
      })
      .finally(() => {
        refreshInFlight = null
      })
  }
  return refreshInFlight
}

function sentToken(config: AxiosRequestConfig): string | null {
  const raw = AxiosHeaders.from((config.headers ?? {}) as AxiosHeaders).get('Authorization')
  return typeof raw === 'string' ? raw.replace(/^Bearer\s+/, '') : null
}

async function readErrorBody(data: unknown): Promise<unknown> {
  // Blob requests (exports) deliver their JSON error body as a Blob.
  if (typeof Blob !== 'undefined' && data instanceof Blob) {
    try {
      return JSON.parse(await data.text())
    } catch {
      return null
    }
  }
  return data
}

function firstFieldError(errors: unknown): string | null {
  if (!errors || typeof errors !== 'object') return null
  for (const messages of Object.values(errors as Record<string, unknown>)) {
    if (Array.isArray(messages) && typeof messages[0] === 'string') return messages[0]
    if (typeof messages === 'string') return messages
  }
  return null
}

export async function toApiError(error: unknown): Promise<ApiError> {
  if (error instanceof ApiError) return error
  if (axios.isCancel(error)) return new ApiError(0, 'canceled', '请求已取消')
  const axiosError = error as AxiosError
  const response = axiosError.response
  if (!response) {
    if (axiosError.code === 'ECONNABORTED')
      return new ApiError(0, 'timeout', '请求超时，请稍后重试')
    return new ApiError(0, 'network', '网络连接失败，请检查网络后重试')
  }
  const body = (await readErrorBody(response.data)) as {
    code?: string
    detail?: string
    errors?: unknown
  } | null
  const status = response.status
  let detail = typeof body?.detail === 'string' ? body.detail : ''
  const fieldMessage = firstFieldError(body?.errors)
  if (fieldMessage && (!detail || status === 400))
    detail = detail ? `${detail}：${fieldMessage}` : fieldMessage
  if (!detail) {
    detail =
      status === 404
        ? '请求的内容不存在或该功能尚未开通'
        : status === 403
          ? '没有权限执行此操作'
          : status >= 500
            ? '服务器出错了，请稍后重试'
            : `请求失败（${status}）`
  }
  const code = typeof body?.code === 'string' ? body.code : `http_${status}`
  return new ApiError(status, code, detail, body)
}

http.interceptors.response.use(undefined, async (error: AxiosError) => {
  const config = error.config as InternalAxiosRequestConfig | undefined
  const body = error.response?.data as { code?: string } | undefined
  const expired =
    error.response?.status === 401 && body?.code === 'token_not_valid' && config && !config.skipAuth

  if (expired && config && !config._retried) {
    try {
      const current = getAccessToken()
      // Another request may already have refreshed while this one was in flight: just replay.
      const access = current && current !== sentToken(config) ? current : await refreshAccessToken()
      config._retried = true
      setAuthHeader(config, access)
      return http.request(config)
    } catch {
      throw new ApiError(401, 'token_not_valid', '登录已过期，请重新登录')
    }
  }

  const apiError = await toApiError(error)
  if (apiError.status === 401 && config && !config.skipAuth) {
    authFailureHandler(apiError.detail || '请重新登录')
  } else if (!config?.silent && apiError.code !== 'canceled') {
    ElMessage.error({ message: apiError.detail, grouping: true })
  }
  throw apiError
})

/** `next` links are absolute URLs; keep requests on our own origin and base path. */
export function toApiPath(url: string): string {
  const parsed = new URL(url, window.location.origin)
  const path = parsed.pathname + parsed.search
  return path.startsWith(API_BASE) ? path.slice(API_BASE.length) : path
}

export interface Page<T> {
  results: T[]
  next: string | null
  previous: string | null
  count?: number
}

/** Lists may come paginated or as plain arrays while the backend evolves. */
export function asPage<T>(data: Page<T> | T[]): Page<T> {
  if (Array.isArray(data)) return { results: data, next: null, previous: null, count: data.length }
  return data
}

/** Save a blob from an authenticated request; the token never appears in a URL. */
export async function downloadFile(
  path: string,
  params: Record<string, unknown>,
  fallbackName: string,
): Promise<void> {
  const response = await http.get<Blob>(path, { params, responseType: 'blob' })
  const disposition = String(response.headers['content-disposition'] ?? '')
  const match = /filename\*=UTF-8''([^;]+)|filename="?([^";]+)"?/i.exec(disposition)
  const name = match ? decodeURIComponent(match[1] ?? match[2]) : fallbackName
  const href = URL.createObjectURL(response.data)
  const link = document.createElement('a')
  link.href = href
  link.download = name
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(href), 1000)
}
