import {
  AxiosError,
  AxiosHeaders,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios'

export interface StubCall {
  method: string
  url: string
  auth: string | null
  data: unknown
}

export type StubReply = { status: number; data?: unknown }
export type StubHandler = (call: StubCall) => StubReply | Promise<StubReply>

/**
 * An axios adapter that answers from a handler and records every request, settling the way real
 * adapters do (rejecting with an AxiosError for non-2xx answers).
 */
export function stubAdapter(handler: StubHandler) {
  const calls: StubCall[] = []
  const adapter = async (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
    const headers = AxiosHeaders.from(config.headers)
    const auth = headers.get('Authorization')
    const call: StubCall = {
      method: (config.method ?? 'get').toUpperCase(),
      url: config.url ?? '',
      auth: typeof auth === 'string' ? auth : null,
      data: typeof config.data === 'string' ? JSON.parse(config.data) : config.data,
    }
    calls.push(call)
    const reply = await handler(call)
    const response: AxiosResponse = {
      data: reply.data ?? null,
      status: reply.status,
      statusText: String(reply.status),
      headers: {},
      config,
    }
    if (reply.status >= 200 && reply.status < 300) return response
    throw new AxiosError(
      `Request failed with status code ${reply.status}`,
      reply.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST,
      config,
      null,
      response,
    )
  }
  return { adapter, calls }
}

export function deferred<T = void>() {
  let resolve!: (value: T) => void
  let reject!: (reason: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}
