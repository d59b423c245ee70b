import type { RouteRecordRaw } from 'vue-router'

export const workRoutes: RouteRecordRaw[] = [
  {
    path: 'dashboard',
    name: 'dashboard',
    component: () => import('@/views/dashboard/index.vue'),
    meta: { title: '工作台', icon: 'Odometer', perm: 'cases.view_case' },
  },
  {
    path: 'cases',
    name: 'cases',
    component: () => import('@/views/cases/index.vue'),
    meta: { title: '案件管理', icon: 'Tickets', perm: 'cases.view_case' },
  },
  {
    path: 'cases/:id(\\d+)',
    name: 'case-detail',
    component: () => import('@/views/cases/detail.vue'),
    meta: { title: '案件详情', perm: 'cases.view_case', hidden: true, activeMenu: '/cases' },
  },
  {
    path: 'fraud',
    name: 'fraud',
    component: () => import('@/views/fraud/index.vue'),
    meta: { title: '骗保预警', icon: 'Warning', perm: 'fraud.view_fraudwarning' },
  },
  {
    path: 'stats',
    name: 'stats',
    component: () => import('@/views/stats/index.vue'),
    meta: { title: '统计分析', icon: 'DataAnalysis', perm: 'stats.view_stats' },
  },
]
