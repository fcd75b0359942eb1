import { badRequest } from './api-error.js'
import { EntityParseError, parseHtml } from './html-parser.js'
import { parseMarkdownV2 } from './markdown-parser.js'
import { optJson, optString, type Params } from './params.js'
import type { TgEntity } from './types.js'

export const MESSAGE_MAX = 4096
export const CAPTION_MAX = 1024

/** Strips leading/trailing whitespace like Telegram does, moving and clipping entity offsets. */
function trim (text: string, entities: TgEntity[]): { text: string, entities: TgEntity[] } {
  const lead = text.length - text.trimStart().length
  const trimmed = text.trim()
  const end = lead + trimmed.length
  const moved: TgEntity[] = []
  for (const e of entities) {
    const from = Math.max(e.offset, lead)
    const to = Math.min(e.offset + e.length, end)
    if (to > from) moved.push({ ...e, offset: from - lead, length: to - from })
  }
  return { text: trimmed, entities: moved }
}

/**
 * Resolves a text parameter with its `parse_mode` / explicit entities into final text and
 * entities, and enforces the length limit (UTF-16 units after entity parsing).
 * `kind: 'caption'` allows empty text and uses the 1024 limit.
 */
export function resolveText (params: Params, field: 'text' | 'caption', entitiesField: 'entities' | 'caption_entities'): { text: string, entities: TgEntity[] } | undefined {
  const raw = optString(params, field)
  if (raw === undefined) {
    if (field === 'text') throw badRequest('message text is empty')
    return undefined
  }
  const parseMode = optString(params, 'parse_mode') ?? ''
  let parsed: { text: string, entities: TgEntity[] }
  const explicit = optJson(params, entitiesField)
  if (explicit !== undefined) {
    if (!Array.isArray(explicit)) throw badRequest(`can't parse ${entitiesField} JSON object`)
    parsed = { text: raw, entities: explicit as TgEntity[] }
  } else if (parseMode.toLowerCase() === 'html') {
    try {
      parsed = parseHtml(raw)
    } catch (err) {
      if (err instanceof EntityParseError) throw badRequest(`can't parse entities: ${err.message}`)
      throw err
    }
  } else if (parseMode.toLowerCase() === 'markdownv2') {
    try {
      parsed = parseMarkdownV2(raw)
    } catch (err) {
      if (err instanceof EntityParseError) throw badRequest(`can't parse entities: ${err.message}`)
      throw err
    }
  } else if (parseMode === '' || parseMode.toLowerCase() === 'markdown') {
    // Legacy Markdown is accepted but not parsed by the emulator (documented gap).
    parsed = { text: raw, entities: [] }
  } else {
    throw badRequest(`unsupported parse_mode "${parseMode}"`)
  }
  const result = trim(parsed.text, parsed.entities)
  if (field === 'text') {
    if (result.text.length === 0) throw badRequest('message text is empty')
    if (result.text.length > MESSAGE_MAX) throw badRequest('message is too long')
  } else if (result.text.length > CAPTION_MAX) {
    throw badRequest('message caption is too long')
  }
  return result
}

const COMMAND = /(^|\s)(\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)(?=$|\s)/g
const URL_RE = /(^|\s)(https?:\/\/[^\s]+)/g
const MENTION = /(^|\s)(@[A-Za-z0-9_]{5,32})(?=$|\s)/g

/** Entities a Telegram client attaches to text a user types: bot_command, url, mention. */
export function detectUserEntities (text: string): TgEntity[] {
  const found: TgEntity[] = []
  for (const [re, type] of [[COMMAND, 'bot_command'], [URL_RE, 'url'], [MENTION, 'mention']] as const) {
    for (const m of text.matchAll(re)) {
      const lead = (m[1] as string).length
      found.push({ type, offset: (m.index ?? 0) + lead, length: (m[2] as string).length })
    }
  }
  return found.sort((a, b) => a.offset - b.offset)
}
