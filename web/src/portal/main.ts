import { createApp } from 'vue'
import '../shared/base.css'
import App from './App.vue'
import { i18n } from '../shared/i18n'

createApp(App).use(i18n).mount('#app')
