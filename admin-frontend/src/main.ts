import { createApp } from 'vue'
import ElementPlus from 'element-plus'
import zhCn from 'element-plus/es/locale/lang/zh-cn'
import * as Icons from '@element-plus/icons-vue'
import 'element-plus/dist/index.css'
import 'leaflet/dist/leaflet.css'
import './styles/index.css'
import App from './App.vue'
import { router } from './router'
import { pinia } from './store'
import { onAuthFailure } from './utils/http'
import { endSession } from './utils/session'

const app = createApp(App)
app.use(pinia)
app.use(router)
app.use(ElementPlus, { locale: zhCn })
for (const [name, component] of Object.entries(Icons)) app.component(name, component)

// The refresh token is spent or revoked: the server already forgot us, no need to tell it.
onAuthFailure((message) => void endSession(message, false))

app.mount('#app')
