/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Optional tile layer for the case map; no public tile server is reachable in production. */
  readonly VITE_TILE_URL?: string
  readonly VITE_TILE_ATTRIBUTION?: string
}

interface ImportMeta {
  readonly env: ImportMetaEnv
}
