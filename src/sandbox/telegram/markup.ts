import { badRequest } from './api-error.js'
import { optJson, type Params } from './params.js'
import type { TgInlineButton, TgReplyMarkup } from './types.js'

const INLINE_ACTIONS = ['callback_data', 'url', 'web_app', 'login_url', 'switch_inline_query',
  'switch_inline_query_current_chat', 'switch_inline_query_chosen_chat', 'copy_text', 'callback_game', 'pay']

function validateInlineButton (button: unknown): TgInlineButton {
  if (typeof button !== 'object' || button === null) throw badRequest("can't parse inline keyboard button: Object expected")
  const b = button as TgInlineButton
  if (typeof b.text !== 'string') throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
  if (b.text.length === 0) throw badRequest('BUTTON_TEXT_INVALID')
  const actions = INLINE_ACTIONS.filter((a) => b[a] !== undefined)
  if (actions.length === 0) throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
  if (b.callback_data !== undefined) {
    const bytes = typeof b.callback_data === 'string' ? Buffer.byteLength(b.callback_data) : 0
    if (bytes < 1 || bytes > 64) throw badRequest('BUTTON_DATA_INVALID')
  }
  if (b.url !== undefined) {
    if (typeof b.url !== 'string' || !/^(https?|tg):\/\/\S+$/i.test(b.url)) throw badRequest('BUTTON_URL_INVALID')
  }
  if (b.web_app !== undefined && !/^https:\/\//.test(String(b.web_app?.url))) {
    throw badRequest('BUTTON_TYPE_INVALID')
  }
  return b
}

/**
 * Reads and validates `reply_markup`: inline keyboards (callback_data 1–64 UTF-8 bytes,
 * exactly one action per button), reply keyboards, remove_keyboard and force_reply.
 */
export function resolveReplyMarkup (params: Params): TgReplyMarkup | undefined {
  const markup = optJson(params, 'reply_markup')
  if (markup === undefined) return undefined
  if (typeof markup !== 'object' || markup === null || Array.isArray(markup)) {
    throw badRequest("can't parse reply keyboard markup JSON object")
  }
  const m = markup as TgReplyMarkup
  if (m.inline_keyboard !== undefined) {
    if (!Array.isArray(m.inline_keyboard) || !m.inline_keyboard.every(Array.isArray)) {
      throw badRequest("can't parse inline keyboard markup: Field \"inline_keyboard\" must be of type Array")
    }
    for (const row of m.inline_keyboard) row.forEach(validateInlineButton)
    return { inline_keyboard: m.inline_keyboard }
  }
  if (m.keyboard !== undefined) {
    if (!Array.isArray(m.keyboard) || !m.keyboard.every(Array.isArray)) {
      throw badRequest("can't parse reply keyboard markup: Field \"keyboard\" must be of type Array")
    }
    const keyboard = m.keyboard.map((row) => row.map((b) => typeof b === 'string' ? { text: b } : b))
    for (const row of keyboard) {
      for (const b of row) {
        if (typeof b?.text !== 'string' || b.text === '') throw badRequest('BUTTON_TEXT_INVALID')
      }
    }
    return { ...m, keyboard }
  }
  if (m.remove_keyboard === true || m.force_reply === true) return m
  throw badRequest("can't parse reply keyboard markup: unknown keyboard type")
}

/** The inline keyboard that goes on a message (reply keyboards are not part of the message). */
export function inlineOnly (markup: TgReplyMarkup | undefined): TgReplyMarkup | undefined {
  return markup?.inline_keyboard !== undefined && markup.inline_keyboard.length > 0 ? { inline_keyboard: markup.inline_keyboard } : undefined
}
