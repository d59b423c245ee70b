import { beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('element-plus', () => ({
  ElMessage: { error: vi.fn(), warning: vi.fn(), success: vi.fn() },
}))

import { ElMessage } from 'element-plus'
import { useFormDialog } from '@/composables/useFormDialog'
import { useList } from '@/composables/useList'
import { usePagedList } from '@/composables/usePagedList'
import { ApiError, type Page } from '@/utils/http'
import { deferred } from './helpers'

const page = <T>(results: T[], count?: number): Page<T> => ({
  results,
  next: null,
  previous: null,
  count,
})

const fieldError = () =>
  new ApiError(400, 'invalid', '提交的内容有误', { errors: { name: ['太短', '已存在'] } })

describe('useList', () => {
  it('is loading while the request runs, then holds the rows', async () => {
    const reply = deferred<string[]>()
    const list = useList(
      () => reply.promise,
      () => '加载失败',
    )
    const done = list.load()
    expect(list.loading.value).toBe(true)
    expect(list.error.value).toBeNull()
    reply.resolve(['a', 'b'])
    await done
    expect(list.loading.value).toBe(false)
    expect(list.rows.value).toEqual(['a', 'b'])
  })

  it('shows the server message for an API error and empties the rows', async () => {
    const fetch = vi.fn<() => Promise<string[]>>().mockResolvedValueOnce(['a'])
    const list = useList(fetch, () => '加载失败')
    await list.load()
    fetch.mockRejectedValueOnce(new ApiError(403, 'forbidden', '没有权限'))
    await list.load()
    expect(list.rows.value).toEqual([])
    expect(list.error.value).toBe('没有权限')
    expect(list.loading.value).toBe(false)
  })

  it('falls back to its own message for other failures, and clears it on the next load', async () => {
    const fetch = vi.fn<() => Promise<string[]>>().mockRejectedValueOnce(new Error('offline'))
    const list = useList(fetch, () => '加载失败')
    await list.load()
    expect(list.error.value).toBe('加载失败')
    fetch.mockResolvedValueOnce(['x'])
    await list.load()
    expect(list.error.value).toBeNull()
    expect(list.rows.value).toEqual(['x'])
  })
})

describe('usePagedList', () => {
  it('asks for the current page and takes the total from the count', async () => {
    const fetch = vi.fn(async (_page: number) => page(['a', 'b'], 45))
    const list = usePagedList(fetch, () => '加载失败', 3)
    await list.load()
    expect(fetch).toHaveBeenCalledWith(3)
    expect(list.page.value).toBe(3)
    expect(list.rows.value).toEqual(['a', 'b'])
    expect(list.total.value).toBe(45)
  })

  it('counts the rows when the server sends no count', async () => {
    const list = usePagedList(
      async () => page(['a', 'b', 'c']),
      () => '加载失败',
    )
    await list.load()
    expect(list.total.value).toBe(3)
  })

  it('search goes back to the first page and loads with the current filters', async () => {
    const filters = { plate: '' }
    const listWarnings = vi.fn(async (_params: { page: number; plate?: string }) => page(['w'], 60))
    const list = usePagedList(
      (n) => listWarnings({ page: n, plate: filters.plate || undefined }),
      () => '加载失败',
      4,
    )
    await list.load()
    expect(listWarnings).toHaveBeenLastCalledWith({ page: 4, plate: undefined })

    filters.plate = '桂L12345'
    list.search()
    expect(list.page.value).toBe(1)
    expect(list.loading.value).toBe(true)
    await vi.waitFor(() => expect(list.loading.value).toBe(false))
    expect(listWarnings).toHaveBeenLastCalledWith({ page: 1, plate: '桂L12345' })
  })

  it('an API error empties the rows and keeps the page', async () => {
    const fetch = vi
      .fn<(n: number) => Promise<Page<string>>>()
      .mockResolvedValueOnce(page(['a'], 30))
      .mockRejectedValueOnce(new ApiError(500, 'server_error', '服务器错误'))
    const list = usePagedList(fetch, () => '加载失败')
    await list.load()
    list.page.value = 2
    await list.load()
    expect(fetch).toHaveBeenLastCalledWith(2)
    expect(list.rows.value).toEqual([])
    expect(list.error.value).toBe('服务器错误')
    expect(list.page.value).toBe(2)
  })
})

describe('useFormDialog', () => {
  beforeEach(() => vi.mocked(ElMessage.error).mockClear())

  it('opens for a row with the old field errors cleared', () => {
    const dialog = useFormDialog<{ id: number }>(() => '；')
    dialog.fieldErrors.value = { name: '必填' }
    dialog.open({ id: 5 })
    expect(dialog.dialogOpen.value).toBe(true)
    expect(dialog.editing.value).toEqual({ id: 5 })
    expect(dialog.fieldErrors.value).toEqual({})
    dialog.open(null)
    expect(dialog.editing.value).toBeNull()
  })

  it('saves, closes and then reloads', async () => {
    const dialog = useFormDialog<{ id: number }>(() => '；')
    dialog.open(null)
    const reply = deferred()
    const order: string[] = []
    const done = dialog.save(
      async () => {
        await reply.promise
        order.push('request')
      },
      async () => {
        order.push(`reload (open: ${dialog.dialogOpen.value})`)
      },
    )
    expect(dialog.saving.value).toBe(true)
    reply.resolve()
    await done
    expect(order).toEqual(['request', 'reload (open: false)'])
    expect(dialog.saving.value).toBe(false)
    expect(dialog.dialogOpen.value).toBe(false)
  })

  it('puts API field errors next to the fields and stays open', async () => {
    const dialog = useFormDialog<{ id: number }>(() => '；')
    dialog.open({ id: 1 })
    const reload = vi.fn(async () => {})
    await dialog.save(async () => {
      throw fieldError()
    }, reload)
    expect(dialog.fieldErrors.value).toEqual({ name: '太短；已存在' })
    expect(ElMessage.error).toHaveBeenCalledWith('提交的内容有误')
    expect(dialog.dialogOpen.value).toBe(true)
    expect(dialog.saving.value).toBe(false)
    expect(reload).not.toHaveBeenCalled()
  })

  it('leaves other failures to the http client', async () => {
    const dialog = useFormDialog<{ id: number }>(() => '；')
    dialog.open(null)
    await dialog.save(
      async () => {
        throw new Error('network')
      },
      async () => {},
    )
    expect(dialog.fieldErrors.value).toEqual({})
    expect(ElMessage.error).not.toHaveBeenCalled()
    expect(dialog.dialogOpen.value).toBe(true)
    expect(dialog.saving.value).toBe(false)
  })
})
