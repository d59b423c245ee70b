import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import Layout from '@/layout/index.vue'
import { useUserStore } from '@/store/modules/user'
import { ApiError } from '@/utils/http'
import { routeTitle, t } from '@/i18n'
import { insurerRoutes } from './modules/insurer'
import { systemRoutes } from './modules/system'
import { workRoutes } from './modules/work'

/** Routes shown in the side menu, in order. */
export const menuRoutes: RouteRecordRaw[] = [...workRoutes, ...insurerRoutes, ...systemRoutes]

const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/login/index.vue'),
    meta: { title: '登录', public: true },
  },
  {
    path: '/change-password',
    name: 'change-password',
    component: () => import('@/views/login/change-password.vue'),
    meta: { title: '修改密码' },
  },
  {
    path: '/',
    component: Layout,
    children: [
      { path: '', name: 'home', component: () => import('@/views/error/403.vue') },
      ...menuRoutes,
      {
        path: '403',
        name: 'forbidden',
        component: () => import('@/views/error/403.vue'),
        meta: { title: '无权访问', hidden: true },
      },
      {
        path: ':pathMatch(.*)*',
        name: 'not-found',
        component: () => import('@/views/error/404.vue'),
        meta: { title: '页面不存在', hidden: true },
      },
    ],
  },
]

export const router = createRouter({
  history: createWebHistory('/admin/'),
  routes,
  scrollBehavior: () => ({ top: 0 }),
})

/** Where a user lands after login: the first page their permissions open. */
export function homeLocation(): { name: string } {
  const user = useUserStore()
  const first = menuRoutes.find(
    (route) => !route.meta?.hidden && (!route.meta?.perm || user.can(route.meta.perm)),
  )
  return { name: (first?.name as string) ?? 'forbidden' }
}

router.beforeEach(async (to) => {
  const user = useUserStore()
  if (to.meta.public) {
    if (to.name === 'login' && user.isLoggedIn && user.me) return homeLocation()
    return true
  }
  if (!user.isLoggedIn) return { name: 'login', query: { redirect: to.fullPath } }
  if (!user.me) {
    try {
      await user.loadMe()
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        user.logout(false)
        return { name: 'login', query: { redirect: to.fullPath } }
      }
      // The server is unreachable: keep the session and let the pages show their error state.
      return to.name === 'forbidden' ? true : { name: 'forbidden', query: { offline: '1' } }
    }
  }
  if (user.mustChangePassword && to.name !== 'change-password') return { name: 'change-password' }
  if (to.name === 'home') return homeLocation()
  if (to.meta.perm && !user.can(to.meta.perm)) return { name: 'forbidden' }
  return true
})

router.afterEach((to) => {
  const title = routeTitle(to.name, to.meta.title)
  document.title = title ? `${title} · ${t('app.title')}` : t('app.title')
})
