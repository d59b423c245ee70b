import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { exifOrientation, exifSegment } from '@/services/exif'
import { JFIF, SCAN, exifApp1, exifWithPixels, jpeg, pixelsOf } from './helpers'

vi.mock('@/api/owner', () => ({ getJssdkConfig: vi.fn() }))

const WECHAT_UA = 'Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 MicroMessenger/8.0.50'

function stubGeolocation(lng: number, lat: number) {
  const getCurrentPosition = vi.fn((ok: PositionCallback) =>
    ok({ coords: { longitude: lng, latitude: lat, accuracy: 12 } } as GeolocationPosition),
  )
  Object.defineProperty(navigator, 'geolocation', {
    value: { getCurrentPosition },
    configurable: true,
  })
  return getCurrentPosition
}

async function load() {
  vi.resetModules()
  const api = vi.mocked(await import('@/api/owner'))
  const wechat = await import('@/services/wechat')
  return { api, wechat }
}

beforeEach(() => {
  vi.clearAllMocks()
  delete window.wx
})

afterEach(() => {
  vi.restoreAllMocks()
  delete window.wx
})

describe('location source', () => {
  it('outside WeChat uses the browser fix and labels it wgs84', async () => {
    const geo = stubGeolocation(106.6189, 23.9024)
    const { api, wechat } = await load()
    const fix = await wechat.getCurrentFix()
    expect(fix).toMatchObject({ lng: 106.6189, lat: 23.9024, coord_system: 'wgs84', accuracy: 12 })
    expect(api.getJssdkConfig).not.toHaveBeenCalled()
    expect(geo).toHaveBeenCalled()
  })

  it('inside WeChat asks wx.getLocation for gcj02 with a signature for the page url without hash', async () => {
    vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue(WECHAT_UA)
    window.history.replaceState(null, '', '/h5/report/location?x=1#frag')
    const geo = stubGeolocation(0, 0)
    const config = vi.fn()
    window.wx = {
      config,
      ready: (cb: () => void) => cb(),
      error: () => {},
      getLocation: ({ type, success }) => {
        expect(type).toBe('gcj02')
        success({ longitude: 106.62, latitude: 23.9, accuracy: 30 })
      },
    }
    const { api, wechat } = await load()
    api.getJssdkConfig.mockResolvedValue({
      appId: 'wx1',
      timestamp: 1,
      nonceStr: 'n',
      signature: 's',
    })
    const fix = await wechat.getCurrentFix()
    expect(api.getJssdkConfig).toHaveBeenCalledWith('http://localhost:3000/h5/report/location?x=1')
    expect(config).toHaveBeenCalledWith(
      expect.objectContaining({ appId: 'wx1', jsApiList: ['getLocation'] }),
    )
    expect(fix).toMatchObject({ lng: 106.62, lat: 23.9, coord_system: 'gcj02' })
    expect(geo).not.toHaveBeenCalled()
  })

  it('inside WeChat without a JS-SDK on the server falls back to the browser', async () => {
    vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue(WECHAT_UA)
    stubGeolocation(106.5, 23.8)
    const { api, wechat } = await load()
    api.getJssdkConfig.mockRejectedValue(new Error('404'))
    expect(await wechat.initWx()).toBeNull()
    expect(await wechat.getCurrentFix()).toMatchObject({ coord_system: 'wgs84', lng: 106.5 })
  })

  it('survives the JS-SDK script failing to load', async () => {
    vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue(WECHAT_UA)
    stubGeolocation(106.5, 23.8)
    const { api, wechat } = await load()
    api.getJssdkConfig.mockResolvedValue({
      appId: 'wx1',
      timestamp: 1,
      nonceStr: 'n',
      signature: 's',
    })
    const append = vi.spyOn(document.head, 'appendChild').mockImplementation((el) => {
      queueMicrotask(() => (el as HTMLScriptElement).onerror?.(new Event('error')))
      return el
    })
    expect(await wechat.initWx()).toBeNull()
    expect(append).toHaveBeenCalled()
    expect(await wechat.getCurrentFix()).toMatchObject({ coord_system: 'wgs84' })
  })
})

