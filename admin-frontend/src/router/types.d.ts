import 'vue-router'

declare module 'vue-router' {
  interface RouteMeta {
    title?: string
    /** Element Plus icon component name shown in the side menu. */
    icon?: string
    /** Permission code required to open the page (the API enforces it regardless). */
    perm?: string
    /** Menu group; pages without a group sit at the top level. */
    group?: 'system'
    /** Reachable, but not listed in the side menu. */
    hidden?: boolean
    public?: boolean
    /** Menu entry to highlight for detail pages. */
    activeMenu?: string
  }
}
