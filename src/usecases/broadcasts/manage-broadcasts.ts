/**
 * The merchant's side of broadcasts (DESIGN.md "Broadcasts"): create (now or at `sendAt`),
 * preview (the audience's size, and one copy to `testTo`), list, read, pause, resume and cancel.
 * Sending is the worker's (send-broadcasts.ts).
 *
 * @example
 * const view = await createBroadcast(deps, { content: { text: '<b>Sale</b>' }, audience: {} })
 * await changeBroadcastState(deps, view.id, 'pause')
 */
import { DomainError, validationError } from '../../domain/shared/errors.js'
import { createId } from '../../domain/shared/ids.js'
import { telegramHtmlProblem } from '../../domain/shared/telegram-html.js'
import type { Language } from '../../domain/shared/language.js'
import type { Page } from '../catalog.js'
import type { Audience, BroadcastButton, BroadcastContent, BroadcastSender, BroadcastState, BroadcastStore, BroadcastView } from './ports.js'

/** Telegram's limits: a message's text and a photo's caption (after entities are parsed). */
export const MAX_TEXT = 4096
export const MAX_CAPTION = 1024

export interface BroadcastDeps {
  store: BroadcastStore
  now: number
}

/** What the merchant asks for; `photo` may name a product (its first image is sent). */
export interface BroadcastRequest {
  text: string
  photo?: string | { productId: string }
  button?: BroadcastButton
  audience: Audience
  sendAt?: number
}

function notFound (id: string): DomainError {
  return new DomainError('ERR_BROADCAST_NOT_FOUND', `No broadcast ${id}`, { id })
}

/** The text as Telegram counts it: without tags, with the five entities HTML mode knows. */
function visibleLength (html: string): number {
  return html.replace(/<[^>]*>/g, '').replace(/&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/gi, 'x').length
}

/** Checks the request and resolves a product photo; the content every recipient gets. */
async function contentOf (store: BroadcastStore, request: BroadcastRequest): Promise<BroadcastContent> {
  const errors: Array<{ field: string, message: string }> = []
  if (request.text.trim() === '') errors.push({ field: 'text', message: 'must not be empty' })
  const html = telegramHtmlProblem(request.text)
  if (html !== undefined) errors.push({ field: 'text', message: html })
  let photo: string | undefined
  if (typeof request.photo === 'object') {
    const image = await store.productImage(request.photo.productId)
    if (image === undefined) errors.push({ field: 'photo.productId', message: 'is not a product' })
    else if (image === null) errors.push({ field: 'photo.productId', message: 'has no image' })
    else photo = image
  } else if (request.photo !== undefined) {
    photo = request.photo
  }
  const limit = photo !== undefined ? MAX_CAPTION : MAX_TEXT
  if (visibleLength(request.text) > limit) errors.push({ field: 'text', message: `is longer than Telegram allows (${limit} characters${photo !== undefined ? ' under a photo' : ''})` })
  const button = request.button
  if (button !== undefined && 'productId' in button && await store.productImage(button.productId) === undefined) {
    errors.push({ field: 'button.productId', message: 'is not a product' })
  }
  if (errors.length > 0) throw validationError(errors)
  return { text: request.text, ...(photo !== undefined ? { photo } : {}), ...(button !== undefined ? { button } : {}) }
}

export async function createBroadcast (deps: BroadcastDeps, request: BroadcastRequest): Promise<BroadcastView> {
  const content = await contentOf(deps.store, request)
  const id = createId('brd')
  await deps.store.insert({ id, content, audience: request.audience, ...(request.sendAt !== undefined ? { sendAt: request.sendAt } : {}), now: deps.now })
  return await getBroadcast(deps, id)
}

