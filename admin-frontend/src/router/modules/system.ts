import type { RouteRecordRaw } from 'vue-router'

export const systemRoutes: RouteRecordRaw[] = [
  {
    path: 'system/guide',
    name: 'guide',
    component: () => import('@/views/system/guide/index.vue'),
    meta: { title: '操作指南', icon: 'Reading', perm: 'guide.change_article', group: 'system' },
  },
  {
    path: 'system/guide/new',
    name: 'guide-new',
    component: () => import('@/views/system/guide/form.vue'),
    meta: {
      title: '新建指南文章',
      perm: 'guide.change_article',
      hidden: true,
      activeMenu: '/system/guide',
    },
  },
  {
    path: 'system/guide/:id(\\d+)',
    name: 'guide-edit',
    component: () => import('@/views/system/guide/form.vue'),
    meta: {
      title: '编辑指南文章',
      perm: 'guide.change_article',
      hidden: true,
      activeMenu: '/system/guide',
    },
  },
  {
    path: 'system/users',
    name: 'users',
    component: () => import('@/views/system/users/index.vue'),
    meta: { title: '用户管理', icon: 'User', perm: 'accounts.manage_users', group: 'system' },
  },
  {
    path: 'system/roles',
    name: 'roles',
    component: () => import('@/views/system/roles/index.vue'),
    meta: { title: '角色权限', icon: 'Lock', perm: 'accounts.manage_users', group: 'system' },
  },
  {
    path: 'system/units',
    name: 'units',
    component: () => import('@/views/system/units/index.vue'),
    meta: { title: '单位管理', icon: 'OfficeBuilding', perm: 'units.change_unit', group: 'system' },
  },
  {
    path: 'system/parameters',
    name: 'parameters',
    component: () => import('@/views/system/parameters/index.vue'),
    meta: { title: '参数设置', icon: 'Setting', perm: 'system.change_parameter', group: 'system' },
  },
  {
    path: 'system/audit',
    name: 'audit',
    component: () => import('@/views/system/audit/index.vue'),
    meta: { title: '审计日志', icon: 'Document', perm: 'system.view_auditentry', group: 'system' },
  },
]
