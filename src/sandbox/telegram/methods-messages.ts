import { badRequest, QUERY_TOO_OLD } from './api-error.js'
import type { ChatRecord } from './bot-state.js'
import { chatForSend, type EmulatorCore, type MethodHandler } from './core.js'
import { inlineOnly, resolveReplyMarkup } from './markup.js'
import { isUpload, optBool, optInt, optJson, optString, reqChatId, reqInt, reqString, type Params } from './params.js'
import { resolveText } from './text-content.js'
import type { TgMessage } from './types.js'

/** The message a send replies to (reply_parameters or legacy reply_to_message_id). */
function replyTarget (core: EmulatorCore, chat: ChatRecord, params: Params): TgMessage | undefined {
  const rp = optJson(params, 'reply_parameters') as { message_id?: unknown, allow_sending_without_reply?: unknown } | undefined
  const id = rp?.message_id ?? optInt(params, 'reply_to_message_id')
  if (id === undefined) return undefined
  const target = core.state.findMessage(chat.chat.id, Number(id))
  if (target === undefined) {
    if (rp?.allow_sending_without_reply === true || optBool(params, 'allow_sending_without_reply') === true) return undefined
    throw badRequest('message to be replied not found')
  }
  const { reply_to_message: _nested, ...flat } = target
  return flat
}

function withText (fields: Partial<TgMessage>, field: 'text' | 'caption', content: { text: string, entities: import('./types.js').TgEntity[] } | undefined): Partial<TgMessage> {
  if (content === undefined) return fields
  const entitiesKey = field === 'text' ? 'entities' : 'caption_entities'
  return { ...fields, [field]: content.text, ...(content.entities.length > 0 ? { [entitiesKey]: content.entities } : {}) }
}

/** Common tail of every send: resolve chat (rate limit), reply target, markup; store the message. */
export function sendToChat (core: EmulatorCore, params: Params, fields: Partial<TgMessage>): TgMessage {
  const requested = resolveReplyMarkup(params)
  const markup = inlineOnly(requested)
  const chat = chatForSend(core, reqChatId(params))
  const reply = replyTarget(core, chat, params)
  // a reply keyboard is the client's, not the message's: it goes with the change event only
  const replyKeyboard = requested !== undefined && requested.inline_keyboard === undefined ? requested : undefined
  return core.state.addMessage(chat.chat.id, core.bot, {
    ...fields,
    ...(reply !== undefined ? { reply_to_message: reply } : {}),
    ...(markup !== undefined ? { reply_markup: markup } : {})
  }, replyKeyboard)
}

const sendMessage: MethodHandler = (core, params) => {
  reqChatId(params)
  return sendToChat(core, params, withText({}, 'text', resolveText(params, 'text', 'entities')))
}

/** A file parameter: an upload, a known file_id or an HTTP URL. */
function fileParam (core: EmulatorCore, params: Params, name: 'photo' | 'document', prefix: string): { fileId: string, fileUniqueId: string, size?: number, name?: string } {
  let value = params[name]
  if (value === undefined || value === '') throw badRequest(`there is no ${name} in the request`)
  // a client may send the file as another part and name it (`attach://<part>`), as grammY does
  if (typeof value === 'string' && value.startsWith('attach://')) {
    value = params[value.slice('attach://'.length)]
    if (value === undefined || !isUpload(value)) throw badRequest('wrong file identifier/HTTP URL specified')
  }
  if (isUpload(value)) return core.state.newFile(prefix, 'upload', value.size, value.fileName)
  if (typeof value !== 'string') throw badRequest('wrong file identifier/HTTP URL specified')
  const known = core.state.files.get(value)
  if (known !== undefined) return known
  if (/^https?:\/\/\S+$/.test(value)) {
    return core.state.newFile(prefix, value, undefined, decodeURIComponent(new URL(value).pathname.split('/').pop() ?? '') || undefined)
  }
  throw badRequest('wrong file identifier/HTTP URL specified')
}

