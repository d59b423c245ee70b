import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { AlertItem } from '@/api/alerts'
import { AlertSocket, type AlertSocketOptions, type SocketLike } from '@/utils/alertSocket'

class FakeSocket implements SocketLike {
  static instances: FakeSocket[] = []
  readyState = 0
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  sent: string[] = []
  closedWith: number | undefined

  constructor(readonly url: string) {
    FakeSocket.instances.push(this)
  }

  send(data: string): void {
    this.sent.push(data)
  }

  close(code?: number): void {
    this.closedWith = code
    this.serverClose(code)
  }

  // Helpers driving the fake from the "server" side.
  open(): void {
    this.readyState = 1
    this.onopen?.({})
  }

  receive(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) })
  }

  serverClose(code = 1006): void {
    this.readyState = 3
    this.onclose?.({ code })
  }
}

function alert(id: number, extra: Partial<AlertItem> = {}): AlertItem {
  return {
    id,
    type: 'case.new',
    case_id: 100 + id,
    receipt_no: `KC${id}`,
    unit: { id: 2, name: '右江区大队' },
    title: `新案件 ${id}`,
    created_at: '2026-11-25T09:41:07+08:00',
    ...extra,
  }
}

const latest = (): FakeSocket => FakeSocket.instances[FakeSocket.instances.length - 1]

