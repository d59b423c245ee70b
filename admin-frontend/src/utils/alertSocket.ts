import type { AlertItem } from '@/api/alerts'
import { translatedTable } from '@/i18n'

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed'

export const CONNECTION_LABELS: Record<ConnectionState, string> = translatedTable('connection', {
  idle: '已断开',
  connecting: '连接中',
  open: '已连接',
  reconnecting: '重连中',
  closed: '已断开',
})

/** The part of the browser WebSocket this client uses, so tests can pass a fake. */
export interface SocketLike {
  readyState: number
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code?: number }) => void) | null
  onerror: ((event: unknown) => void) | null
  send(data: string): void
  close(code?: number, reason?: string): void
}

export type SocketFactory = (url: string) => SocketLike

export type AlertSource = 'live' | 'resync'

export interface AlertSocketOptions {
  /** Single-use ticket so the long-lived JWT never travels in a URL. */
  getTicket: () => Promise<string>
  /** Alerts stored after `after`, oldest first. */
  fetchAfter: (after: number) => Promise<AlertItem[]>
  onAlerts: (alerts: AlertItem[], source: AlertSource) => void
  onStateChange?: (state: ConnectionState) => void
  /** Build the socket URL for a ticket; defaults to the page's own host. */
  buildUrl?: (ticket: string) => string
  createSocket?: SocketFactory
  initialDelayMs?: number
  maxDelayMs?: number
  /** Fraction of the delay that is randomised, so a restarted server is not hit by everyone at once. */
  jitter?: number
  random?: () => number
  /** Without any message (the server pings) for this long, the link is presumed dead. */
  silenceTimeoutMs?: number
  lastId?: number
}

const OPEN = 1

export function defaultAlertUrl(ticket: string): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${window.location.host}/ws/alerts/?ticket=${encodeURIComponent(ticket)}`
}

function isAlert(message: Record<string, unknown>): boolean {
  return typeof message.id === 'number' && typeof message.type === 'string'
}

export class AlertSocket {
  private readonly options: Required<Omit<AlertSocketOptions, 'onStateChange' | 'lastId'>> &
    Pick<AlertSocketOptions, 'onStateChange'>

  private socket: SocketLike | null = null
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null
  private silenceTimer: ReturnType<typeof setTimeout> | null = null
  private stopped = true
  private seen = new Set<number>()
  /** Bumped on every connect so late callbacks of an abandoned socket are ignored. */
  private generation = 0

  attempt = 0
  lastId: number
  state: ConnectionState = 'idle'

  constructor(options: AlertSocketOptions) {
    this.options = {
      buildUrl: defaultAlertUrl,
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      initialDelayMs: 1000,
      maxDelayMs: 30000,
      jitter: 0.2,
      random: Math.random,
      silenceTimeoutMs: 75000,
      ...options,
    }
    this.lastId = options.lastId ?? 0
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.attempt = 0
    void this.connect()
  }

  stop(): void {
    this.stopped = true
    this.generation += 1
    this.clearTimers()
    const socket = this.socket
    this.socket = null
    if (socket) {
      socket.onclose = null
      socket.onmessage = null
      socket.onerror = null
      socket.onopen = null
      socket.close(1000, 'logout')
    }
    this.setState('closed')
  }

  /** Delay before the next reconnect: 1s, 2s, 4s … capped, minus up to `jitter` of it. */
  nextDelay(attempt: number): number {
    const { initialDelayMs, maxDelayMs, jitter, random } = this.options
    const base = Math.min(maxDelayMs, initialDelayMs * 2 ** attempt)
    return Math.round(base * (1 - jitter * random()))
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return
    this.state = state
    this.options.onStateChange?.(state)
  }

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    if (this.silenceTimer) clearTimeout(this.silenceTimer)
    this.reconnectTimer = null
    this.silenceTimer = null
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting')
    // Catch up over HTTP on every attempt too: while the socket cannot be opened (a proxy without
    // WebSocket support, a restarting server) the feed still fills at the back-off pace.
    void this.resync(generation)
    let ticket: string
    try {
      ticket = await this.options.getTicket()
    } catch {
      if (generation === this.generation) this.scheduleReconnect()
      return
    }
    if (generation !== this.generation || this.stopped) return

    let socket: SocketLike
    try {
      socket = this.options.createSocket(this.options.buildUrl(ticket))
    } catch {
      this.scheduleReconnect()
      return
    }
    this.socket = socket
    socket.onopen = () => {
      if (generation !== this.generation) return
      this.setState('open')
      this.armSilenceTimer()
      void this.resync(generation)
    }
    socket.onmessage = (event) => {
      if (generation !== this.generation) return
      this.handleMessage(event.data)
    }
    socket.onerror = () => {
      // A close event always follows; reconnecting happens there.
    }
    socket.onclose = () => {
      if (generation !== this.generation) return
      this.socket = null
      if (this.silenceTimer) clearTimeout(this.silenceTimer)
      this.silenceTimer = null
      if (!this.stopped) this.scheduleReconnect()
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return
    const delay = this.nextDelay(this.attempt)
    this.attempt += 1
    this.setState('reconnecting')
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      void this.connect()
    }, delay)
  }

  private armSilenceTimer(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer)
    this.silenceTimer = setTimeout(() => {
      // A half-open TCP connection never fires close by itself; force it.
      this.socket?.close(4000, 'silent')
    }, this.options.silenceTimeoutMs)
  }

  private async resync(generation: number): Promise<void> {
    try {
      const missed = await this.options.fetchAfter(this.lastId)
      if (generation !== this.generation) return
      this.accept(missed, 'resync')
    } catch {
      // The live socket still works; the next reconnect retries the catch-up.
    }
  }

  private handleMessage(raw: unknown): void {
    this.armSilenceTimer()
    let message: Record<string, unknown>
    try {
      message = JSON.parse(String(raw)) as Record<string, unknown>
    } catch {
      return
    }
    if (message.type === 'ping') {
      if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify({ type: 'pong' }))
      return
    }
    if (message.type === 'hello') {
      // The server accepted us: only now is the back-off earned back.
      this.attempt = 0
      return
    }
    if (isAlert(message)) this.accept([message as unknown as AlertItem], 'live')
  }

  private accept(alerts: AlertItem[], source: AlertSource): void {
    const fresh: AlertItem[] = []
    for (const alert of alerts) {
      if (this.seen.has(alert.id)) continue
      this.seen.add(alert.id)
      fresh.push(alert)
      if (alert.id > this.lastId) this.lastId = alert.id
    }
    if (this.seen.size > 5000) {
      // Ids only grow, so forgetting the oldest half cannot let a duplicate through after resync.
      const keep = [...this.seen].sort((a, b) => a - b).slice(-2500)
      this.seen = new Set(keep)
    }
    if (fresh.length) this.options.onAlerts(fresh, source)
  }
}
