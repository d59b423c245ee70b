import { ElMessage } from 'element-plus'
import { router } from '@/router'
import { useAlertStore } from '@/store/modules/alerts'
import { useUserStore } from '@/store/modules/user'

let ending = false

/** The one way out of a session: stop the socket, drop tokens, go to the login page. */
export async function endSession(message?: string, notifyServer = true): Promise<void> {
  if (ending) return
  ending = true
  try {
    useAlertStore().disconnect()
    useUserStore().logout(notifyServer)
    if (message) ElMessage.warning({ message, grouping: true })
    const current = router.currentRoute.value
    if (current.name !== 'login') {
      await router.replace({
        name: 'login',
        query: current.meta.public ? {} : { redirect: current.fullPath },
      })
    }
  } finally {
    ending = false
  }
}