describe('AlertSocket', () => {
  let received: AlertItem[]
  let sources: string[]
  let states: string[]
  let tickets: number
  let fetchAfter: ReturnType<typeof vi.fn<(after: number) => Promise<AlertItem[]>>>

  function make(overrides: Partial<AlertSocketOptions> = {}): AlertSocket {
    return new AlertSocket({
      getTicket: async () => `t${++tickets}`,
      fetchAfter,
      onAlerts: (alerts, source) => {
        received.push(...alerts)
        sources.push(source)
      },
      onStateChange: (state) => states.push(state),
      buildUrl: (ticket) => `ws://test/ws/alerts/?ticket=${ticket}`,
      createSocket: (url) => new FakeSocket(url),
      random: () => 0,
      ...overrides,
    })
  }

  beforeEach(() => {
    vi.useFakeTimers()
    FakeSocket.instances = []
    received = []
    sources = []
    states = []
    tickets = 0
    fetchAfter = vi.fn(async () => [])
  })

  afterEach(() => {
    vi.useRealTimers()
  })

  it('opens with a fresh ticket, resyncs from the last id and answers pings', async () => {
    fetchAfter.mockResolvedValueOnce([alert(1), alert(2)])
    const client = make()
    client.start()
    await vi.advanceTimersByTimeAsync(0)

    expect(latest().url).toBe('ws://test/ws/alerts/?ticket=t1')
    expect(client.state).toBe('connecting')
    latest().open()
    await vi.advanceTimersByTimeAsync(0)

    expect(client.state).toBe('open')
    expect(fetchAfter).toHaveBeenCalledWith(0)
    expect(received.map((a) => a.id)).toEqual([1, 2])
    expect(sources).toEqual(['resync'])

    latest().receive({ type: 'hello', last_id: 2 })
    latest().receive({ type: 'ping' })
    expect(latest().sent).toEqual([JSON.stringify({ type: 'pong' })])

    latest().receive(alert(3))
    expect(received.map((a) => a.id)).toEqual([1, 2, 3])
    expect(sources).toEqual(['resync', 'live'])
    expect(client.lastId).toBe(3)
    client.stop()
  })

  it('drops duplicates seen live and again in a resync', async () => {
    const client = make()
    client.start()
    await vi.advanceTimersByTimeAsync(0)
    const first = latest()
    let resolveResync!: (alerts: AlertItem[]) => void
    fetchAfter.mockImplementationOnce(
      () => new Promise<AlertItem[]>((resolve) => (resolveResync = resolve)),
    )
    first.open()
    // A live alert overtakes the catch-up request that also contains it.
    first.receive(alert(5))
    first.receive(alert(5))
    resolveResync([alert(4), alert(5)])
    await vi.advanceTimersByTimeAsync(0)

    expect(received.map((a) => a.id)).toEqual([5, 4])
    expect(client.lastId).toBe(5)
    client.stop()
  })

  it('reconnects with exponential back-off capped at 30 s and resyncs after the last id', async () => {
    const client = make()
    client.start()
    await vi.advanceTimersByTimeAsync(0)
    latest().open()
    latest().receive({ type: 'hello', last_id: 0 })
    latest().receive(alert(9))
    await vi.advanceTimersByTimeAsync(0)
    expect(FakeSocket.instances).toHaveLength(1)

    // Every attempt fails before the server says hello, so the delay keeps doubling.
    const expected = [1000, 2000, 4000, 8000, 16000, 30000, 30000]
    for (const delay of expected) {
      latest().serverClose()
      expect(client.state).toBe('reconnecting')
      const before = FakeSocket.instances.length
      await vi.advanceTimersByTimeAsync(delay - 1)
      expect(FakeSocket.instances).toHaveLength(before)
      await vi.advanceTimersByTimeAsync(1)
      expect(FakeSocket.instances).toHaveLength(before + 1)
    }
    expect(tickets).toBe(expected.length + 1)

    // A successful reconnect catches up from the newest id seen, then the delay starts over.
    latest().open()
    await vi.advanceTimersByTimeAsync(0)
    expect(fetchAfter).toHaveBeenLastCalledWith(9)
    expect(client.state).toBe('open')
    latest().receive({ type: 'hello', last_id: 9 })
    latest().serverClose()
    const before = FakeSocket.instances.length
    await vi.advanceTimersByTimeAsync(1000)
    expect(FakeSocket.instances).toHaveLength(before + 1)
    client.stop()
  })

  it('spreads reconnects with jitter but never above the cap', () => {
    const low = make({ random: () => 1 })
    expect(low.nextDelay(0)).toBe(800)
    expect(low.nextDelay(3)).toBe(6400)
    expect(low.nextDelay(20)).toBe(24000)
    const high = make({ random: () => 0 })
    expect(high.nextDelay(20)).toBe(30000)
    const mid = make({ random: () => 0.5 })
    expect(mid.nextDelay(1)).toBe(1800)
  })

  it('retries when the ticket request fails', async () => {
    let fail = true
    const client = make({
      getTicket: async () => {
        tickets += 1
        if (fail) throw new Error('offline')
        return 'ok'
      },
    })
    client.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(FakeSocket.instances).toHaveLength(0)
    expect(client.state).toBe('reconnecting')
    fail = false
    await vi.advanceTimersByTimeAsync(1000)
    expect(FakeSocket.instances).toHaveLength(1)
    expect(latest().url).toBe('ws://test/ws/alerts/?ticket=ok')
    client.stop()
  })

  it('treats a silent connection as dead and reconnects', async () => {
    const client = make({ silenceTimeoutMs: 60000 })
    client.start()
    await vi.advanceTimersByTimeAsync(0)
    latest().open()
    latest().receive({ type: 'hello', last_id: 0 })
    await vi.advanceTimersByTimeAsync(59000)
    latest().receive({ type: 'ping' })
    await vi.advanceTimersByTimeAsync(59000)
    expect(FakeSocket.instances).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1000)
    expect(FakeSocket.instances[0].closedWith).toBe(4000)
    await vi.advanceTimersByTimeAsync(1000)
    expect(FakeSocket.instances).toHaveLength(2)
    client.stop()
  })

  it('keeps catching up over HTTP while the socket cannot open', async () => {
    fetchAfter.mockResolvedValueOnce([alert(1)]).mockResolvedValueOnce([alert(2), alert(1)])
    const client = make()
    client.start()
    await vi.advanceTimersByTimeAsync(0)
    latest().serverClose()
    await vi.advanceTimersByTimeAsync(1000)
    expect(fetchAfter.mock.calls.map(([after]) => after)).toEqual([0, 1])
    expect(received.map((a) => a.id)).toEqual([1, 2])
    expect(client.state).toBe('reconnecting')
    client.stop()
  })

  it('stays down after stop()', async () => {
    const client = make()
    client.start()
    await vi.advanceTimersByTimeAsync(0)
    const socket = latest()
    socket.open()
    client.stop()
    expect(client.state).toBe('closed')
    expect(socket.closedWith).toBe(1000)
    await vi.advanceTimersByTimeAsync(60000)
    expect(FakeSocket.instances).toHaveLength(1)
    expect(states).toContain('closed')
  })
})
