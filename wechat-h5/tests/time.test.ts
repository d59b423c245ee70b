import { describe, expect, it } from 'vitest'
import {
  formatShanghai,
  fromShanghaiParts,
  occurredAtError,
  shanghaiParts,
  toShanghaiIso,
} from '@/utils/time'

describe('Asia/Shanghai time', () => {
  it('formats with +08:00 and seconds whatever the device zone', () => {
    const d = new Date(Date.UTC(2026, 10, 25, 1, 41, 7))
    expect(toShanghaiIso(d)).toBe('2026-11-25T09:41:07+08:00')
  })

  it('crosses midnight correctly', () => {
    const d = new Date(Date.UTC(2026, 11, 31, 17, 0, 5))
    expect(toShanghaiIso(d)).toBe('2027-01-01T01:00:05+08:00')
  })

  it('round-trips wall-clock parts', () => {
    const parts = { year: 2026, month: 2, day: 28, hour: 23, minute: 59, second: 58 }
    expect(shanghaiParts(fromShanghaiParts(parts))).toEqual(parts)
    expect(new Date(toShanghaiIso(fromShanghaiParts(parts))).getTime()).toBe(
      fromShanghaiParts(parts).getTime(),
    )
  })

  it('displays in Chinese', () => {
    expect(formatShanghai('2026-11-25T09:41:07+08:00')).toBe('2026年11月25日 09:41:07')
  })

  it('refuses future and too old times', () => {
    const now = new Date('2026-11-25T10:00:00+08:00')
    expect(occurredAtError('2026-11-25T09:41:07+08:00', now)).toBe('')
    expect(occurredAtError('2026-11-25T11:00:00+08:00', now)).toContain('不能晚于')
    expect(occurredAtError('2026-11-10T09:00:00+08:00', now)).toContain('7天')
    expect(occurredAtError(null, now)).toContain('请选择')
  })
})