/** The audience's size now, and (with `testTo`) one copy sent to that chat, in its language. */
export async function previewBroadcast (deps: BroadcastDeps & { sender?: BroadcastSender, defaultLanguage: Language }, request: BroadcastRequest & { testTo?: number }): Promise<{ recipients: number }> {
  const content = await contentOf(deps.store, request)
  const recipients = await deps.store.countAudience(request.audience, deps.now)
  if (request.testTo !== undefined) {
    if (deps.sender === undefined) throw validationError([{ field: 'testTo', message: 'cannot be sent: no bot runs (BOT_TOKEN unset and no sandbox)' }])
    const language = await deps.store.customerLanguage(request.testTo) ?? deps.defaultLanguage
    const result = await deps.sender.send(request.testTo, content, language)
    if (result.kind !== 'sent') {
      throw validationError([{ field: 'testTo', message: `Telegram did not deliver the test copy: ${result.error}` }])
    }
  }
  return { recipients }
}

export async function getBroadcast (deps: Pick<BroadcastDeps, 'store'>, id: string): Promise<BroadcastView> {
  return await deps.store.get(id) ?? (() => { throw notFound(id) })()
}

function encodePosition (p: { at: number, id: string }): string {
  return globalThis.btoa(`b|${p.at}|${p.id}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function decodePosition (cursor: string): { at: number, id: string } {
  try {
    const [kind, at, id] = globalThis.atob(cursor.replace(/-/g, '+').replace(/_/g, '/')).split('|')
    if (kind === 'b' && Number.isSafeInteger(Number(at)) && id !== undefined && /^brd_[A-Za-z0-9_]{1,64}$/.test(id)) return { at: Number(at), id }
  } catch {}
  throw validationError([{ field: 'cursor', message: 'is not a cursor this API gave out' }])
}

export async function listBroadcasts (deps: Pick<BroadcastDeps, 'store'>, input: { limit?: number, cursor?: string }): Promise<Page<BroadcastView>> {
  const limit = input.limit ?? 50
  const before = input.cursor !== undefined ? decodePosition(input.cursor) : undefined
  const rows = await deps.store.list({ limit: limit + 1, ...(before !== undefined ? { before } : {}) })
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodePosition({ at: last.createdAt, id: last.id }) : null }
}

export type BroadcastAction = 'pause' | 'resume' | 'cancel'

/** The state an action leads to from `current`, or undefined when it may not (409). */
export function nextState (action: BroadcastAction, current: BroadcastState, started: boolean): BroadcastState | undefined {
  switch (action) {
    case 'pause': return current === 'scheduled' || current === 'sending' ? 'paused' : undefined
    case 'resume': return current === 'paused' ? (started ? 'sending' : 'scheduled') : undefined
    case 'cancel': return current === 'scheduled' || current === 'sending' || current === 'paused' ? 'cancelled' : undefined
  }
}

/**
 * Pause, resume or cancel under the broadcast's row lock. Pausing twice (or cancelling twice)
 * answers the broadcast as it is; any other move the state does not allow is 409.
 */
export async function changeBroadcastState (deps: BroadcastDeps, id: string, action: BroadcastAction): Promise<BroadcastView> {
  const result = await deps.store.transition(id, (current, started) => nextState(action, current, started), deps.now)
  if (result.found === undefined) throw notFound(id)
  const already = (action === 'pause' && result.found === 'paused') || (action === 'cancel' && result.found === 'cancelled') ||
    (action === 'resume' && (result.found === 'sending' || result.found === 'scheduled'))
  if (!result.changed && !already) {
    throw new DomainError('ERR_BROADCAST_STATE', `A ${result.found} broadcast cannot ${action}`, { id, state: result.found })
  }
  return await getBroadcast(deps, id)
}

/**
 * The merchant's choice to send the `uncertain` copies again (decision 0065): their recipients are
 * pending again and the broadcast (done, sending or paused) takes them like the others; a paused
 * one sends them once resumed. Some of these customers may get the message twice: that is what the
 * merchant accepts by asking. With none uncertain it answers the broadcast as it is; a scheduled
 * or cancelled broadcast is 409.
 */
export async function resendUncertain (deps: BroadcastDeps, id: string): Promise<BroadcastView> {
  const result = await deps.store.resendUncertain(id, deps.now)
  if (result.found === undefined) throw notFound(id)
  if (result.found === 'scheduled' || result.found === 'cancelled') {
    throw new DomainError('ERR_BROADCAST_STATE', `A ${result.found} broadcast has no copies to send again`, { id, state: result.found })
  }
  return await getBroadcast(deps, id)
}
