import { i18n, isEnglish, t } from '@/i18n'
import zhCN from '@/locales/zh-CN'

/** Chinese labels, as the server also sends them (status_label). */
export const STATUS_LABELS: Record<string, string> = zhCN.status

// What to do now, when the server sends no next_step of its own.
export const DEFAULT_NEXT: Record<string, string> = zhCN.statusNext

/**
 * The label of a case status. The server's status_label is Chinese: shown as sent in
 * Chinese, while in English the status code is translated on the phone instead.
 */
export function statusLabel(status: string, label?: string): string {
  if (isEnglish()) {
    return i18n.global.te(`status.${status}`) ? t(`status.${status}`) : label || status
  }
  return label || STATUS_LABELS[status] || status
}

/** The next-step advice: the server's (Chinese) text, or the translated default in English. */
export function nextStepText(status: string, serverText?: string): string {
  if (isEnglish()) return i18n.global.te(`statusNext.${status}`) ? t(`statusNext.${status}`) : ''
  return serverText || DEFAULT_NEXT[status] || ''
}
