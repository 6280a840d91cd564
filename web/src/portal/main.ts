import { createApp } from 'vue'
import '../shared/base.css'
import App from './App.vue'
import { i18n } from '../shared/i18n'
import { onUnauthorized } from '../shared/api'
import { session } from '../shared/session'

// A session that ends (expired, signed out elsewhere) brings the login back.
onUnauthorized(() => {
  session.user = null
})

document.documentElement.lang = i18n.global.locale.value
createApp(App).use(i18n).mount('#app')
