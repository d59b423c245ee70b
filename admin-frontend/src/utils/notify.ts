let audioContext: AudioContext | null = null

/** A short two-tone beep; silently does nothing where audio is blocked or unavailable. */
export function beep(): void {
  try {
    const Context =
      window.AudioContext ??
      (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext
    if (!Context) return
    audioContext ??= new Context()
    const ctx = audioContext
    if (ctx.state === 'suspended') void ctx.resume()
    const gain = ctx.createGain()
    gain.connect(ctx.destination)
    gain.gain.setValueAtTime(0.0001, ctx.currentTime)
    gain.gain.exponentialRampToValueAtTime(0.25, ctx.currentTime + 0.02)
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.35)
    const osc = ctx.createOscillator()
    osc.type = 'sine'
    osc.frequency.setValueAtTime(880, ctx.currentTime)
    osc.frequency.setValueAtTime(660, ctx.currentTime + 0.15)
    osc.connect(gain)
    osc.start()
    osc.stop(ctx.currentTime + 0.36)
  } catch {
    // Autoplay policies may refuse before the first user gesture.
  }
}

export function notificationPermission(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission
}

export async function requestNotificationPermission(): Promise<
  NotificationPermission | 'unsupported'
> {
  if (typeof Notification === 'undefined') return 'unsupported'
  return Notification.requestPermission()
}

export function showDesktopNotification(title: string, body: string, onClick?: () => void): void {
  if (notificationPermission() !== 'granted') return
  try {
    const note = new Notification(title, { body, tag: 'kckp-alert', icon: '/admin/favicon.svg' })
    note.onclick = () => {
      window.focus()
      onClick?.()
      note.close()
    }
  } catch {
    // Some browsers only allow notifications from a service worker.
  }
}
