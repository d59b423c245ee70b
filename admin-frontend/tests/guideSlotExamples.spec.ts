import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus, { ElMessage, ElMessageBox } from 'element-plus'
import type { InternalAxiosRequestConfig } from 'axios'
import { http } from '@/utils/http'
import { setLocale } from '@/i18n'
import type { SlotExample } from '@/api/guide'
import SlotExamples from '@/views/system/guide/components/SlotExamples.vue'
import { deferred, stubAdapter, type StubHandler } from './helpers'

const originalAdapter = http.defaults.adapter
const SLOTS = [
  'scene_front',
  'scene_rear',
  'scene_contact',
  'scene_extra',
  'video',
  'driver_licence',
]
const URL_FRONT = '/api/v1/guide/images/' + 'a'.repeat(64) + '.jpg'

function row(slot: string, example: Partial<SlotExample> | null = null): SlotExample {
  return {
    slot,
    label: slot,
    caption: null,
    image: null,
    image_url: null,
    updated_by: null,
    updated_at: null,
    ...(example ?? {}),
  }
}

function listing(): SlotExample[] {
  return SLOTS.map((slot) =>
    slot === 'scene_front'
      ? row(slot, {
          caption: '站在车头正前方5米拍全景',
          image: 'a'.repeat(64) + '.jpg',
          image_url: URL_FRONT,
          updated_by: '市支队管理员',
          updated_at: '2026-11-30T10:00:00+08:00',
        })
      : row(slot),
  )
}

/** The stub adapter, plus upload progress reported through the request's own callback. */
function useServer(handler: StubHandler, progress?: { loaded: number; total: number }) {
  const { adapter, calls } = stubAdapter(handler)
  http.defaults.adapter = async (config: InternalAxiosRequestConfig) => {
    if (progress && config.onUploadProgress) {
      config.onUploadProgress({ ...progress, bytes: progress.loaded, lengthComputable: true })
    }
    return adapter(config)
  }
  return calls
}

async function mountSection() {
  const wrapper = mount(SlotExamples, {
    global: { plugins: [ElementPlus] },
    attachTo: document.body,
  })
  await flushPromises()
  return wrapper
}

const rowsOf = (wrapper: Awaited<ReturnType<typeof mountSection>>) =>
  wrapper.findAll('.el-table__body-wrapper tbody tr')

function chooseFile(wrapper: Awaited<ReturnType<typeof mountSection>>, file: File) {
  const input = wrapper.find('input[data-test="slot-file"]')
  Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
  return input.trigger('change')
}

