/**
 * The customer's side of the sandbox as JSON (DESIGN.md "The sandbox (contract)"): simulated
 * Telegram users of the in-process Bot API emulator write, press buttons, share their phone, pay
 * Stars invoices and block the bot; their chats are read page by page or live over server-sent
 * events; `/sandbox/api/clock` moves the server's clock. The web chat is built on it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { DomainError } from '../../domain/shared/errors.js'
import type { TelegramEmulator, TelegramTestUser, TgMessage } from '../telegram/index.js'
import type { OffsetClock } from '../offset-clock.js'
import type { ChatEntry, ChatLog } from './chat-log.js'
import {
  AfterQuery, CallbackBody, ClockBody, ClockState, EntryList, InvoiceParams, InvoicePayBody, InvoicePayResult,
  MessageAccepted, MessageBody, NewUserBody, Problem, User, UserIdParams, UserList
} from './schemas.js'

/** Most simulated customers one sandbox keeps (each holds a transcript in memory). */
export const MAX_SANDBOX_USERS = 1000

/** How often an idle stream gets a comment line, so proxies keep it open. */
const STREAM_KEEPALIVE_MS = 15_000

export interface CustomerApiOptions {
  telegram: TelegramEmulator
  log: ChatLog
  clock: OffsetClock
  /** Runs after the clock moved (records the expiries now due). */
  afterClockAdvance?: () => Promise<void>
}

const problems = { 400: Problem, 404: Problem, 409: Problem }
const noContent = Type.Null({ description: 'no content' })

function userView (user: TelegramTestUser): { id: number, firstName: string, languageCode: string, blocked: boolean } {
  return { id: user.id, firstName: user.user.first_name, languageCode: user.user.language_code ?? 'en', blocked: user.blocked }
}

function notFound (what: string): DomainError {
  return new DomainError('ERR_NOT_FOUND', `No ${what} in the sandbox.`)
}

