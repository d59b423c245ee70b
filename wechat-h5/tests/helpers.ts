import { AxiosError, AxiosHeaders, type AxiosResponse } from 'axios'

/** An axios error as thrown when the request never got an answer. */
export function networkError(): AxiosError {
  return new AxiosError('Network Error', 'ERR_NETWORK', { headers: new AxiosHeaders() })
}

/** An axios error carrying an HTTP answer. */
export function httpError(status: number, data: Record<string, unknown> = {}): AxiosError {
  const config = { headers: new AxiosHeaders() }
  const response = { status, data, statusText: '', headers: {}, config } as AxiosResponse
  return new AxiosError(`HTTP ${status}`, 'ERR_BAD_RESPONSE', config, null, response)
}

export const CHECKLIST = [
  { key: 'injury', question: '是否有人员受伤？' },
  { key: 'no_plate', question: '是否有车辆无号牌？' },
  { key: 'drunk', question: '是否有驾驶人饮酒？' },
]

export function serverCase(id: number, extra: Record<string, unknown> = {}) {
  return { id, receipt_no: null, status: 'draft', media: [], parties: [], ...extra }
}

/** Let pending promise chains settle. */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve()
}
