import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import * as authApi from '@/api/auth'
import type { Me } from '@/api/auth'
import { clearTokens, getAccessToken, getRefreshToken, setTokens } from '@/utils/token'
import { t, translatedTable } from '@/i18n'

export const ROLE_LABELS: Record<string, string> = translatedTable('roleNames', {
  city_admin: '市级管理员',
  supervisor: '领导',
  officer: '民警',
  insurer: '保险公司',
})

export const useUserStore = defineStore('user', () => {
  const me = ref<Me | null>(null)
  const accessToken = ref<string | null>(getAccessToken())
  const mustChangePassword = ref(false)

  const isLoggedIn = computed(() => accessToken.value !== null)
  const permissions = computed(() => new Set(me.value?.permissions ?? []))
  const roles = computed(() => me.value?.roles ?? [])
  const isInsurerOnly = computed(
    () => roles.value.length > 0 && roles.value.every((role) => role === 'insurer'),
  )
  const roleLabel = computed(() =>
    roles.value.map((role) => ROLE_LABELS[role] ?? role).join(t('user.k5')),
  )

  /** Reactive: templates using `v-if="can('…')"` update when the profile loads or changes. */
  function can(permission: string): boolean {
    return permissions.value.has(permission)
  }

  function canAny(list: string[]): boolean {
    return list.some((permission) => permissions.value.has(permission))
  }

  async function login(username: string, password: string): Promise<Me> {
    const answer = await authApi.login(username, password)
    setTokens(answer)
    accessToken.value = answer.access
    const profile = await loadMe()
    if (answer.must_change_password) mustChangePassword.value = true
    return profile
  }

  async function loadMe(): Promise<Me> {
    const profile = await authApi.fetchMe()
    me.value = profile
    accessToken.value = getAccessToken()
    mustChangePassword.value = Boolean(profile.must_change_password)
    return profile
  }

  async function changePassword(oldPassword: string, newPassword: string): Promise<void> {
    await authApi.changePassword(oldPassword, newPassword)
    mustChangePassword.value = false
    if (me.value) me.value = { ...me.value, must_change_password: false }
  }

  /** Forget everything locally; tell the server to blacklist the refresh token when we can. */
  function logout(notifyServer = true): void {
    const refresh = getRefreshToken()
    if (notifyServer && refresh && getAccessToken()) {
      authApi.logout(refresh).catch(() => {
        // Best effort: the token is dropped locally either way.
      })
    }
    clearTokens()
    accessToken.value = null
    me.value = null
    mustChangePassword.value = false
  }

  /** Called when the http client rotates tokens, so `isLoggedIn` stays truthful. */
  function syncToken(): void {
    accessToken.value = getAccessToken()
  }

  return {
    me,
    accessToken,
    mustChangePassword,
    isLoggedIn,
    permissions,
    roles,
    roleLabel,
    isInsurerOnly,
    can,
    canAny,
    login,
    loadMe,
    changePassword,
    logout,
    syncToken,
  }
})