const sendPhoto: MethodHandler = (core, params) => {
  reqChatId(params)
  const caption = resolveText(params, 'caption', 'caption_entities')
  const file = fileParam(core, params, 'photo', 'AgACAgIAAxk')
  const photo = [
    { file_id: file.fileId, file_unique_id: file.fileUniqueId, width: 90, height: 90 },
    { file_id: file.fileId, file_unique_id: file.fileUniqueId, width: 800, height: 800, ...(file.size !== undefined ? { file_size: file.size } : {}) }
  ]
  return sendToChat(core, params, withText({ photo }, 'caption', caption))
}

const sendDocument: MethodHandler = (core, params) => {
  reqChatId(params)
  const caption = resolveText(params, 'caption', 'caption_entities')
  const file = fileParam(core, params, 'document', 'BQACAgIAAxk')
  const document = {
    file_id: file.fileId,
    file_unique_id: file.fileUniqueId,
    ...(file.name !== undefined ? { file_name: file.name } : {}),
    ...(file.size !== undefined ? { file_size: file.size } : {})
  }
  return sendToChat(core, params, withText({ document }, 'caption', caption))
}

const NOT_MODIFIED = 'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message'

/** The bot's own message addressed by chat_id + message_id (inline messages are not emulated). */
function editable (core: EmulatorCore, params: Params): TgMessage {
  if (params.inline_message_id !== undefined) throw badRequest('MESSAGE_ID_INVALID')
  const chatId = reqChatId(params)
  const message = typeof chatId === 'number' ? core.state.findMessage(chatId, reqInt(params, 'message_id')) : undefined
  if (message === undefined) throw badRequest('message to edit not found')
  if (message.from?.id !== core.bot.id) throw badRequest("message can't be edited")
  return message
}

function commitEdit (core: EmulatorCore, before: TgMessage, after: TgMessage): TgMessage {
  const same = (k: keyof TgMessage): boolean => JSON.stringify(before[k]) === JSON.stringify(after[k])
  if (same('text') && same('entities') && same('caption') && same('caption_entities') && same('reply_markup')) {
    throw badRequest(NOT_MODIFIED)
  }
  const edited = { ...after, edit_date: core.state.unixNow() }
  core.state.replaceMessage(edited)
  return edited
}

function without<K extends keyof TgMessage> (message: TgMessage, ...keys: K[]): TgMessage {
  const copy = { ...message }
  for (const k of keys) delete copy[k]
  return copy
}

const editMessageText: MethodHandler = (core, params) => {
  const message = editable(core, params)
  const content = resolveText(params, 'text', 'entities')
  if (message.text === undefined) throw badRequest('there is no text in the message to edit')
  const markup = inlineOnly(resolveReplyMarkup(params))
  // Like Telegram, an edit without reply_markup removes the inline keyboard.
  const after = withText(without(message, 'entities', 'reply_markup', 'edit_date'), 'text', content) as TgMessage
  return commitEdit(core, message, markup !== undefined ? { ...after, reply_markup: markup } : after)
}

const editMessageCaption: MethodHandler = (core, params) => {
  const message = editable(core, params)
  if (message.photo === undefined && message.document === undefined) throw badRequest('there is no caption in the message to edit')
  const content = resolveText(params, 'caption', 'caption_entities')
  const markup = inlineOnly(resolveReplyMarkup(params))
  const after = withText(without(message, 'caption', 'caption_entities', 'reply_markup', 'edit_date'), 'caption', content) as TgMessage
  return commitEdit(core, message, markup !== undefined ? { ...after, reply_markup: markup } : after)
}

const editMessageReplyMarkup: MethodHandler = (core, params) => {
  const message = editable(core, params)
  const markup = inlineOnly(resolveReplyMarkup(params))
  const after = without(message, 'reply_markup', 'edit_date')
  return commitEdit(core, message, markup !== undefined ? { ...after, reply_markup: markup } : after)
}

const deleteMessage: MethodHandler = (core, params) => {
  const chatId = reqChatId(params)
  const message = typeof chatId === 'number' ? core.state.findMessage(chatId, reqInt(params, 'message_id')) : undefined
  if (message === undefined) throw badRequest('message to delete not found')
  if (core.state.unixNow() - message.date > 48 * 3600) throw badRequest("message can't be deleted for everyone")
  core.state.removeMessage(message)
  return true
}