/** Registers `/sandbox/api/users…` and `/sandbox/api/clock`. */
export async function customerApiRoutes (app: FastifyInstance, opts: CustomerApiOptions): Promise<void> {
  const { telegram, log, clock } = opts
  const users = new Map<number, TelegramTestUser>()
  const streams = new Set<FastifyReply>()

  const userOf = (request: FastifyRequest): TelegramTestUser => {
    const user = users.get(Number((request.params as { id: string }).id))
    if (user === undefined) throw notFound('such user')
    return user
  }
  const messageOf = (user: TelegramTestUser, messageId: number): TgMessage => {
    const message = user.messages().find((m) => m.message_id === messageId)
    if (message === undefined) throw notFound(`message ${messageId} in this chat`)
    return message
  }

  app.get('/sandbox/api/users', { schema: { response: { 200: UserList } } }, async () => {
    return { items: [...users.values()].map(userView) }
  })

  app.post('/sandbox/api/users', { schema: { body: NewUserBody, response: { 201: User, ...problems } } }, async (request, reply) => {
    const body = request.body as { firstName?: string, languageCode?: string }
    if (users.size >= MAX_SANDBOX_USERS) throw new DomainError('ERR_CONFLICT', `The sandbox keeps at most ${MAX_SANDBOX_USERS} customers; restart it for a fresh start.`)
    const user = telegram.user({ firstName: body.firstName ?? `Customer ${users.size + 1}`, languageCode: body.languageCode ?? 'en' })
    users.set(user.id, user)
    log.track(user.id)
    return await reply.code(201).send(userView(user))
  })

  app.post('/sandbox/api/users/:id/messages', { schema: { params: UserIdParams, body: MessageBody, response: { 202: MessageAccepted, ...problems } } }, async (request, reply) => {
    const user = userOf(request)
    const body = request.body as { text: string } | { contact: true }
    const message = 'text' in body ? user.sendText(body.text) : user.shareContact()
    return await reply.code(202).send({ messageId: message.message_id })
  })

  app.post('/sandbox/api/users/:id/callback', { schema: { params: UserIdParams, body: CallbackBody, response: { 202: noContent, ...problems } } }, async (request, reply) => {
    const user = userOf(request)
    const { messageId, data } = request.body as { messageId: number, data: string }
    const message = messageOf(user, messageId)
    const buttons = message.reply_markup?.inline_keyboard?.flat() ?? []
    if (!buttons.some((b) => b.callback_data === data)) {
      throw new DomainError('ERR_VALIDATION', `Message ${messageId} has no button with callback data "${data}".`, { errors: [{ field: 'data', message: 'is not the callback data of a button of this message' }] })
    }
    user.pressButton(message, data)
    return await reply.code(202).send(null)
  })

  for (const action of ['block', 'unblock'] as const) {
    app.post(`/sandbox/api/users/:id/${action}`, { schema: { params: UserIdParams, response: { 204: noContent, ...problems } } }, async (request, reply) => {
      const user = userOf(request)
      if (action === 'block') user.blockBot()
      else user.unblockBot()
      return await reply.code(204).send()
    })
  }

  app.post('/sandbox/api/users/:id/invoices/:messageId/pay', { schema: { params: InvoiceParams, body: InvoicePayBody, response: { 200: InvoicePayResult, ...problems } } }, async (request) => {
    const user = userOf(request)
    const message = messageOf(user, Number((request.params as { messageId: string }).messageId))
    if (message.invoice === undefined || telegram.invoice(message) === undefined) throw notFound(`invoice in message ${message.message_id}`)
    // the customer closes the pay sheet: Telegram sends nothing
    if ((request.body as { outcome: 'pay' | 'cancel' }).outcome === 'cancel') return { outcome: 'cancel' }
    const result = await user.payInvoice(message)
    return result.status === 'declined' ? { outcome: 'declined', errorMessage: result.errorMessage } : { outcome: result.status }
  })

  app.get('/sandbox/api/users/:id/messages', { schema: { params: UserIdParams, querystring: AfterQuery, response: { 200: EntryList, ...problems } } }, async (request) => {
    const user = userOf(request)
    return log.after(user.id, (request.query as { after?: number }).after ?? 0)
  })

  app.get('/sandbox/api/users/:id/stream', {
    schema: { params: UserIdParams, querystring: AfterQuery, response: { 200: Type.String({ description: 'text/event-stream of entries (`id: seq`, `data: entry`)' }), ...problems } }
  }, async (request, reply) => {
    const user = userOf(request)
    const lastEventId = Number(request.headers['last-event-id'])
    const after = Number.isSafeInteger(lastEventId) && lastEventId >= 0 ? lastEventId : (request.query as { after?: number }).after ?? 0
    reply.hijack()
    const raw = reply.raw
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' })
    const send = (entry: ChatEntry): void => { raw.write(`id: ${entry.seq}\nevent: entry\ndata: ${JSON.stringify(entry)}\n\n`) }
    let sent = after
    const unsubscribe = log.subscribe(user.id, (entry) => {
      if (entry.seq <= sent) return
      sent = entry.seq
      send(entry)
    })
    for (const entry of log.after(user.id, after).items) {
      sent = entry.seq
      send(entry)
    }
    raw.write(': ready\n\n')
    const keepalive = setInterval(() => raw.write(': keepalive\n\n'), STREAM_KEEPALIVE_MS)
    keepalive.unref()
    streams.add(reply)
    const end = (): void => {
      clearInterval(keepalive)
      unsubscribe()
      streams.delete(reply)
      if (!raw.writableEnded) raw.end()
    }
    request.raw.once('close', end)
    raw.once('close', end)
  })

  app.get('/sandbox/api/clock', { schema: { response: { 200: ClockState } } }, async () => clockState(clock))

  app.post('/sandbox/api/clock', { schema: { body: ClockBody, response: { 200: ClockState, ...problems } } }, async (request) => {
    clock.advance((request.body as { advanceS: number }).advanceS * 1000)
    await opts.afterClockAdvance?.()
    return clockState(clock)
  })

  // open streams would keep the server from closing
  app.addHook('preClose', async () => {
    for (const reply of [...streams]) reply.raw.end()
    streams.clear()
  })
}

function clockState (clock: OffsetClock): { now: string, offsetS: number } {
  return { now: new Date(clock.now()).toISOString(), offsetS: Math.floor(clock.offsetMs / 1000) }
}
