import { isEnglish, t } from '@/i18n'
import { maxAccidentAgeDays } from '@/services/settings'

// China has had no daylight saving since 1991, so Asia/Shanghai is a fixed +08:00
// and we can compute wall-clock parts without Intl time-zone support (old WebViews lack it).
const OFFSET_MS = 8 * 3600 * 1000

export interface WallClock {
  year: number
  month: number // 1-12
  day: number
  hour: number
  minute: number
  second: number
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0')

export function shanghaiParts(date: Date): WallClock {
  const d = new Date(date.getTime() + OFFSET_MS)
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  }
}

export function fromShanghaiParts(p: WallClock): Date {
  return new Date(Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - OFFSET_MS)
}

/** 2026-11-25T09:41:07+08:00 — the format the API expects. */
export function toShanghaiIso(date: Date): string {
  const p = shanghaiParts(date)
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}+08:00`
}

export function parseIso(value: string | null | undefined): Date | null {
  if (!value) return null
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? null : d
}

/** 2026年11月25日 09:41:07 for display. */
export function formatShanghai(
  value: string | Date | null | undefined,
  withSeconds = true,
): string {
  const d = typeof value === 'string' || value == null ? parseIso(value as string) : value
  if (!d) return ''
  const p = shanghaiParts(d)
  const time = withSeconds
    ? `${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`
    : `${pad(p.hour)}:${pad(p.minute)}`
  if (isEnglish()) return `${p.year}-${pad(p.month)}-${pad(p.day)} ${time}`
  return `${p.year}年${p.month}月${p.day}日 ${time}`
}

/** Client-side hint only; the server applies the configured limits. */
export function occurredAtError(value: string | null | undefined, now = new Date()): string {
  const d = parseIso(value)
  if (!d) return t('time.required')
  if (d.getTime() > now.getTime() + 60_000) return t('time.future')
  const days = maxAccidentAgeDays()
  if (now.getTime() - d.getTime() > days * 86400_000) {
    return t('time.tooOld', { days })
  }
  return ''
}
