import { createApp } from 'vue'
import 'leaflet/dist/leaflet.css'
import '../shared/base.css'
import App from './App.vue'
import { router } from './router'
import { i18n } from '../shared/i18n'
import { onUnauthorized } from '../shared/api'
import { session } from '../shared/session'

onUnauthorized(() => {
  session.user = null
  if (router.currentRoute.value.name !== 'login') router.push({ name: 'login' })
})

createApp(App).use(i18n).use(router).mount('#app')
