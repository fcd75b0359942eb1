import type { TgEntity } from './types.js'

const SIMPLE: Record<string, string> = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  'tg-spoiler': 'spoiler',
  span: 'spoiler'
}
const TAGS = new Set([...Object.keys(SIMPLE), 'a', 'code', 'pre', 'blockquote', 'tg-emoji', 'tg-time'])
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' }

interface OpenTag { tag: string, start: number, attrs: Record<string, string>, language?: string, skip?: boolean }

/** Thrown with the text after "can't parse entities: ". */
export class EntityParseError extends Error {}

/** Decodes `&lt; &gt; &amp; &quot;` and numeric entities at `i`; null when there is none. */
function decodeEntity (s: string, i: number): { char: string, end: number } | null {
  const m = /^&(?:#x([0-9a-fA-F]{1,6})|#(\d{1,7})|(lt|gt|amp|quot));/.exec(s.slice(i, i + 12))
  if (m === null) return null
  const code = m[1] !== undefined ? parseInt(m[1], 16) : m[2] !== undefined ? Number(m[2]) : -1
  if (code > 0x10ffff) return null
  return { char: code >= 0 ? String.fromCodePoint(code) : NAMED[m[3] as string] as string, end: i + m[0].length }
}

/**
 * Parses Bot API `parse_mode: "HTML"` text into plain text and entities (offsets in UTF-16
 * units), following the rules of the reference server: only the documented tags, unknown
 * `&...;` sequences stay literal, every tag must be closed in order.
 *
 * @throws EntityParseError with Telegram's wording, e.g. `Unsupported start tag "foo" at byte offset 0`.
 */
export function parseHtml (input: string): { text: string, entities: TgEntity[] } {
  const byteOffset = (i: number): number => Buffer.byteLength(input.slice(0, i))
  let out = ''
  const stack: OpenTag[] = []
  const entities: TgEntity[] = []
  let i = 0
  while (i < input.length) {
    const ch = input[i] as string
    if (ch === '&') {
      const decoded = decodeEntity(input, i)
      if (decoded !== null) {
        out += decoded.char
        i = decoded.end
      } else {
        out += ch
        i++
      }
      continue
    }
    if (ch !== '<') {
      out += ch
      i++
      continue
    }
    const begin = i
    if (input[i + 1] === '/') {
      const close = input.indexOf('>', i)
      if (close === -1) throw new EntityParseError(`Unclosed end tag at byte offset ${byteOffset(begin)}`)
      const name = input.slice(i + 2, close).trim().toLowerCase()
      const open = stack.pop()
      if (open === undefined) throw new EntityParseError(`Unexpected end tag at byte offset ${byteOffset(begin)}`)
      if (open.tag !== name) {
        throw new EntityParseError(`Unmatched end tag at byte offset ${byteOffset(begin)}, expected "</${open.tag}>", found "</${name}>"`)
      }
      closeTag(open, out.length, stack, entities)
      i = close + 1
      continue
    }
    i++
    while (i < input.length && !/[\s>]/.test(input[i] as string)) i++
    if (i >= input.length) throw new EntityParseError(`Unclosed start tag at byte offset ${byteOffset(begin)}`)
    const tag = input.slice(begin + 1, i).toLowerCase()
    if (!TAGS.has(tag)) throw new EntityParseError(`Unsupported start tag "${tag}" at byte offset ${byteOffset(begin)}`)
    const attrs: Record<string, string> = {}
    i = readAttributes(input, i, attrs, () => byteOffset(begin))
    const open: OpenTag = { tag, start: out.length, attrs }
    if (tag === 'span' && attrs.class !== 'tg-spoiler') {
      throw new EntityParseError(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(begin)}`)
    }
    if (tag === 'tg-emoji' && attrs['emoji-id'] === undefined) {
      throw new EntityParseError(`Tag "tg-emoji" must have attribute "emoji-id" at byte offset ${byteOffset(begin)}`)
    }
    const parent = stack.at(-1)
    if (tag === 'code' && parent?.tag === 'pre' && parent.start === out.length && attrs.class?.startsWith('language-') === true) {
      // <pre><code class="language-x"> becomes one pre entity with a language.
      parent.language = attrs.class.slice('language-'.length)
      open.skip = true
    }
    stack.push(open)
  }
  const unclosed = stack.at(-1)
  if (unclosed !== undefined) throw new EntityParseError(`Can't find end tag corresponding to start tag "${unclosed.tag}"`)
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length)
  return { text: out, entities }
}

function readAttributes (input: string, from: number, attrs: Record<string, string>, at: () => number): number {
  let i = from
  for (;;) {
    while (i < input.length && /\s/.test(input[i] as string)) i++
    if (i >= input.length) throw new EntityParseError(`Unclosed start tag at byte offset ${at()}`)
    if (input[i] === '>') return i + 1
    const nameStart = i
    while (i < input.length && /[A-Za-z0-9_-]/.test(input[i] as string)) i++
    const name = input.slice(nameStart, i).toLowerCase()
    if (name === '') throw new EntityParseError(`Empty attribute name in the tag at byte offset ${at()}`)
    while (i < input.length && /\s/.test(input[i] as string)) i++
    if (input[i] !== '=') {
      attrs[name] = ''
      continue
    }
    i++
    while (i < input.length && /\s/.test(input[i] as string)) i++
    let value = ''
    const quote = input[i]
    if (quote === '"' || quote === "'") {
      i++
      while (i < input.length && input[i] !== quote) {
        const decoded = input[i] === '&' ? decodeEntity(input, i) : null
        if (decoded !== null) {
          value += decoded.char
          i = decoded.end
        } else {
          value += input[i]
          i++
        }
      }
      if (i >= input.length) throw new EntityParseError(`Unclosed start tag at byte offset ${at()}`)
      i++
    } else {
      while (i < input.length && !/[\s>]/.test(input[i] as string)) value += input[i++]
    }
    attrs[name] = value
  }
}

function closeTag (open: OpenTag, end: number, stack: OpenTag[], entities: TgEntity[]): void {
  const length = end - open.start
  if (open.skip === true || length === 0) return
  const base = { offset: open.start, length }
  const simple = SIMPLE[open.tag]
  if (simple !== undefined) {
    entities.push({ type: simple, ...base })
  } else if (open.tag === 'a') {
    const href = open.attrs.href ?? ''
    if (href !== '') entities.push({ type: 'text_link', ...base, url: href })
  } else if (open.tag === 'code') {
    const parent = stack.at(-1)
    const language = open.attrs.class?.startsWith('language-') === true ? open.attrs.class.slice(9) : undefined
    if (parent?.tag === 'pre' && language !== undefined) parent.language = language
    else entities.push({ type: 'code', ...base })
  } else if (open.tag === 'pre') {
    entities.push({ type: 'pre', ...base, ...(open.language !== undefined ? { language: open.language } : {}) })
  } else if (open.tag === 'blockquote') {
    entities.push({ type: 'expandable' in open.attrs ? 'expandable_blockquote' : 'blockquote', ...base })
  } else if (open.tag === 'tg-emoji') {
    entities.push({ type: 'custom_emoji', ...base, custom_emoji_id: open.attrs['emoji-id'] as string })
  } else if (open.tag === 'tg-time') {
    entities.push({
      type: 'date_time',
      ...base,
      unix_time: Number(open.attrs.unix ?? 0),
      ...(open.attrs.format !== undefined ? { date_time_format: open.attrs.format } : {})
    })
  }
}
