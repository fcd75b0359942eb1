/**
 * Telegram's HTTP side (DESIGN.md route table):
 * - `POST /telegram/webhook` (webhook mode only): the secret header is checked in `onRequest`,
 *   before the body is parsed (401); a body that is not an update gets 400; the update is run
 *   once through the update processor and answered 200 with an empty body; 503 only when the
 *   database failed before anything was committed, so Telegram redelivers.
 * - `POST /telegram/webapp/auth`: Mini App `initData` → 200 `{user, authDate}` or 401.
 */
import { timingSafeEqual } from 'node:crypto'
import { Type } from 'typebox'
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

const UpdateBody = Type.Object({ update_id: Type.Integer({ minimum: 0 }) }, { additionalProperties: true })

export async function telegramWebhookRoutes (app: FastifyInstance, opts: TelegramWebhookOptions): Promise<void> {
  app.addHook('onRequest', async (request, reply) => {
    if (!sameSecret(request.headers[SECRET_HEADER], opts.secret)) {
      request.log.info({ module: 'telegram' }, 'webhook call without the right secret token refused')
      return await sendProblem(reply, problem(401, 'ERR_AUTH', 'Missing or wrong X-Telegram-Bot-Api-Secret-Token.'))
    }
  })
  app.post(WEBHOOK_PATH, {
    // no per-IP counting: the secret header already proves the caller is Telegram, and a count
    // that never refuses cost a round trip per update (issue 18, decision 0045)
    schema: { body: UpdateBody, hide: true }
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
