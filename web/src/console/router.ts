// Routes of the staff console. Pages load on demand; every page but login
// needs a session.
import { createRouter, createWebHistory } from 'vue-router'
import { loadSession, session } from '../shared/session'

export const router = createRouter({
  history: createWebHistory('/'),
  routes: [
    { path: '/', redirect: '/map' },
    { path: '/login', name: 'login', component: () => import('./pages/LoginPage.vue'), meta: { open: true } },
    { path: '/map', name: 'map', component: () => import('./pages/MapPage.vue') },
    { path: '/households', name: 'households', component: () => import('./pages/HouseholdsPage.vue') },
    { path: '/households/:id', name: 'household', component: () => import('./pages/HouseholdDetailPage.vue') },
    { path: '/residents', name: 'residents', component: () => import('./pages/ResidentsPage.vue') },
    { path: '/residents/new', name: 'resident-new', component: () => import('./pages/ResidentFormPage.vue') },
    { path: '/residents/:id', name: 'resident', component: () => import('./pages/ResidentDetailPage.vue') },
    { path: '/residents/:id/edit', name: 'resident-edit', component: () => import('./pages/ResidentFormPage.vue') },
    { path: '/import', name: 'import', component: () => import('./pages/ImportPage.vue') },
    { path: '/users', name: 'users', component: () => import('./pages/UsersPage.vue') },
    { path: '/places', name: 'places', component: () => import('./pages/PlacesPage.vue') },
    { path: '/places/:id(\\d+)', name: 'place', component: () => import('./pages/PlaceDetailPage.vue') },
    { path: '/flows', name: 'flows', component: () => import('./pages/FlowsPage.vue') },
    { path: '/screening', name: 'screening', component: () => import('./pages/ScreeningPage.vue') },
    { path: '/health', name: 'health', component: () => import('./pages/HealthDailyPage.vue') },
    { path: '/health/people/:id(\\d+)', name: 'health-person', component: () => import('./pages/HealthPersonPage.vue') },
    { path: '/tracing', name: 'tracing', component: () => import('./pages/TracingPage.vue') },
    { path: '/tracing/:id(\\d+)', name: 'tracing-run', component: () => import('./pages/TracingRunPage.vue') },
    { path: '/epi', name: 'epi', component: () => import('./pages/EpiPage.vue') },
    { path: '/warnings', name: 'warnings', component: () => import('./pages/WarningsPage.vue') },
    { path: '/warnings/:id(\\d+)', name: 'warning', component: () => import('./pages/WarningDetailPage.vue') },
    { path: '/risks', name: 'risks', component: () => import('./pages/RisksPage.vue') },
    { path: '/levels/rules', name: 'level-rules', component: () => import('./pages/LevelRulesPage.vue') },
    { path: '/audit', name: 'audit', component: () => import('./pages/AuditPage.vue') },
    // What a resident's personal QR code opens (<public-url>/pass/<token>).
    { path: '/pass/:token', name: 'pass', component: () => import('./pages/PassPage.vue') },
    { path: '/:rest(.*)*', name: 'not-found', component: () => import('./pages/NotFoundPage.vue') },
  ],
})

router.beforeEach(async (to) => {
  if (!session.loaded) await loadSession()
  if (!to.meta.open && !session.user) return { name: 'login', query: { next: to.fullPath } }
  if (to.name === 'login' && session.user) return { name: 'map' }
  return true
})
