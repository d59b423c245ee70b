import type { RouteRecordRaw } from 'vue-router'

export const insurerRoutes: RouteRecordRaw[] = [
  {
    path: 'insurer',
    name: 'insurer',
    component: () => import('@/views/insurer/index.vue'),
    meta: { title: '保险理赔', icon: 'Search', perm: 'insurers.lookup_case' },
  },
  {
    path: 'insurer/:receiptNo',
    name: 'insurer-case',
    component: () => import('@/views/insurer/index.vue'),
    meta: { title: '保险理赔', perm: 'insurers.lookup_case', hidden: true, activeMenu: '/insurer' },
  },
]
