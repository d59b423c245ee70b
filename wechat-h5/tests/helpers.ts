import { AxiosError, AxiosHeaders, type AxiosResponse } from 'axios'
import { flushPromises, mount } from '@vue/test-utils'
import type { Component } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'

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

/**
 * Vant's fixed headers and footers measure themselves on timers 100, 200 and 300 ms after mounting.
 * Await this after a test that mounted a page so they run while jsdom is still there; one that
 * fires after the test file's environment is gone is an unhandled error that fails the run.
 */
export function vantTimersSettled(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 350))
}

/** `component` mounted as the page at `path` of a memory router (beside a blank '/'), settled. */
export async function mountPage(path: string, component: Component) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: { template: '<div />' } },
      { path, component },
    ],
  })
  await router.push(path)
  const wrapper = mount({ template: '<router-view />' }, { global: { plugins: [router] } })
  await flushPromises()
  return wrapper
}

export const EXIF_DATE = '2026:11:30 10:15:00\0' // EXIF ASCII: 19 characters and a NUL

/** An APP1 EXIF segment with IFD0 = { Orientation, DateTime }, in either byte order. */
export function exifApp1(orientation: number, little: boolean, orientationType = 3): Uint8Array<ArrayBuffer> {
  const entries = 2
  const ifd0 = 8
  const dataAt = ifd0 + 2 + entries * 12 + 4 // after the entries and the next-IFD pointer
  const tiff = new Uint8Array(dataAt + EXIF_DATE.length)
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
  view.setUint32(entry + 4, EXIF_DATE.length, little)
  view.setUint32(entry + 8, dataAt, little)
  tiff.set([...EXIF_DATE].map((c) => c.charCodeAt(0)), dataAt)
  const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff]
  const length = payload.length + 2
  return new Uint8Array([0xff, 0xe1, length >> 8, length & 0xff, ...payload])
}

export const JFIF = [0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]
export const SCAN = [0xff, 0xda, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 0xff, 0xd9]

export function jpeg(...segments: (number[] | Uint8Array)[]): Uint8Array<ArrayBuffer> {
  return new Uint8Array([0xff, 0xd8, ...segments.flatMap((s) => [...s])])
}

/**
 * An APP1 EXIF segment with IFD0 = { Orientation, ExifIFDPointer } and an Exif IFD holding
 * PixelXDimension and PixelYDimension of the given TIFF types (3 SHORT, 4 LONG).
 */
export function exifWithPixels(
  orientation: number, little: boolean, width: number, height: number, types: [number, number] = [4, 4],
): Uint8Array<ArrayBuffer> {
  const ifd0 = 8
  const exifIfd = ifd0 + 2 + 2 * 12 + 4
  const tiff = new Uint8Array(exifIfd + 2 + 2 * 12 + 4)
  const view = new DataView(tiff.buffer)
  view.setUint16(0, little ? 0x4949 : 0x4d4d)
  view.setUint16(2, 42, little)
  view.setUint32(4, ifd0, little)
  const entry = (at: number, tag: number, type: number, value: number) => {
    view.setUint16(at, tag, little)
    view.setUint16(at + 2, type, little)
    view.setUint32(at + 4, 1, little)
    if (type === 3) view.setUint16(at + 8, value, little)
    else view.setUint32(at + 8, value, little)
  }
  view.setUint16(ifd0, 2, little)
  entry(ifd0 + 2, 0x0112, 3, orientation)
  entry(ifd0 + 14, 0x8769, 4, exifIfd)
  view.setUint16(exifIfd, 2, little)
  entry(exifIfd + 2, 0xa002, types[0], width)
  entry(exifIfd + 14, 0xa003, types[1], height)
  const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff]
  const length = payload.length + 2
  return new Uint8Array([0xff, 0xe1, length >> 8, length & 0xff, ...payload])
}

/** PixelXDimension and PixelYDimension of a segment made by `exifWithPixels`. */
export function pixelsOf(segment: Uint8Array, little: boolean): [number, number] {
  const view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength)
  const at = 10 + 8 + 2 + 2 * 12 + 4 + 2 // the Exif IFD's first entry
  const read = (entry: number) =>
    view.getUint16(entry + 2, little) === 3 ? view.getUint16(entry + 8, little) : view.getUint32(entry + 8, little)
  return [read(at), read(at + 12)]
}
