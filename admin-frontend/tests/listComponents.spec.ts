import { describe, expect, it } from 'vitest'
import { defineComponent, h, nextTick, ref } from 'vue'
import { mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import ListPagination from '@/components/ListPagination.vue'
import ListToolbar from '@/components/ListToolbar.vue'
import SearchInput from '@/components/SearchInput.vue'
import ChartCard from '@/views/stats/components/ChartCard.vue'

const global = { plugins: [ElementPlus] }

function mountPager(total: number, shown: number, start = 1) {
  // The parent's page, as v-model:page keeps it; change reports what load() would read then.
  const state = { page: start, seen: [] as number[] }
  const wrapper = mount(ListPagination, {
    props: {
      page: start,
      'onUpdate:page': (n: number) => {
        state.page = n
        void wrapper.setProps({ page: n })
      },
      total,
      shown,
      onChange: () => state.seen.push(state.page),
    },
    global,
  })
  return { wrapper, state }
}

describe('ListPagination', () => {
  it('stays hidden when everything fits on the first page', () => {
    expect(mountPager(12, 12).wrapper.find('.el-pagination').exists()).toBe(false)
    expect(mountPager(0, 0).wrapper.find('.el-pagination').exists()).toBe(false)
  })

  it('shows when there are more rows than shown, or past the first page', () => {
    const more = mountPager(45, 20).wrapper
    expect(more.find('.el-pagination.pager').exists()).toBe(true)
    expect(more.find('.el-pagination__total').text()).toContain('45')
    // A last page that happens to hold every remaining row still needs the way back.
    expect(mountPager(5, 5, 3).wrapper.find('.el-pagination').exists()).toBe(true)
  })

  it('updates the page before it reports the change', async () => {
    const { wrapper, state } = mountPager(45, 20)
    await wrapper.find('button.btn-next').trigger('click')
    await nextTick()
    expect(state.page).toBe(2)
    expect(state.seen).toEqual([2])
    expect(wrapper.find('.el-pager li.is-active').text()).toBe('2')
  })
})

describe('SearchInput', () => {
  function mountSearch(initial = '') {
    const value = ref(initial)
    let searches = 0
    const wrapper = mount(
      defineComponent({
        setup: () => () =>
          h('div', { class: 'toolbar' }, [
            h(SearchInput, {
              modelValue: value.value,
              'onUpdate:modelValue': (v: string) => (value.value = v),
              placeholder: '号牌',
              buttonText: '查询',
              onSearch: () => (searches += 1),
            }),
          ]),
      }),
      { global },
    )
    return { wrapper, value, searches: () => searches }
  }

  it('renders the box and the button side by side in the toolbar', () => {
    const { wrapper } = mountSearch()
    const children = wrapper.find('.toolbar').element.children
    expect(children).toHaveLength(2)
    expect(children[0].classList.contains('el-input')).toBe(true)
    expect(children[1].tagName).toBe('BUTTON')
    expect(children[1].textContent).toBe('查询')
    expect(wrapper.find('input').attributes('placeholder')).toBe('号牌')
  })

  it('searches on Enter and on the button, with the typed value bound', async () => {
    const { wrapper, value, searches } = mountSearch()
    await wrapper.find('input').setValue('桂L12345')
    expect(value.value).toBe('桂L12345')
    await wrapper.find('input').trigger('keyup', { key: 'Enter' })
    expect(searches()).toBe(1)
    await wrapper.find('button').trigger('click')
    expect(searches()).toBe(2)
  })

  it('searches again when the box is cleared', async () => {
    const { wrapper, value, searches } = mountSearch('桂L12345')
    await wrapper.find('.el-input').trigger('mouseenter')
    await wrapper.find('.el-input__clear').trigger('click')
    expect(value.value).toBe('')
    expect(searches()).toBe(1)
  })
})

describe('ListToolbar', () => {
  it('puts the actions after the spacer', () => {
    const wrapper = mount(ListToolbar, {
      slots: { default: '<span class="hint">提示</span>', actions: '<button>新增</button>' },
    })
    const toolbar = wrapper.find('.toolbar')
    expect([...toolbar.element.children].map((c) => c.className || c.tagName)).toEqual([
      'hint',
      'spacer',
      'BUTTON',
    ])
  })

  it('keeps the spacer when there are no actions', () => {
    const wrapper = mount(ListToolbar, { slots: { default: '<span class="hint">提示</span>' } })
    expect(wrapper.findAll('.toolbar > *').map((c) => c.classes()[0])).toEqual(['hint', 'spacer'])
  })
})

describe('ChartCard', () => {
  it('shows the empty note instead of the chart when there is no data', () => {
    const wrapper = mount(ChartCard, {
      props: { title: '每日案件数', empty: true, emptyText: '暂无数据', option: {} },
      global,
    })
    expect(wrapper.find('.el-card.page-card .card-header').text()).toBe('每日案件数')
    expect(wrapper.find('.el-empty').text()).toContain('暂无数据')
    expect(wrapper.find('.echart').exists()).toBe(false)
  })
})
