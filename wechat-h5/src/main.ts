import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'vant/lib/index.css'
import 'leaflet/dist/leaflet.css'
import './styles/main.css'
import App from './App.vue'
import { router } from './router'
import { i18n } from './i18n'
import { bootstrap } from './services/bootstrap'

const app = createApp(App)
app.use(createPinia())
app.use(router)
app.use(i18n)
bootstrap()
app.mount('#app')
