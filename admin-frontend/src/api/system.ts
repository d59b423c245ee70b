import { asPage, downloadFile, http, type Page } from '@/utils/http'
import type { UnitRef } from './auth'
import type { UnitNode } from './units'

export interface SystemUser {
  id: number
  username: string
  display_name: string
  unit: UnitRef | number | null
  roles: string[]
  is_active: boolean
  last_login?: string | null
  locked?: boolean
  must_change_password?: boolean
  insurer?: string | null
}

export interface SystemUserInput {
  username: string
  display_name: string
  unit: number | null
  roles: string[]
  is_active: boolean
  insurer?: string | null
}

export interface Role {
  id: number
  code?: string
  name: string
  description?: string
  permissions: string[]
}

export type ParameterType = 'int' | 'duration' | 'bool' | 'text' | 'choice'
export type ParameterValue = string | number | boolean | null

export interface Parameter {
  key: string
  type: ParameterType
  value: ParameterValue
  default: ParameterValue
  description: string
  label?: string
  choices?: (string | [string, string] | { value: string; label: string })[] | null
  updated_at?: string
}

export interface AuditEntry {
  id: number
  at?: string
  created_at?: string
  user: string | { id?: number; username?: string; display_name?: string } | null
  action: string
  action_label?: string
  ip?: string | null
  remote_addr?: string | null
  target?: string
  object_repr?: string
  changes?: unknown
  detail?: unknown
  success?: boolean
}

// Users
export async function listUsers(params: Record<string, unknown>): Promise<Page<SystemUser>> {
  const { data } = await http.get('/system/users', { params, silent: true })
  return asPage<SystemUser>(data)
}

export async function createUser(
  input: SystemUserInput,
): Promise<SystemUser & { password?: string }> {
  const { data } = await http.post('/system/users', input, { silent: true })
  return data
}

export async function updateUser(id: number, input: Partial<SystemUserInput>): Promise<SystemUser> {
  const { data } = await http.patch(`/system/users/${id}`, input, { silent: true })
  return data
}

export async function resetPassword(id: number): Promise<string> {
  const { data } = await http.post<{ password: string }>(
    `/system/users/${id}/reset-password`,
    {},
    { silent: true },
  )
  return data.password
}

// Roles
export async function listRoles(): Promise<Role[]> {
  const { data } = await http.get('/system/roles', { silent: true, params: { page_size: 200 } })
  return asPage<Role>(data).results
}

export async function updateRole(id: number, input: Partial<Omit<Role, 'id'>>): Promise<Role> {
  const { data } = await http.patch<Role>(`/system/roles/${id}`, input, { silent: true })
  return data
}

// Units
export type UnitInput = Pick<UnitNode, 'name' | 'adcode' | 'parent' | 'kind'> & {
  phone?: string
  address?: string
}

export async function listSystemUnits(): Promise<UnitNode[]> {
  const { data } = await http.get('/system/units', { silent: true, params: { page_size: 1000 } })
  return asPage<UnitNode>(data).results
}

export async function createUnit(input: UnitInput): Promise<UnitNode> {
  const { data } = await http.post<UnitNode>('/system/units', input, { silent: true })
  return data
}

export async function updateUnit(id: number, input: Partial<UnitInput>): Promise<UnitNode> {
  const { data } = await http.patch<UnitNode>(`/system/units/${id}`, input, { silent: true })
  return data
}

export async function uploadJurisdiction(id: number, file: File): Promise<void> {
  const form = new FormData()
  form.append('file', file)
  await http.post(`/system/units/${id}/jurisdiction`, form, { silent: true })
}

// Parameters
export async function listParameters(): Promise<Parameter[]> {
  const { data } = await http.get('/system/parameters', { silent: true })
  return asPage<Parameter>(data).results
}

export async function updateParameter(key: string, value: ParameterValue): Promise<Parameter> {
  const { data } = await http.patch<Parameter>(
    `/system/parameters/${encodeURIComponent(key)}`,
    { value },
    { silent: true },
  )
  return data
}

// Audit
export interface AuditFilters {
  user?: string
  action?: string
  from?: string
  to?: string
  page?: number
}

export async function listAudit(filters: AuditFilters): Promise<Page<AuditEntry>> {
  const { data } = await http.get('/system/audit', { params: filters, silent: true })
  return asPage<AuditEntry>(data)
}

export function exportAudit(filters: AuditFilters): Promise<void> {
  const { page: _page, ...rest } = filters
  return downloadFile('/system/audit/export', { ...rest, format: 'csv' }, '审计日志.csv')
}
