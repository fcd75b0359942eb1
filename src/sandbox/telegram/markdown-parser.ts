import { EntityParseError } from './html-parser.js'
import type { TgEntity } from './types.js'

const RESERVED = new Set('_*[]()~`>#+-=|{}.!'.split(''))
const NAMES: Record<string, string> = {
  bold: 'Bold', italic: 'Italic', underline: 'Underline', strikethrough: 'Strikethrough', spoiler: 'Spoiler', code: 'Code', pre: 'Pre', text_link: 'TextUrl', custom_emoji: 'CustomEmoji'
}

interface Open { type: string, start: number, at: number, language?: string }

/**
 * Parses `parse_mode: "MarkdownV2"` (bold, italic, __underline__, ~strike~, ||spoiler||,
 * `code`, ```pre```, [link](url), ![emoji](tg://emoji?id=..), > quotes). Every reserved
 * character outside an entity must be escaped, as Telegram demands.
 *
 * @throws EntityParseError, e.g. `Character '.' is reserved and must be escaped with the preceding '\'`.
 */
export function parseMarkdownV2 (input: string): { text: string, entities: TgEntity[] } {
  const byteOffset = (i: number): number => Buffer.byteLength(input.slice(0, i))
  let out = ''
  const stack: Open[] = []
  const entities: TgEntity[] = []
  let quote: number | undefined
  let i = 0
  const toggle = (type: string, width: number): void => {
    const top = stack.at(-1)
    if (top?.type === type) {
      stack.pop()
      if (out.length > top.start) {
        entities.push({ type, offset: top.start, length: out.length - top.start, ...(top.language !== undefined ? { language: top.language } : {}) })
      }
    } else if (stack.some((o) => o.type === type)) {
      throw new EntityParseError(`Can't find end of ${NAMES[top?.type ?? type] ?? type} entity at byte offset ${byteOffset(top?.at ?? i)}`)
    } else {
      stack.push({ type, start: out.length, at: i })
    }
    i += width
  }
  while (i < input.length) {
    const ch = input[i] as string
    const top = stack.at(-1)
    if (ch === '\\' && i + 1 < input.length && (input.charCodeAt(i + 1) >= 1 && input.charCodeAt(i + 1) <= 126)) {
      out += input[i + 1]
      i += 2
      continue
    }
    if (top?.type === 'code' || top?.type === 'pre') {
      if (top.type === 'pre' && input.startsWith('```', i)) toggle('pre', 3)
      else if (top.type === 'code' && ch === '`') toggle('code', 1)
      else { out += ch; i++ }
      continue
    }
    const lineStart = i === 0 || input[i - 1] === '\n'
    if (ch === '\n' && quote !== undefined && input[i + 1] !== '>') {
      if (out.length > quote) entities.push({ type: 'blockquote', offset: quote, length: out.length - quote })
      quote = undefined
    }
    if (!RESERVED.has(ch)) { out += ch; i++; continue }
    if (ch === '>' && lineStart) { quote ??= out.length; i++; continue }
    if (ch === '*') toggle('bold', 1)
    else if (ch === '_' && input[i + 1] === '_') toggle('underline', 2)
    else if (ch === '_') toggle('italic', 1)
    else if (ch === '~') toggle('strikethrough', 1)
    else if (ch === '|' && input[i + 1] === '|') toggle('spoiler', 2)
    else if (ch === '`' && input.startsWith('```', i)) {
      const nl = input.indexOf('\n', i + 3)
      const language = nl === -1 ? '' : input.slice(i + 3, nl)
      const skip = nl !== -1 && !/\s/.test(language) ? nl - i + 1 : 3
      stack.push({ type: 'pre', start: out.length, at: i, ...(language !== '' && skip > 3 ? { language } : {}) })
      i += skip
    } else if (ch === '`') toggle('code', 1)
    else if (ch === '[' || (ch === '!' && input[i + 1] === '[')) {
      stack.push({ type: ch === '[' ? 'text_link' : 'custom_emoji', start: out.length, at: i })
      i += ch === '[' ? 1 : 2
    } else if (ch === ']' && (top?.type === 'text_link' || top?.type === 'custom_emoji')) {
      if (input[i + 1] !== '(') throw new EntityParseError(`Can't find end of ${NAMES[top.type] as string} entity at byte offset ${byteOffset(top.at)}`)
      let url = ''
      let j = i + 2
      while (j < input.length && input[j] !== ')') {
        if (input[j] === '\\' && j + 1 < input.length) j++
        url += input[j++]
      }
      if (j >= input.length) throw new EntityParseError(`Can't find end of a url at byte offset ${byteOffset(i + 1)}`)
      stack.pop()
      if (out.length > top.start) {
        entities.push(top.type === 'text_link'
          ? { type: 'text_link', offset: top.start, length: out.length - top.start, url }
          : { type: 'custom_emoji', offset: top.start, length: out.length - top.start, custom_emoji_id: /id=(\d+)/.exec(url)?.[1] ?? '' })
      }
      i = j + 1
    } else {
      throw new EntityParseError(`Character '${ch}' is reserved and must be escaped with the preceding '\\'`)
    }
  }
  const unclosed = stack.at(-1)
  if (unclosed !== undefined) throw new EntityParseError(`Can't find end of ${NAMES[unclosed.type] ?? unclosed.type} entity at byte offset ${byteOffset(unclosed.at)}`)
  if (quote !== undefined && out.length > quote) entities.push({ type: 'blockquote', offset: quote, length: out.length - quote })
  return { text: out, entities: entities.sort((a, b) => a.offset - b.offset || b.length - a.length) }
}
