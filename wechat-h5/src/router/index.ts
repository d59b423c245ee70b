import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { STEPS, STEP_TITLES, type StepKey } from '@/stores/steps'
import { useWizardStore } from '@/stores/wizard'
import { pageTitle } from '@/i18n'

const stepViews: Record<StepKey, () => Promise<unknown>> = {
  safety: () => import('@/views/report/SafetyStep.vue'),
  checklist: () => import('@/views/report/ChecklistStep.vue'),
  location: () => import('@/views/report/LocationStep.vue'),
  time: () => import('@/views/report/TimeStep.vue'),
  photos: () => import('@/views/report/PhotosStep.vue'),
  parties: () => import('@/views/report/PartiesStep.vue'),
  review: () => import('@/views/report/ReviewStep.vue'),
}

declare module 'vue-router' {
  interface RouteMeta {
    /**
     * The page needs an owner identity (a session token): where WeChat is required and
     * this page has none, App shows "open in WeChat" instead.
     */
    owner?: boolean
  }
}

const routes: RouteRecordRaw[] = [
  {
    path: '/',
    name: 'home',
    component: () => import('@/views/HomeView.vue'),
    meta: { title: '快处快赔' },
  },
  ...STEPS.map((step): RouteRecordRaw => ({
    path: `/report/${step}`,
    name: `report-${step}`,
    component: stepViews[step] as RouteRecordRaw['component'] & object,
    meta: { title: STEP_TITLES[step], step, owner: true },
  })),
  {
    path: '/report/call-122',
    name: 'call-122',
    component: () => import('@/views/report/Call122View.vue'),
    meta: { title: '请拨打122报警' },
  },
  {
    path: '/report/receipt/:id?',
    name: 'receipt',
    component: () => import('@/views/report/ReceiptView.vue'),
    meta: { title: '报案成功' },
  },
  { path: '/report', redirect: '/report/safety' },
  {
    path: '/track',
    name: 'track',
    component: () => import('@/views/TrackView.vue'),
    meta: { title: '进度查询' },
  },
  {
    path: '/cases',
    name: 'cases',
    component: () => import('@/views/MyCasesView.vue'),
    meta: { title: '我的案件', owner: true },
  },
  {
    path: '/cases/:id',
    name: 'case-detail',
    component: () => import('@/views/CaseDetailView.vue'),
    meta: { title: '案件进度', owner: true },
  },
  {
    path: '/cases/:id/liability',
    name: 'liability',
    component: () => import('@/views/LiabilityView.vue'),
    meta: { title: '帮我判断责任', owner: true },
  },
  {
    path: '/agreement/:receipt?',
    name: 'agreement',
    component: () => import('@/views/AgreementView.vue'),
    meta: { title: '事故协议书' },
  },
  {
    path: '/guide',
    name: 'guide',
    component: () => import('@/views/guide/GuideHome.vue'),
    meta: { title: '操作指南' },
  },
  {
    path: '/guide/category/:id',
    name: 'guide-category',
    component: () => import('@/views/guide/GuideCategory.vue'),
    meta: { title: '操作指南' },
  },
  {
    path: '/guide/articles/:id',
    name: 'guide-article',
    component: () => import('@/views/guide/GuideArticle.vue'),
    meta: { title: '操作指南' },
  },
  { path: '/:pathMatch(.*)*', redirect: '/' },
]

export const router = createRouter({
  history: createWebHistory('/h5/'),
  routes,
  scrollBehavior: () => ({ top: 0 }),
})

router.beforeEach((to) => {
  const step = to.meta.step as StepKey | undefined
  if (!step) return true
  const wizard = useWizardStore()
  // Steps past the checklist are closed until every must-call-police question is answered "否".
  if (!wizard.canEnter(step)) return { name: 'report-checklist' }
  wizard.goTo(step)
  return true
})

router.afterEach((to) => {
  document.title = pageTitle(to.name, to.meta.title)
})