const CONTENT_KEYS = ['text', 'entities', 'caption', 'caption_entities', 'photo', 'document', 'contact'] as const

function sourceMessage (core: EmulatorCore, params: Params, what: string): TgMessage {
  const fromChat = reqChatId(params, 'from_chat_id')
  const message = typeof fromChat === 'number' ? core.state.findMessage(fromChat, reqInt(params, 'message_id')) : undefined
  if (message === undefined) throw badRequest(`message to ${what} not found`)
  return message
}

const forwardMessage: MethodHandler = (core, params) => {
  const source = sourceMessage(core, params, 'forward')
  const content: Partial<TgMessage> = {}
  for (const k of CONTENT_KEYS) if (source[k] !== undefined) Object.assign(content, { [k]: source[k] })
  const origin = source.from !== undefined
    ? { type: 'user', sender_user: source.from, date: source.date }
    : { type: 'chat', sender_chat: source.chat, date: source.date }
  const chat = chatForSend(core, reqChatId(params))
  return core.state.addMessage(chat.chat.id, core.bot, { ...content, forward_origin: origin })
}

const copyMessage: MethodHandler = (core, params) => {
  const source = sourceMessage(core, params, 'copy')
  if (source.invoice !== undefined || source.successful_payment !== undefined || source.refunded_payment !== undefined) {
    throw badRequest("message can't be copied")
  }
  const content: Partial<TgMessage> = {}
  for (const k of CONTENT_KEYS) if (source[k] !== undefined) Object.assign(content, { [k]: source[k] })
  const caption = params.caption !== undefined ? resolveText(params, 'caption', 'caption_entities') : undefined
  const fields = caption !== undefined ? withText(without(content as TgMessage, 'caption', 'caption_entities'), 'caption', caption) : content
  const copy = sendToChat(core, params, fields)
  return { message_id: copy.message_id }
}

const ACTIONS = new Set(['typing', 'upload_photo', 'record_video', 'upload_video', 'record_voice', 'upload_voice',
  'upload_document', 'choose_sticker', 'find_location', 'record_video_note', 'upload_video_note'])

const sendChatAction: MethodHandler = (core, params) => {
  const chatId = reqChatId(params)
  if (!ACTIONS.has(reqString(params, 'action'))) throw badRequest('wrong parameter action in request')
  core.state.targetChat(chatId)
  return true
}

const answerCallbackQuery: MethodHandler = (core, params) => {
  const id = reqString(params, 'callback_query_id')
  const record = core.state.callbacks.get(id)
  if (record === undefined || record.answer !== undefined || core.clock.now() - record.createdAt > core.limits.callbackQueryTtlMs) {
    throw badRequest(QUERY_TOO_OLD)
  }
  const text = optString(params, 'text')
  if (text !== undefined && text.length > 200) throw badRequest('MESSAGE_TOO_LONG')
  record.answer = {
    ...(text !== undefined ? { text } : {}),
    show_alert: optBool(params, 'show_alert') ?? false,
    ...(optString(params, 'url') !== undefined ? { url: optString(params, 'url') } : {}),
    cache_time: optInt(params, 'cache_time') ?? 0,
    at: core.clock.now()
  }
  core.state.events.emit('callbackAnswer', record)
  return true
}

const getChat: MethodHandler = (core, params) => {
  const chatId = reqChatId(params)
  const record = typeof chatId === 'number' ? core.state.chats.get(chatId) : undefined
  if (record === undefined) throw badRequest('chat not found')
  return { ...record.chat, accent_color_id: 0, max_reaction_count: 11, accepted_gift_types: {} }
}

export const messageMethods: Record<string, MethodHandler> = {
  sendMessage,
  sendPhoto,
  sendDocument,
  editMessageText,
  editMessageCaption,
  editMessageReplyMarkup,
  deleteMessage,
  forwardMessage,
  copyMessage,
  sendChatAction,
  answerCallbackQuery,
  getChat
}