describe('guide photo examples (拍照示意图)', () => {
  afterEach(() => {
    http.defaults.adapter = originalAdapter
    document.body.innerHTML = ''
  })

  it('lists every slot: the set one with its thumbnail and caption, the others on the default drawing', async () => {
    useServer(() => ({ status: 200, data: listing() }))
    const wrapper = await mountSection()
    const rows = rowsOf(wrapper)
    expect(rows).toHaveLength(SLOTS.length)
    expect(rows[0].text()).toContain('正前方全景')
    expect(rows[0].text()).toContain('站在车头正前方5米拍全景')
    expect(rows[0].find('img').attributes('alt')).toBe('正前方全景的示例照片')
    expect(rows[0].find('img').attributes('src')).toBe(URL_FRONT)
    expect(rows[0].text()).not.toContain('使用默认示意图')
    expect(rows[1].text()).toContain('正后方全景')
    expect(rows[1].text()).toContain('使用默认示意图')
    expect(rows[1].find('img').exists()).toBe(false)
    // Only a set example can have its caption edited or be removed.
    expect(wrapper.findAll('.upload-btn').map((b) => b.text())).toEqual([
      '更换',
      ...SLOTS.slice(1).map(() => '上传'),
    ])
    expect(wrapper.findAll('.caption-btn')).toHaveLength(1)
    expect(wrapper.findAll('.delete-btn')).toHaveLength(1)
  })

  it('uploads to the slot with a progress bar, then shows the new photo', async () => {
    const answer = deferred<void>()
    const calls = useServer(
      async (call) => {
        if (call.method === 'GET') return { status: 200, data: listing() }
        await answer.promise
        return {
          status: 201,
          data: row('scene_rear', {
            image: 'b'.repeat(64) + '.png',
            image_url: '/b.png',
            caption: '',
          }),
        }
      },
      { loaded: 40, total: 100 },
    )
    const wrapper = await mountSection()
    await wrapper.findAll('.upload-btn')[1].trigger('click')
    await chooseFile(wrapper, new File(['x'], '后方.png', { type: 'image/png' }))
    await flushPromises()

    const upload = calls.find((c) => c.method === 'POST')!
    expect(upload.url).toBe('/guide/admin/slot-examples/scene_rear')
    expect(upload.data).toBeInstanceOf(FormData)
    expect((upload.data as FormData).get('file')).toBeInstanceOf(File)
    expect(rowsOf(wrapper)[1].find('.el-progress').exists()).toBe(true)
    expect(rowsOf(wrapper)[1].text()).toContain('40%')

    answer.resolve()
    await flushPromises()
    expect(rowsOf(wrapper)[1].find('.el-progress').exists()).toBe(false)
    expect(rowsOf(wrapper)[1].find('img').attributes('src')).toBe('/b.png')
    expect(rowsOf(wrapper)[1].text()).not.toContain('使用默认示意图')
  })

  it("shows the server's reason when a file is refused and keeps the default drawing", async () => {
    const error = vi.spyOn(ElMessage, 'error')
    useServer((call) =>
      call.method === 'GET'
        ? { status: 200, data: listing() }
        : {
            status: 400,
            data: {
              code: 'invalid_file',
              detail: '文件不是有效的图片或已损坏，请重新拍摄后上传。',
            },
          },
    )
    const wrapper = await mountSection()
    await wrapper.findAll('.upload-btn')[2].trigger('click')
    await chooseFile(wrapper, new File(['<script>'], 'x.jpg', { type: 'image/jpeg' }))
    await flushPromises()
    expect(error).toHaveBeenCalledWith('文件不是有效的图片或已损坏，请重新拍摄后上传。')
    expect(rowsOf(wrapper)[2].text()).toContain('使用默认示意图')
    expect(rowsOf(wrapper)[2].find('.el-progress').exists()).toBe(false)
  })

  it('edits the caption in a dialog and shows a field error from the server', async () => {
    let refuse = true
    const calls = useServer((call) => {
      if (call.method === 'GET') return { status: 200, data: listing() }
      if (refuse)
        return {
          status: 400,
          data: {
            code: 'invalid',
            detail: '提交的内容有误',
            errors: { caption: ['拍摄要点最多 60 个字。'] },
          },
        }
      return { status: 200, data: { ...listing()[0], caption: '车头正前方' } }
    })
    const wrapper = await mountSection()
    await wrapper.find('.caption-btn').trigger('click')
    await flushPromises()
    const input = document.body.querySelector<HTMLInputElement>('.el-dialog input')!
    expect(input.value).toBe('站在车头正前方5米拍全景')
    input.value = '  车头正前方 '
    input.dispatchEvent(new Event('input'))
    const save = () =>
      [...document.body.querySelectorAll<HTMLButtonElement>('.el-dialog__footer button')]
        .find((b) => b.textContent?.includes('保存'))!
        .click()
    save()
    await flushPromises()
    // Element Plus shows a form item's error after a short debounce.
    await new Promise((resolve) => setTimeout(resolve, 200))
    await flushPromises()
    expect(document.body.querySelector('.el-dialog .el-form-item__error')?.textContent).toContain(
      '拍摄要点最多 60 个字。',
    )

    refuse = false
    save()
    await flushPromises()
    const patches = calls.filter((c) => c.method === 'PATCH')
    expect(patches.map((c) => [c.url, c.data])).toEqual([
      ['/guide/admin/slot-examples/scene_front', { caption: '车头正前方' }],
      ['/guide/admin/slot-examples/scene_front', { caption: '车头正前方' }],
    ])
    expect(rowsOf(wrapper)[0].text()).toContain('车头正前方')
    expect(rowsOf(wrapper)[0].text()).not.toContain('5米')
  })

  it('removes an example after confirmation and reloads the list', async () => {
    const confirm = vi.spyOn(ElMessageBox, 'confirm').mockResolvedValue('confirm' as never)
    let removed = false
    const calls = useServer((call) => {
      if (call.method === 'DELETE') {
        removed = true
        return { status: 204 }
      }
      return { status: 200, data: removed ? SLOTS.map((s) => row(s)) : listing() }
    })
    const wrapper = await mountSection()
    await wrapper.find('.delete-btn').trigger('click')
    await flushPromises()
    expect(confirm).toHaveBeenCalledOnce()
    expect(calls.find((c) => c.method === 'DELETE')?.url).toBe(
      '/guide/admin/slot-examples/scene_front',
    )
    expect(calls.filter((c) => c.method === 'GET')).toHaveLength(2)
    expect(rowsOf(wrapper)[0].text()).toContain('使用默认示意图')
    expect(wrapper.findAll('.delete-btn')).toHaveLength(0)
  })

  it('does nothing when the removal is cancelled', async () => {
    vi.spyOn(ElMessageBox, 'confirm').mockRejectedValue('cancel')
    const calls = useServer(() => ({ status: 200, data: listing() }))
    const wrapper = await mountSection()
    await wrapper.find('.delete-btn').trigger('click')
    await flushPromises()
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false)
  })

  it('renders in English', async () => {
    setLocale('en', false)
    useServer(() => ({ status: 200, data: listing() }))
    const wrapper = await mountSection()
    expect(rowsOf(wrapper)[1].text()).toContain('Default drawing')
    expect(rowsOf(wrapper)[0].find('img').attributes('alt')).toBe('Example photo of Front overview')
  })
})
