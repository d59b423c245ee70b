import { describe, expect, it } from 'vitest'
import { sanitizeHtml } from '@/utils/sanitize'

describe('sanitizeHtml', () => {
  it('keeps ordinary article markup', () => {
    const html = '<h2>追尾</h2><p>后车负<strong>全部责任</strong>。</p><ul><li>保持车距</li></ul>'
    expect(sanitizeHtml(html)).toBe(html)
  })

  it('drops scripts, event handlers and javascript links', () => {
    const out = sanitizeHtml(
      '<p onclick="x()">a<script>alert(1)</script></p><a href="javascript:alert(1)">b</a><img src=x onerror="y()">',
    )
    expect(out).not.toMatch(/script|onclick|onerror|javascript/i)
    expect(out).toContain('<p>a</p>')
  })

  it('keeps tel: links so phone numbers can be tapped', () => {
    expect(sanitizeHtml('<a href="tel:95518">95518</a>')).toContain('href="tel:95518"')
  })

  it('unwraps unknown tags but keeps their text', () => {
    expect(sanitizeHtml('<custom-box>文字</custom-box>')).toBe('文字')
  })
})
