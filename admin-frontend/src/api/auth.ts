import { http } from '@/utils/http'
import type { TokenPair } from '@/utils/token'

export interface UnitRef {
  id: number
  name: string
  adcode?: string
  phone?: string
}

export type RoleCode = 'city_admin' | 'supervisor' | 'officer' | 'insurer'

export interface Me {
  id: number
  username: string
  display_name: string
  unit: UnitRef | null
  roles: RoleCode[] | string[]
  role_labels?: string[]
  permissions: string[]
  must_change_password: boolean
  insurer?: { code: string; name: string } | null
}

export interface LoginAnswer extends TokenPair {
  must_change_password?: boolean
}

export async function login(username: string, password: string): Promise<LoginAnswer> {
  const { data } = await http.post<LoginAnswer>(
    '/auth/token',
    { username, password },
    { skipAuth: true, silent: true },
  )
  return data
}

export async function fetchMe(): Promise<Me> {
  const { data } = await http.get<Me>('/auth/me', { silent: true })
  return data
}

export async function logout(refresh: string): Promise<void> {
  await http.post('/auth/logout', { refresh }, { silent: true })
}

export async function changePassword(oldPassword: string, newPassword: string): Promise<void> {
  await http.post(
    '/auth/password',
    { old_password: oldPassword, new_password: newPassword },
    { silent: true },
  )
}
