const ACTIVITY_KEY = 'kckp.admin.lastActivity'
const EVENTS = ['mousemove', 'mousedown', 'keydown', 'wheel', 'touchstart', 'scroll'] as const

export const IDLE_LIMIT_MS = 30 * 60 * 1000

/**
 * Log out after a period without user input. Activity is shared through localStorage so an officer
 * working in one tab is not logged out by another idle tab.
 */
export function watchIdle(
  onIdle: () => void,
  limitMs = IDLE_LIMIT_MS,
  checkEveryMs = 15000,
): () => void {
  let lastWrite = 0
  const touch = (): void => {
    const now = Date.now()
    // Throttled: mousemove fires far too often to write storage each time.
    if (now - lastWrite < 5000) return
    lastWrite = now
    localStorage.setItem(ACTIVITY_KEY, String(now))
  }
  localStorage.setItem(ACTIVITY_KEY, String(Date.now()))
  for (const name of EVENTS) window.addEventListener(name, touch, { passive: true, capture: true })
  const timer = setInterval(() => {
    const last = Number(localStorage.getItem(ACTIVITY_KEY) ?? Date.now())
    if (Date.now() - last >= limitMs) {
      stop()
      onIdle()
    }
  }, checkEveryMs)
  function stop(): void {
    clearInterval(timer)
    for (const name of EVENTS) window.removeEventListener(name, touch, { capture: true })
  }
  return stop
}
