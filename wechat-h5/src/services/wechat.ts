import { getJssdkConfig } from '@/api/owner'
import type { CoordSystem } from '@/api/types'
import { isWeChat } from './session'

export interface Fix {
  lng: number
  lat: number
  coord_system: CoordSystem
  accuracy?: number
}

interface WxApi {
  config: (cfg: Record<string, unknown>) => void
  ready: (cb: () => void) => void
  error: (cb: (err: unknown) => void) => void
  getLocation: (opts: {
    type: 'gcj02' | 'wgs84'
    success: (res: { latitude: number; longitude: number; accuracy?: number }) => void
    fail?: (err: unknown) => void
    cancel?: (err: unknown) => void
  }) => void
}

declare global {
  interface Window {
    wx?: WxApi
  }
}

const DEFAULT_JSSDK_URL = 'https://res.wx.qq.com/open/js/jweixin-1.6.0.js'

function jssdkUrl(): string {
  const configured = import.meta.env.VITE_WX_JSSDK_URL
  return configured === undefined ? DEFAULT_JSSDK_URL : configured
}

function loadScript(src: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const el = document.createElement('script')
    const timer = window.setTimeout(() => resolve(false), timeoutMs)
    el.src = src
    el.async = true
    el.onload = () => {
      window.clearTimeout(timer)
      resolve(true)
    }
    el.onerror = () => {
      window.clearTimeout(timer)
      resolve(false)
    }
    document.head.appendChild(el)
  })
}

let wxReady: Promise<WxApi | null> | null = null

/** The configured `wx` object, or null whenever any part of the JS-SDK is unavailable. */
export function initWx(): Promise<WxApi | null> {
  if (wxReady) return wxReady
  wxReady = (async () => {
    if (!isWeChat()) return null
    let cfg
    try {
      cfg = await getJssdkConfig(window.location.href.split('#')[0])
    } catch {
      return null // WeChat not configured on the server (404) or offline
    }
    if (!window.wx) {
      const src = jssdkUrl()
      if (!src || !(await loadScript(src, 6000)) || !window.wx) return null
    }
    const wx = window.wx
    return new Promise<WxApi | null>((resolve) => {
      const timer = window.setTimeout(() => resolve(null), 6000)
      wx.config({
        debug: false,
        appId: cfg.appId,
        timestamp: cfg.timestamp,
        nonceStr: cfg.nonceStr,
        signature: cfg.signature,
        jsApiList: ['getLocation'],
      })
      wx.ready(() => {
        window.clearTimeout(timer)
        resolve(wx)
      })
      wx.error(() => {
        window.clearTimeout(timer)
        resolve(null)
      })
    })
  })()
  return wxReady
}

function wxLocation(wx: WxApi): Promise<Fix> {
  return new Promise((resolve, reject) => {
    wx.getLocation({
      type: 'gcj02',
      success: (res) =>
        resolve({
          lng: res.longitude,
          lat: res.latitude,
          coord_system: 'gcj02',
          accuracy: res.accuracy,
        }),
      fail: reject,
      cancel: reject,
    })
  })
}

function browserLocation(): Promise<Fix> {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) {
      reject(new Error('unsupported'))
      return
    }
    navigator.geolocation.getCurrentPosition(
      (pos) =>
        resolve({
          lng: pos.coords.longitude,
          lat: pos.coords.latitude,
          coord_system: 'wgs84',
          accuracy: pos.coords.accuracy,
        }),
      reject,
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 },
    )
  })
}

/** WeChat's own fix (GCJ-02) when we can get it, otherwise the browser's (WGS-84). */
export async function getCurrentFix(): Promise<Fix> {
  const wx = await initWx()
  if (wx) {
    try {
      return await wxLocation(wx)
    } catch {
      // denied inside WeChat: the browser API may still be allowed
    }
  }
  return browserLocation()
}
