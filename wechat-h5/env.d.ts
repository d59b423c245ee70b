/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Optional raster tile template (must be GCJ-02 tiles); without it the map shows vector polygons only. */
  readonly VITE_TILE_URL?: string
  readonly VITE_TILE_ATTRIBUTION?: string
  /** Where to load the WeChat JS-SDK from; empty string disables it. */
  readonly VITE_WX_JSSDK_URL?: string
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}
