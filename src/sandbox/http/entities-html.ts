import type { TgEntity } from '../telegram/types.js'

const TAG: Record<string, string> = {
  bold: 'b', italic: 'i', underline: 'u', strikethrough: 's', spoiler: 'tg-spoiler', code: 'code', blockquote: 'blockquote', expandable_blockquote: 'blockquote'
}

/** Escapes text for HTML (and for attribute values). */
export function escapeHtml (text: string): string {
  return text.replace(/[&<>"]/g, (c) => c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;')
}

function open (e: TgEntity, text: string): string {
  if (e.type === 'text_link' && e.url !== undefined) return `<a href="${escapeHtml(e.url)}">`
  if (e.type === 'url') return `<a href="${escapeHtml(text.slice(e.offset, e.offset + e.length))}">`
  if (e.type === 'pre') return e.language !== undefined ? `<pre><code class="language-${escapeHtml(e.language)}">` : '<pre>'
  const tag = TAG[e.type]
  return tag === undefined ? '' : `<${tag}>`
}

function close (e: TgEntity): string {
  if (e.type === 'text_link' && e.url !== undefined) return '</a>'
  if (e.type === 'url') return '</a>'
  if (e.type === 'pre') return e.language !== undefined ? '</code></pre>' : '</pre>'
  const tag = TAG[e.type]
  return tag === undefined ? '' : `</${tag}>`
}

/**
 * Telegram text plus entities (offsets in UTF-16 units) as Telegram-style HTML, the way the
 * web chat shows a message: formatting entities become tags, everything else is escaped text.
 * Entities that cross are closed and reopened, so the output always nests.
 *
 * @example
 * entitiesToHtml('Hi Bob', [{ type: 'bold', offset: 3, length: 3 }]) // 'Hi <b>Bob</b>'
 */
export function entitiesToHtml (text: string, entities: readonly TgEntity[] = []): string {
  const usable = entities.filter((e) => e.length > 0 && e.offset >= 0 && e.offset + e.length <= text.length && (e.type in TAG || e.type === 'pre' || e.type === 'url' || e.type === 'text_link'))
    .sort((a, b) => a.offset - b.offset || b.length - a.length)
  const bounds = new Set<number>([0, text.length])
  for (const e of usable) { bounds.add(e.offset); bounds.add(e.offset + e.length) }
  const points = [...bounds].sort((a, b) => a - b)
  let html = ''
  for (let i = 0; i < points.length - 1; i++) {
    const from = points[i] as number
    const to = points[i + 1] as number
    const active = usable.filter((e) => e.offset <= from && e.offset + e.length >= to)
    html += active.map((e) => open(e, text)).join('') + escapeHtml(text.slice(from, to)) + [...active].reverse().map(close).join('')
  }
  return html
}
