import { describe, expect, it } from 'vitest'
import { exifOrientation, exifSegment, readExif, uprightExif, withExif } from '@/services/exif'
import { EXIF_DATE, JFIF, SCAN, exifApp1, exifWithPixels, jpeg, pixelsOf } from './helpers'

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
    expect(text(upright)).toContain(EXIF_DATE.slice(0, 19))
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

describe('uprightExif with the redrawn size', () => {
  it.each([true, false])('writes the new pixel size over the camera\'s (little-endian %s)', (little) => {
    const segment = exifWithPixels(6, little, 4000, 3000)
    const upright = uprightExif(segment, { width: 1920, height: 2560 })!
    expect(exifOrientation(upright)).toBe(1)
    expect(pixelsOf(upright, little)).toEqual([1920, 2560])
    expect(pixelsOf(segment, little)).toEqual([4000, 3000]) // the original is not changed
  })

  it('keeps a SHORT field a SHORT, and leaves one whose value would not fit', () => {
    const upright = uprightExif(exifWithPixels(1, true, 4000, 3000, [3, 3]), { width: 2560, height: 70000 })!
    expect(pixelsOf(upright, true)).toEqual([2560, 3000])
  })

  it('leaves a block without an Exif IFD, or with a broken pointer, as before but upright', () => {
    const plain = uprightExif(exifApp1(6, true), { width: 10, height: 20 })!
    expect(plain).toEqual(uprightExif(exifApp1(6, true)))
    const broken = exifWithPixels(6, true, 4000, 3000)
    new DataView(broken.buffer).setUint32(10 + 8 + 2 + 12 + 8, 60000, true) // points past the block
    const fixed = uprightExif(broken, { width: 10, height: 20 })!
    expect(exifOrientation(fixed)).toBe(1)
    expect(pixelsOf(fixed, true)).toEqual([4000, 3000])
  })
})

describe('exifOrientation', () => {
  it('reads the orientation in either byte order, upright when the tag is absent', () => {
    expect(exifOrientation(exifApp1(6, true))).toBe(6)
    expect(exifOrientation(exifApp1(8, false))).toBe(8)
    const untagged = exifApp1(6, true)
    untagged[10 + 8 + 2] = 0x99 // the first entry's tag is no longer Orientation
    expect(exifOrientation(untagged)).toBe(1)
    expect(exifOrientation(exifApp1(6, true, 4))).toBeNull()
  })
})

describe('withExif and readExif', () => {
  it('carries the original block, upright, into the redrawn JPEG right after its start marker', async () => {
    const original = new Blob([jpeg(JFIF, exifApp1(8, false), SCAN)], { type: 'image/jpeg' })
    const redrawn = new Blob([jpeg(JFIF, SCAN)], { type: 'image/jpeg' })
    const exif = uprightExif((await readExif(original))!)
    expect(exif).not.toBeNull()
    const out = new Uint8Array(await (await withExif(redrawn, exif!)).arrayBuffer())
    expect([...out.slice(0, 2)]).toEqual([0xff, 0xd8])
    expect(exifSegment(out)).toEqual(exif)
    expect(orientationOf(exifSegment(out)!, false)).toBe(1)
    expect([...out.slice(2 + exif!.length)]).toEqual([...JFIF, ...SCAN])
  })

  it('leaves a photo without EXIF, and a blob that is not a JPEG, as they are', async () => {
    expect(await readExif(new Blob([jpeg(JFIF, SCAN)]))).toBeNull()
    const png = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])])
    expect(await withExif(png, exifApp1(1, true))).toBe(png)
  })
})