describe('photo orientation fix', () => {
  it('redraws through createImageBitmap with from-image orientation and re-encodes JPEG', async () => {
    const bitmap = { width: 4000, height: 3000, close: vi.fn() }
    const cib = vi.fn().mockResolvedValue(bitmap)
    vi.stubGlobal('createImageBitmap', cib)
    const drawImage = vi.fn()
    const canvas = {
      width: 0,
      height: 0,
      getContext: () => ({ drawImage }),
      toBlob: (cb: BlobCallback, type: string) => cb(new Blob([new Uint8Array(1000)], { type })),
    }
    const realCreate = document.createElement.bind(document)
    vi.spyOn(document, 'createElement').mockImplementation((tag: string) =>
      tag === 'canvas' ? (canvas as unknown as HTMLCanvasElement) : realCreate(tag),
    )
    const { prepareImage } = await import('@/services/image')
    const file = new File([new Uint8Array(10)], 'IMG_0001.HEIC.png', { type: 'image/png' })
    const out = await prepareImage(file)
    expect(cib).toHaveBeenCalledWith(file, { imageOrientation: 'from-image' })
    expect(canvas.width).toBe(2560)
    expect(canvas.height).toBe(1920)
    expect(drawImage).toHaveBeenCalledWith(bitmap, 0, 0, 2560, 1920)
    expect(out.blob.type).toBe('image/jpeg')
    expect(out.name).toBe('IMG_0001.HEIC.jpg')
    vi.unstubAllGlobals()
  })

  it('sends an upright JPEG within the limits as the camera wrote it, and redraws a sideways one', async () => {
    const cib = vi.fn().mockResolvedValue({ width: 1280, height: 960, close: vi.fn() })
    vi.stubGlobal('createImageBitmap', cib)
    const drawn = new Blob([jpeg(JFIF, SCAN)], { type: 'image/jpeg' })
    const drawImage = vi.fn()
    const canvas = { width: 0, height: 0, getContext: () => ({ drawImage }), toBlob: (cb: BlobCallback) => cb(drawn) }
    const realCreate = document.createElement.bind(document)
    const create = vi.spyOn(document, 'createElement').mockImplementation((tag: string) =>
      tag === 'canvas' ? (canvas as unknown as HTMLCanvasElement) : realCreate(tag),
    )
    const { prepareImage } = await import('@/services/image')

    const upright = new File([jpeg(JFIF, exifApp1(1, true), SCAN)], 'wx_camera.jpg', { type: 'image/jpeg' })
    const kept = await prepareImage(upright)
    expect(kept.blob).toBe(upright)
    expect(kept.name).toBe('wx_camera.jpg')
    expect(create).not.toHaveBeenCalledWith('canvas')

    const sideways = new File([jpeg(JFIF, exifApp1(6, false), SCAN)], 'IMG_2.jpg', { type: 'image/jpeg' })
    const redrawn = await prepareImage(sideways)
    expect(drawImage).toHaveBeenCalledTimes(1)
    const bytes = new Uint8Array(await redrawn.blob.arrayBuffer())
    expect(exifOrientation(exifSegment(bytes)!)).toBe(1) // drawn upright, tagged upright

    // A camera block with its pixel size: the redrawn photo's block gives the canvas's size.
    const sized = new File([jpeg(JFIF, exifWithPixels(6, true, 4032, 3024), SCAN)], 'IMG_3.jpg', { type: 'image/jpeg' })
    const resized = await prepareImage(sized)
    const block = exifSegment(new Uint8Array(await resized.blob.arrayBuffer()))!
    expect(exifOrientation(block)).toBe(1)
    expect(pixelsOf(block, true)).toEqual([canvas.width, canvas.height])
    vi.unstubAllGlobals()
  })

  it('keeps the original file when decoding fails', async () => {
    vi.stubGlobal('createImageBitmap', vi.fn().mockRejectedValue(new Error('cannot decode')))
    const { prepareImage } = await import('@/services/image')
    const file = new File([new Uint8Array(10)], 'a.heic', { type: 'image/heic' })
    const out = await prepareImage(file)
    expect(out.blob).toBe(file)
    expect(out.name).toBe('a.heic')
    vi.unstubAllGlobals()
  })
})
