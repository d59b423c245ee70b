import { describe, expect, it } from 'vitest'
import { distanceMeters, wgs84ToGcj02 } from '@/utils/coords'

describe('WGS-84 to GCJ-02', () => {
  it('shifts a Baise point by a few hundred metres', () => {
    const wgs = { lng: 106.6189, lat: 23.9024 }
    const gcj = wgs84ToGcj02(wgs)
    const d = distanceMeters(wgs, gcj)
    expect(d).toBeGreaterThan(300)
    expect(d).toBeLessThan(800)
    // The offset in this part of China is to the east and south-ish; longitude grows.
    expect(gcj.lng).toBeGreaterThan(wgs.lng)
  })

  it('leaves points outside China alone', () => {
    expect(wgs84ToGcj02({ lng: 2.35, lat: 48.85 })).toEqual({ lng: 2.35, lat: 48.85 })
  })
})
