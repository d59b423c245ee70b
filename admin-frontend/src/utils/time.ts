const pad = (n: number): string => String(n).padStart(2, '0')

/** Officers work in Asia/Shanghai; render every instant there whatever the browser's zone. */
const SHANGHAI_OFFSET_MIN = 8 * 60

function shanghaiParts(date: Date): {
  y: number
  m: number
  d: number
  h: number
  i: number
  s: number
} {
  const shifted = new Date(date.getTime() + SHANGHAI_OFFSET_MIN * 60000)
  return {
    y: shifted.getUTCFullYear(),
    m: shifted.getUTCMonth() + 1,
    d: shifted.getUTCDate(),
    h: shifted.getUTCHours(),
    i: shifted.getUTCMinutes(),
    s: shifted.getUTCSeconds(),
  }
}

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return '—'
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) return value
  const p = shanghaiParts(date)
  return `${p.y}-${pad(p.m)}-${pad(p.d)} ${pad(p.h)}:${pad(p.i)}:${pad(p.s)}`
}

export function formatDate(value: Date): string {
  const p = shanghaiParts(value)
  return `${p.y}-${pad(p.m)}-${pad(p.d)}`
}

export function today(): string {
  return formatDate(new Date())
}

export function daysAgo(days: number): string {
  return formatDate(new Date(Date.now() - days * 86400000))
}

/** A calendar day's bounds in Beijing time, as the API's ISO filters expect. */
export function dayStart(date: string): string {
  return `${date}T00:00:00+08:00`
}

export function dayEnd(date: string): string {
  return `${date}T23:59:59+08:00`
}

/** Exclusive upper bound for a day range (the case filter compares with "less than"). */
export function nextDayStart(date: string): string {
  const [y, m, d] = date.split('-').map(Number)
  const next = new Date(Date.UTC(y, m - 1, d + 1))
  return `${next.getUTCFullYear()}-${pad(next.getUTCMonth() + 1)}-${pad(next.getUTCDate())}T00:00:00+08:00`
}

/** For `<el-date-picker type="datetime">` values, which are local Date objects. */
export function toIsoWithOffset(date: Date): string {
  const p = shanghaiParts(date)
  return `${p.y}-${pad(p.m)}-${pad(p.d)}T${pad(p.h)}:${pad(p.i)}:${pad(p.s)}+08:00`
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || Number.isNaN(seconds)) return '—'
  if (seconds < 60) return `${Math.round(seconds)} 秒`
  if (seconds < 3600) return `${Math.round(seconds / 60)} 分钟`
  const hours = Math.floor(seconds / 3600)
  const minutes = Math.round((seconds % 3600) / 60)
  return minutes ? `${hours} 小时 ${minutes} 分` : `${hours} 小时`
}

export function formatPercent(rate: number | null | undefined): string {
  if (rate == null || Number.isNaN(rate)) return '—'
  // The API may give a ratio (0.83) or a percentage (83.2); both read the same on screen.
  const value = rate <= 1 ? rate * 100 : rate
  return `${value.toFixed(1)}%`
}
