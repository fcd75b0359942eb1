/**
 * HTML parse mode helpers (specs/telegram.md §4): the one escaping function every user- or
 * merchant-supplied string goes through, and the splitter for texts over Telegram's limit.
 */

/** Telegram's limit on a message text, in UTF-16 code units after entity parsing. */
export const MAX_TEXT_LENGTH = 4096
/** Telegram's limit on a media caption. */
export const MAX_CAPTION_LENGTH = 1024

/**
 * Escapes `&`, `<`, `>` and `"` so the text renders literally in HTML parse mode.
 *
 * @example
 * escapeHtml('<b>Tea & "cake"</b>') // '&lt;b&gt;Tea &amp; &quot;cake&quot;&lt;/b&gt;'
 */
export function escapeHtml (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** Length of `html` as Telegram counts it: entities and tags removed, named/numeric entities as one unit. */
export function visibleLength (html: string): number {
  return html.replace(/<[^>]*>/g, '').replace(/&(?:[a-z]+|#\d+|#x[0-9a-f]+);/gi, '_').length
}

/**
 * Splits an HTML text into parts of at most `limit` visible characters, on line boundaries
 * (a single over-long line is cut on a space, or hard). Tags are assumed not to span lines:
 * every text Bozor builds opens and closes its tags on one line, so no part breaks an entity.
 *
 * @example
 * splitText(longOrderList).forEach((part) => ctx.reply(part, { parse_mode: 'HTML' }))
 */
export function splitText (html: string, limit = MAX_TEXT_LENGTH): string[] {
  if (visibleLength(html) <= limit) return [html]
  const parts: string[] = []
  let current = ''
  const flush = (): void => {
    if (current.trim() !== '') parts.push(current.replace(/\n+$/, ''))
    current = ''
  }
  for (const line of html.split('\n')) {
    const candidate = current === '' ? line : `${current}\n${line}`
    if (visibleLength(candidate) <= limit) {
      current = candidate
      continue
    }
    flush()
    if (visibleLength(line) <= limit) {
      current = line
      continue
    }
    for (const piece of cutLine(line, limit)) parts.push(piece)
  }
  flush()
  return parts
}

/** Cuts one line longer than `limit` into pieces, preferring spaces, never inside a tag or entity. */
function cutLine (line: string, limit: number): string[] {
  const pieces: string[] = []
  let rest = line
  while (visibleLength(rest) > limit) {
    let visible = 0
    let cut = 0
    let lastSpace = -1
    for (let i = 0; i < rest.length && visible < limit;) {
      const tag = rest[i] === '<' ? rest.indexOf('>', i) : -1
      if (tag !== -1) { i = tag + 1; cut = i; continue }
      const entity = rest[i] === '&' ? /^&(?:[a-z]+|#\d+|#x[0-9a-f]+);/i.exec(rest.slice(i)) : null
      if (rest[i] === ' ') lastSpace = i
      i += entity !== null ? entity[0].length : 1
      visible++
      cut = i
    }
    const at = lastSpace > 0 && lastSpace > cut / 2 ? lastSpace : cut
    pieces.push(rest.slice(0, at))
    rest = rest.slice(at).replace(/^ /, '')
  }
  if (rest !== '') pieces.push(rest)
  return pieces
}

/** Shortens a caption to Telegram's 1024 limit, on a line or word boundary, with an ellipsis. */
export function shortenCaption (html: string, limit = MAX_CAPTION_LENGTH): string {
  if (visibleLength(html) <= limit) return html
  const [first] = splitText(html, limit - 1)
  return `${first ?? ''}…`
}
