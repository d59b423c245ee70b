// The server already sanitises body_html; this second pass means a mistake there
// cannot turn the owner page into an XSS vector.
const ALLOWED_TAGS = new Set([
  'p',
  'br',
  'hr',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'strong',
  'b',
  'em',
  'i',
  'u',
  's',
  'ul',
  'ol',
  'li',
  'a',
  'img',
  'blockquote',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'span',
  'div',
  'figure',
  'figcaption',
  'small',
  'sub',
  'sup',
  'code',
  'pre',
])
const ALLOWED_ATTRS: Record<string, string[]> = {
  a: ['href', 'title'],
  img: ['src', 'alt', 'title', 'width', 'height'],
  td: ['colspan', 'rowspan'],
  th: ['colspan', 'rowspan'],
}
const DROP_WITH_CONTENT = new Set([
  'script',
  'style',
  'iframe',
  'object',
  'embed',
  'template',
  'noscript',
])

function safeUrl(value: string, forImage: boolean): boolean {
  const v = value.trim().toLowerCase()
  if (v.startsWith('tel:') || v.startsWith('mailto:')) return !forImage
  if (
    v.startsWith('http://') ||
    v.startsWith('https://') ||
    v.startsWith('/') ||
    v.startsWith('#')
  ) {
    return true
  }
  if (forImage && /^data:image\/(png|jpe?g|gif|webp);/.test(v)) return true
  return !/^[a-z][a-z0-9+.-]*:/.test(v)
}

function clean(node: Node, doc: Document): Node | null {
  if (node.nodeType === Node.TEXT_NODE) return doc.createTextNode(node.textContent ?? '')
  if (node.nodeType !== Node.ELEMENT_NODE) return null
  const el = node as Element
  const tag = el.tagName.toLowerCase()
  if (DROP_WITH_CONTENT.has(tag)) return null
  const children = Array.from(el.childNodes)
    .map((c) => clean(c, doc))
    .filter((c): c is Node => c !== null)
  if (!ALLOWED_TAGS.has(tag)) {
    const frag = doc.createDocumentFragment()
    children.forEach((c) => frag.appendChild(c))
    return frag
  }
  const out = doc.createElement(tag)
  for (const name of ALLOWED_ATTRS[tag] ?? []) {
    const value = el.getAttribute(name)
    if (value === null) continue
    if ((name === 'href' || name === 'src') && !safeUrl(value, name === 'src')) continue
    out.setAttribute(name, value)
  }
  if (tag === 'a') {
    out.setAttribute('rel', 'noopener noreferrer')
    const href = out.getAttribute('href') ?? ''
    if (/^https?:/i.test(href)) out.setAttribute('target', '_blank')
  }
  children.forEach((c) => out.appendChild(c))
  return out
}

export function sanitizeHtml(html: string): string {
  if (!html) return ''
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html')
  const doc = document.implementation.createHTMLDocument('')
  const container = doc.createElement('div')
  Array.from(parsed.body.childNodes).forEach((n) => {
    const c = clean(n, doc)
    if (c) container.appendChild(c)
  })
  return container.innerHTML
}
