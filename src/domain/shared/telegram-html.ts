/**
 * Checks text for Telegram's HTML parse mode (specs/telegram.md §4) before it is sent to many
 * chats: only the tags Telegram knows, properly nested, and `&` only in an entity. Answers the
 * first problem, or undefined when Telegram would parse it.
 */
const TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'code', 'pre', 'blockquote', 'tg-emoji'])
const TOKEN = /<(\/?)([a-zA-Z-]+)((?:\s+[a-zA-Z-]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))*)\s*>|<|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);|&/g

export function telegramHtmlProblem (html: string): string | undefined {
  const open: string[] = []
  for (const match of html.matchAll(TOKEN)) {
    const token = match[0]
    if (token === '<') return 'has a "<" that starts no tag (write &lt;)'
    if (token === '&') return 'has a "&" that starts no entity (write &amp;)'
    if (token.startsWith('&')) {
      if (!/^&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);$/.test(token)) return `uses the entity ${token}, which Telegram does not know`
      continue
    }
    const name = match[2]!.toLowerCase()
    if (!TAGS.has(name)) return `uses the tag <${name}>, which Telegram does not support`
    if (match[1] === '/') {
      if (open.pop() !== name) return `closes <${name}> that is not the innermost open tag`
    } else {
      open.push(name)
    }
  }
  if (open.length > 0) return `leaves <${open[open.length - 1]!}> open`
  return undefined
}
