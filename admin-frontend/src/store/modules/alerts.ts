import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { getAlertTicket, listAllAlertsAfter, markAlertsRead, type AlertItem } from '@/api/alerts'
import {
  AlertSocket,
  CONNECTION_LABELS,
  type AlertSource,
  type ConnectionState,
} from '@/utils/alertSocket'
import { beep, showDesktopNotification } from '@/utils/notify'
import { t, translatedTable } from '@/i18n'

const KEEP = 200

export const ALERT_TYPE_LABELS: Record<string, string> = translatedTable('alertTypes', {
  'case.new': '新案件',
  'case.updated': '案件更新',
  'case.transferred': '案件转办',
  'fraud.warning': '骗保预警',
})

export const useAlertStore = defineStore('alerts', () => {
  const items = ref<AlertItem[]>([])
  const state = ref<ConnectionState>('idle')
  const lastCaseAlert = ref<AlertItem | null>(null)
  const socket = shallowRef<AlertSocket | null>(null)
  let primed = false
  let openCase: ((caseId: number) => void) | null = null

  const unread = computed(() => items.value.filter((item) => !item.read).length)
  const stateLabel = computed(() => CONNECTION_LABELS[state.value])

  function receive(alerts: AlertItem[], source: AlertSource): void {
    const merged = [...alerts.map((a) => ({ ...a, read: a.read ?? false })), ...items.value]
    merged.sort((a, b) => b.id - a.id)
    items.value = merged.slice(0, KEEP)
    const caseAlerts = alerts.filter((a) => a.case_id != null)
    if (caseAlerts.length) lastCaseAlert.value = caseAlerts[caseAlerts.length - 1]

    // The first catch-up after login is history, not news: no sound for it.
    const isNews = source === 'live' || primed
    primed = true
    const fresh = alerts.filter((a) => !a.read)
    if (!isNews || fresh.length === 0) return
    beep()
    const newest = fresh[fresh.length - 1]
    const body =
      fresh.length > 1
        ? t('alerts.k5', { p0: newest.title, p1: fresh.length })
        : (newest.receipt_no ?? '')
    showDesktopNotification(newest.title || t('alerts.k6'), body, () => {
      if (newest.case_id != null) openCase?.(newest.case_id)
    })
  }

  function connect(onOpenCase?: (caseId: number) => void): void {
    if (socket.value) return
    openCase = onOpenCase ?? null
    primed = false
    const client = new AlertSocket({
      getTicket: getAlertTicket,
      fetchAfter: listAllAlertsAfter,
      onAlerts: receive,
      onStateChange: (next) => {
        state.value = next
      },
    })
    socket.value = client
    client.start()
  }

  function disconnect(): void {
    socket.value?.stop()
    socket.value = null
    items.value = []
    state.value = 'idle'
    lastCaseAlert.value = null
  }

  async function markAllRead(): Promise<void> {
    const top = items.value[0]
    if (!top) return
    items.value = items.value.map((item) => ({ ...item, read: true }))
    try {
      await markAlertsRead(top.id)
    } catch {
      // The unread count is a convenience; a failed sync must not block the officer.
    }
  }

  return {
    items,
    state,
    stateLabel,
    unread,
    lastCaseAlert,
    receive,
    connect,
    disconnect,
    markAllRead,
  }
})
