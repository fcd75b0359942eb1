/**
 * Telegram's HTTP side (DESIGN.md route table):
 * - `POST /telegram/webhook` (webhook mode only): the secret header is checked in `onRequest`,
 *   before the body is parsed (401); a body that is not an update gets 400; the update is run
 *   once through the update processor and answered 200 with an empty body; 503 only when the
 *   database failed before anything was committed, so Telegram redelivers.
 * - `POST /telegram/webapp/auth`: Mini App `initData` → 200 `{user, authDate}` or 401.
 */
import { timingSafeEqual } from 'node:crypto'
import { Type, type TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import type { FastifyInstance } from 'fastify'
import type { Update } from 'grammy/types'
import type { UpdateProcessor } from '../../adapters/telegram/update-processor.js'
import { validateInitData } from '../../adapters/telegram/webapp-auth.js'
import type { Clock } from '../../domain/shared/clock.js'
import { problem, sendProblem } from '../plugins/problems.js'
import { rateLimit } from '../plugins/rate-limit.js'

export const WEBHOOK_PATH = '/telegram/webhook'
/** Longer handling answers 200 anyway and goes on; the claimed update_id keeps a redelivery out. */
export const WEBHOOK_ANSWER_DEADLINE_MS = 20_000

export interface TelegramWebhookOptions {
  secret: string
  processor: UpdateProcessor
}

const SECRET_HEADER = 'x-telegram-bot-api-secret-token'

function sameSecret (given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

// The fields Telegram always sends for the kinds of update the bot takes (allowed_updates), so
// a body that only looks like an update (`"pre_checkout_query": "x"`, a message without a chat)
// is refused 400 here instead of failing in a handler (which answers 503: Telegram would
// redeliver it for a day). Anything else in an update passes as it is.
const Open = { additionalProperties: true }
const User = Type.Object({ id: Type.Integer() }, Open)
const Chat = Type.Object({ id: Type.Integer(), type: Type.String() }, Open)
const Message = Type.Object({ message_id: Type.Integer(), date: Type.Integer(), chat: Chat, from: Type.Optional(User) }, Open)
const UpdateBody = Type.Object({
  update_id: Type.Integer({ minimum: 0 }),
  message: Type.Optional(Message),
  edited_message: Type.Optional(Message),
  callback_query: Type.Optional(Type.Object({ id: Type.String(), from: User, message: Type.Optional(Type.Object({}, Open)) }, Open)),
  pre_checkout_query: Type.Optional(Type.Object({ id: Type.String(), from: User, currency: Type.String(), total_amount: Type.Integer(), invoice_payload: Type.String() }, Open)),
  my_chat_member: Type.Optional(Type.Object({ chat: Chat, from: User, date: Type.Integer() }, Open))
}, Open)

/**
 * Checks a body against its schema as it is: Fastify's default Ajv coerces types, which made
 * `{"update_id": null}` or `{"update_id": "7"}` an update (0, 7) instead of the 400 a body that is
 * not an update gets.
 */
function compileExactValidator ({ schema }: { schema: unknown }): (data: unknown) => boolean | { value: unknown } {
  const check = Compile(schema as TSchema)
  const fn = (data: unknown): boolean | { value: unknown } => {
    if (check.Check(data)) return { value: data }
    Object.assign(fn, { errors: [...check.Errors(data)].map((e) => ({ keyword: e.keyword, instancePath: e.instancePath, schemaPath: e.schemaPath, params: e.params as Record<string, unknown>, message: e.message })) })
    return false
  }
  return fn
}

export async function telegramWebhookRoutes (app: FastifyInstance, opts: TelegramWebhookOptions): Promise<void> {
  app.setValidatorCompiler(compileExactValidator)
  app.addHook('onRequest', async (request, reply) => {
    if (!sameSecret(request.headers[SECRET_HEADER], opts.secret)) {
      request.log.info({ module: 'telegram' }, 'webhook call without the right secret token refused')
      return await sendProblem(reply, problem(401, 'ERR_AUTH', 'Missing or wrong X-Telegram-Bot-Api-Secret-Token.'))
    }
  })
  app.post(WEBHOOK_PATH, {
    // no per-IP counting: the secret header already proves the caller is Telegram, and a count
    // that never refuses cost a round trip per update (issue 18, decision 0045)
    schema: { body: UpdateBody, hide: true },
    // the caller is Telegram, never a browser: helmet's dozen headers (≈ 0.7 kB) only cost a
    // hot path its socket writes (issue 18, decision 0067)
    helmet: false
  }, async (request, reply) => {
    const update = request.body as Update
    const run = opts.processor.process(update)
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), WEBHOOK_ANSWER_DEADLINE_MS) })
    try {
      const outcome = await Promise.race([run, late])
      if (outcome === 'late') {
        run.catch((err: unknown) => request.log.error({ module: 'telegram', updateId: update.update_id, err }, 'late update failed'))
        request.log.warn({ module: 'telegram', updateId: update.update_id }, 'update still running; answered 200')
      }
    } catch (err) {
      request.log.error({ module: 'telegram', updateId: update.update_id, err }, 'update failed before anything was committed; Telegram will redeliver it')
      return await sendProblem(reply, problem(503, 'ERR_UNAVAILABLE', 'The update could not be handled now; it will be delivered again.'))
    } finally {
      clearTimeout(timer)
    }
    return await reply.code(200).send()
  })
}

export interface WebAppAuthOptions {
  botToken: string
  maxAgeS: number
  clock: Clock
}

const AuthBody = Type.Object({ initData: Type.String({ minLength: 1, maxLength: 8192 }) }, { additionalProperties: false })

export async function webAppAuthRoutes (app: FastifyInstance, opts: WebAppAuthOptions): Promise<void> {
  app.post('/telegram/webapp/auth', {
    schema: { body: AuthBody },
    preHandler: rateLimit('public.ip', (request) => ['ip', request.ip])
  }, async (request, reply) => {
    const { initData } = request.body as { initData: string }
    const result = validateInitData(initData, opts.botToken, { maxAgeS: opts.maxAgeS, nowS: Math.floor(opts.clock.now() / 1000) })
    if (!result.ok) return await sendProblem(reply, problem(401, 'ERR_AUTH', `initData refused: ${result.reason}.`))
    return { user: result.user ?? null, authDate: result.authDate }
  })
}
