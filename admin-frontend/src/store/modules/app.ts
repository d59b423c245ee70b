import { defineStore } from 'pinia'
import { ref } from 'vue'

const COLLAPSE_KEY = 'kckp.admin.sidebarCollapsed'

export const useAppStore = defineStore('app', () => {
  const stored = localStorage.getItem(COLLAPSE_KEY)
  // Tablets start with the menu folded so the content keeps its width.
  const collapsed = ref(stored === null ? window.innerWidth < 1100 : stored === '1')

  function toggleSidebar(): void {
    collapsed.value = !collapsed.value
    localStorage.setItem(COLLAPSE_KEY, collapsed.value ? '1' : '0')
  }

  return { collapsed, toggleSidebar }
})
