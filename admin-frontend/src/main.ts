import { createApp } from 'vue'
import ElementPlus from 'element-plus'
import * as Icons from '@element-plus/icons-vue'
import 'element-plus/dist/index.css'
import 'leaflet/dist/leaflet.css'
import './styles/index.css'
import App from './App.vue'
import { router } from './router'
import { i18n } from './i18n'
import { pinia } from './store'
import { onAuthFailure } from './utils/http'
import { endSession } from './utils/session'

const app = createApp(App)
app.use(pinia)
app.use(router)
app.use(i18n)
// The Element Plus locale follows the app language through <el-config-provider> in App.vue.
app.use(ElementPlus)
for (const [name, component] of Object.entries(Icons)) app.component(name, component)

// The refresh token is spent or revoked: the server already forgot us, no need to tell it.
onAuthFailure((message) => void endSession(message, false))

app.mount('#app')
