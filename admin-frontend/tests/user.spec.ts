import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { computed } from 'vue'

vi.mock('element-plus', () => ({
  ElMessage: { error: vi.fn(), warning: vi.fn(), success: vi.fn() },
}))

import { useUserStore } from '@/store/modules/user'
import { ApiError, http } from '@/utils/http'
import { getAccessToken, getRefreshToken } from '@/utils/token'
import { stubAdapter, type StubHandler } from './helpers'

const officer = {
  id: 7,
  username: 'yj_officer',
  display_name: '李警官',
  unit: { id: 2, name: '右江区大队', adcode: '451002' },
  roles: ['officer'],
  permissions: ['cases.view_case', 'cases.claim_case', 'cases.decide_case'],
  must_change_password: false,
}

const originalAdapter = http.defaults.adapter

function serve(handler: StubHandler) {
  const stub = stubAdapter(handler)
  http.defaults.adapter = stub.adapter
  return stub.calls
}

const backend: StubHandler = (call) => {
  if (call.url === '/auth/token') {
    const body = call.data as { username: string; password: string }
    if (body.password !== 'Correct#Horse9')
      return { status: 401, data: { code: 'invalid_credentials', detail: '用户名或密码错误' } }
    return { status: 200, data: { access: 'a1', refresh: 'r1', must_change_password: false } }
  }
  if (call.url === '/auth/me') return { status: 200, data: officer }
  if (call.url === '/auth/logout') return { status: 204 }
  return { status: 404, data: { code: 'not_found', detail: '未找到' } }
}

describe('user store', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
  })

  afterEach(() => {
    http.defaults.adapter = originalAdapter
  })

  it('logs in, stores both tokens and loads roles and permissions', async () => {
    const calls = serve(backend)
    const user = useUserStore()
    await user.login('yj_officer', 'Correct#Horse9')

    expect(getAccessToken()).toBe('a1')
    expect(getRefreshToken()).toBe('r1')
    expect(user.isLoggedIn).toBe(true)
    expect(user.me?.display_name).toBe('李警官')
    expect(user.roleLabel).toBe('民警')
    const me = calls.find((c) => c.url === '/auth/me')
    expect(me?.auth).toBe('Bearer a1')
  })

  it('can() answers from the loaded permissions and reacts to changes', async () => {
    serve(backend)
    const user = useUserStore()
    const canClaim = computed(() => user.can('cases.claim_case'))
    const canManage = computed(() => user.can('accounts.manage_users'))
    expect(canClaim.value).toBe(false)

    await user.login('yj_officer', 'Correct#Horse9')
    expect(canClaim.value).toBe(true)
    expect(canManage.value).toBe(false)
    expect(user.canAny(['accounts.manage_users', 'cases.decide_case'])).toBe(true)

    user.me = { ...officer, permissions: [...officer.permissions, 'accounts.manage_users'] }
    expect(canManage.value).toBe(true)
  })

  it('surfaces the server message when the password is wrong and stores nothing', async () => {
    serve(backend)
    const user = useUserStore()
    const error = await user.login('yj_officer', 'wrong').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).detail).toBe('用户名或密码错误')
    expect(getAccessToken()).toBeNull()
    expect(user.isLoggedIn).toBe(false)
  })

  it('flags a forced password change', async () => {
    serve((call) =>
      call.url === '/auth/me'
        ? { status: 200, data: { ...officer, must_change_password: true } }
        : backend(call),
    )
    const user = useUserStore()
    await user.login('yj_officer', 'Correct#Horse9')
    expect(user.mustChangePassword).toBe(true)
  })

  it('logout blacklists the refresh token and forgets everything', async () => {
    const calls = serve(backend)
    const user = useUserStore()
    await user.login('yj_officer', 'Correct#Horse9')
    user.logout()

    await vi.waitFor(() => expect(calls.some((c) => c.url === '/auth/logout')).toBe(true))
    expect(calls.find((c) => c.url === '/auth/logout')?.data).toEqual({ refresh: 'r1' })
    expect(getAccessToken()).toBeNull()
    expect(getRefreshToken()).toBeNull()
    expect(user.me).toBeNull()
    expect(user.isLoggedIn).toBe(false)
    expect(user.can('cases.view_case')).toBe(false)
  })
})
