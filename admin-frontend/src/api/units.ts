import { asPage, http, type Page } from '@/utils/http'
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson'

export interface UnitNode {
  id: number
  name: string
  adcode: string
  parent: number | null
  level: number
  kind: string
  kind_label?: string
  phone?: string
  address?: string
  location?: { lng: number; lat: number } | null
  has_jurisdiction?: boolean
  children?: UnitNode[]
}

export interface JurisdictionProperties {
  id: number
  name: string
  adcode: string
  phone?: string
}

export type Jurisdictions = FeatureCollection<Polygon | MultiPolygon, JurisdictionProperties>

let jurisdictionsCache: Promise<Jurisdictions> | null = null

/** The county polygons rarely change; fetch them once per page load. */
export function getJurisdictions(): Promise<Jurisdictions> {
  if (!jurisdictionsCache) {
    jurisdictionsCache = http
      .get<Jurisdictions>('/units/jurisdictions', { silent: true })
      .then((response) => response.data)
      .catch((error: unknown) => {
        jurisdictionsCache = null
        throw error
      })
  }
  return jurisdictionsCache
}

export async function listScopeUnits(): Promise<UnitNode[]> {
  const { data } = await http.get<Page<UnitNode> | UnitNode[]>('/units', {
    silent: true,
    params: { page_size: 1000 },
  })
  return asPage(data).results
}

export async function listTransferTargets(): Promise<UnitNode[]> {
  const { data } = await http.get<Page<UnitNode> | UnitNode[]>('/units/transfer-targets', {
    silent: true,
  })
  return asPage(data).results
}

/** Turn the flat, tree-ordered list the API returns into nested nodes for tree widgets. */
export function buildTree(units: UnitNode[]): UnitNode[] {
  const byId = new Map<number, UnitNode>()
  for (const unit of units) byId.set(unit.id, { ...unit, children: [] })
  const roots: UnitNode[] = []
  for (const node of byId.values()) {
    const parent = node.parent != null ? byId.get(node.parent) : undefined
    if (parent) parent.children!.push(node)
    else roots.push(node)
  }
  for (const node of byId.values()) if (node.children!.length === 0) delete node.children
  return roots
}
