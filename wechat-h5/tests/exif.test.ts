import { describe, expect, it } from 'vitest'
import { exifForRedraw, exifSegment, uprightExif, withExif } from '@/services/exif'

const DATE = '2026:11:30 10:15:00\0' // EXIF ASCII: 19 characters and a NUL

/** An APP1 EXIF segment with IFD0 = { Orientation, DateTime }, in either byte order. */
function exifApp1(orientation: number, little: boolean, orientationType = 3): Uint8Array<ArrayBuffer> {
  const entries = 2
  const ifd0 = 8
  const dataAt = ifd0 + 2 + entries * 12 + 4 // after the entries and the next-IFD pointer
  const tiff = new Uint8Array(dataAt + DATE.length)
  const view = new DataView(tiff.buffer)
  view.setUint16(0, little ? 0x4949 : 0x4d4d)
  view.setUint16(2, 42, little)
  view.setUint32(4, ifd0, little)
  view.setUint16(ifd0, entries, little)
  let entry = ifd0 + 2
  view.setUint16(entry, 0x0112, little) // Orientation, SHORT, 1 value, stored in the entry
  view.setUint16(entry + 2, orientationType, little)
  view.setUint32(entry + 4, 1, little)
  view.setUint16(entry + 8, orientation, little)
  entry += 12
  view.setUint16(entry, 0x0132, little) // DateTime, ASCII, 20 bytes at dataAt
  view.setUint16(entry + 2, 2, little)
  view.setUint32(entry + 4, DATE.length, little)
  view.setUint32(entry + 8, dataAt, little)
  tiff.set([...DATE].map((c) => c.charCodeAt(0)), dataAt)
  const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff]
  const length = payload.length + 2
  return new Uint8Array([0xff, 0xe1, length >> 8, length & 0xff, ...payload])
}

const JFIF = [0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]
const SCAN = [0xff, 0xda, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 0xff, 0xd9]

function jpeg(...segments: (number[] | Uint8Array)[]): Uint8Array<ArrayBuffer> {
  return new Uint8Array([0xff, 0xd8, ...segments.flatMap((s) => [...s])])
}

function orientationOf(segment: Uint8Array, little: boolean): number {
  const view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength)
  return view.getUint16(10 + 8 + 2 + 8, little) // TIFF at 10, IFD0 at 8, first entry's value
}

function text(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes)
}

describe('exifSegment', () => {
  it('finds the EXIF block after a JFIF header', () => {
    const app1 = exifApp1(6, true)
    expect(exifSegment(jpeg(JFIF, app1, SCAN))).toEqual(app1)
  })

  it('finds nothing in a JPEG without one, in other files and after the image data starts', () => {
    expect(exifSegment(jpeg(JFIF, SCAN))).toBeNull()
    expect(exifSegment(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]))).toBeNull()
    expect(exifSegment(jpeg(SCAN, exifApp1(6, true)))).toBeNull()
  })

  it('gives up on a block cut off by the end of what was read', () => {
    const whole = jpeg(exifApp1(6, false), SCAN)
    expect(exifSegment(whole.slice(0, 30))).toBeNull()
  })
})

describe('uprightExif', () => {
  it.each([true, false])('sets a turned orientation to upright and keeps the rest (little-endian %s)', (little) => {
    const segment = exifApp1(6, little)
    const upright = uprightExif(segment)!
    expect(orientationOf(upright, little)).toBe(1)
    expect(orientationOf(segment, little)).toBe(6) // the original is not changed
    expect(text(upright)).toContain('2026:11:30 10:15:00')
    expect(upright.length).toBe(segment.length)
  })

  it('refuses a block it cannot read rather than keep a wrong orientation', () => {
    const badOrder = exifApp1(6, true)
    badOrder[10] = 0x41
    expect(uprightExif(badOrder)).toBeNull()
    expect(uprightExif(exifApp1(6, true, 4))).toBeNull() // orientation that is not a SHORT
    expect(uprightExif(exifApp1(6, true).slice(0, 16))).toBeNull()
  })
})

describe('withExif and exifForRedraw', () => {
  it('carries the original block, upright, into the redrawn JPEG right after its start marker', async () => {
    const original = new Blob([jpeg(JFIF, exifApp1(8, false), SCAN)], { type: 'image/jpeg' })
    const redrawn = new Blob([jpeg(JFIF, SCAN)], { type: 'image/jpeg' })
    const exif = await exifForRedraw(original)
    expect(exif).not.toBeNull()
    const out = new Uint8Array(await (await withExif(redrawn, exif!)).arrayBuffer())
    expect([...out.slice(0, 2)]).toEqual([0xff, 0xd8])
    expect(exifSegment(out)).toEqual(exif)
    expect(orientationOf(exifSegment(out)!, false)).toBe(1)
    expect([...out.slice(2 + exif!.length)]).toEqual([...JFIF, ...SCAN])
  })

  it('leaves a photo without EXIF, and a blob that is not a JPEG, as they are', async () => {
    expect(await exifForRedraw(new Blob([jpeg(JFIF, SCAN)]))).toBeNull()
    const png = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])])
    expect(await withExif(png, exifApp1(1, true))).toBe(png)
  })
})
