/**
 * Who did what through the admin API (issue 15 point 5). A route that changes something names its
 * target in its config (`config: { audit: { target: 'product', action: 'product.updated' } }`);
 * once it answered 2xx, the admin scope's `onSend` hook records the caller (token id, `env` for
 * ADMIN_TOKEN), the method and route, the target (from the path, or the `id` of the answer for a
 * creation) and a summary of the body sent (strings cut at 200 characters, secrets never: no
 * route takes one). `GET /api/v1/{products,categories,orders}/:id/audit` and
 * `GET /api/v1/customers/:telegramId/audit` list a target's entries, newest first.
 *
 * The entry is written after the change committed, before the answer leaves: a crash in between
 * loses that entry (decision 0021).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type, type Static } from 'typebox'
import type { Clock } from '../../../domain/shared/clock.js'
import { validationError } from '../../../domain/shared/errors.js'
import type { AuditEntry, AuditLog } from '../../../usecases/ports-catalog.js'
import { ADMIN_PROBLEMS, CategoryParams, CustomerParams, List, ListQuery, OrderParams, ProductParams } from '../../schemas/admin.js'
import type { AdminRoutesOptions } from './options.js'

/** What a changing route records. */
export interface AuditConfig {
  target: AuditEntry['targetType']
  action: string
}

declare module 'fastify' {
  interface FastifyContextConfig {
    audit?: AuditConfig
  }
}

const MAX_TEXT = 200

/** The body sent, bounded: strings cut, arrays and nesting limited. */
function summarize (value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}…` : value
  if (Array.isArray(value)) return depth > 3 ? '[…]' : value.slice(0, 20).map((v) => summarize(v, depth + 1))
  if (value !== null && typeof value === 'object') {
    if (depth > 3) return '{…}'
    return Object.fromEntries(Object.entries(value).filter(([k]) => !/secret|token|password/i.test(k)).map(([k, v]) => [k, summarize(v, depth + 1)]))
  }
  return value
}

function targetIdOf (request: FastifyRequest, payload: unknown): string | undefined {
  // a forgotten customer is recorded under their anonymous id only
  if (typeof payload === 'string' && payload.includes('"anonymousId"')) {
    try {
      const id = (JSON.parse(payload) as { anonymousId?: unknown }).anonymousId
      if (typeof id === 'number') return String(id)
    } catch {}
  }
  const params = request.params as Record<string, string> | undefined
  if (params?.telegramId !== undefined) return params.telegramId
  if (params?.id !== undefined) return params.id
  if (typeof payload !== 'string') return undefined
  try {
    const body = JSON.parse(payload) as { id?: unknown }
    return typeof body.id === 'string' ? body.id : undefined
  } catch {
    return undefined
  }
}

/** Records the change a 2xx answer of an audited route made. */
export async function recordAudit (audit: AuditLog, clock: Clock, request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<void> {
  const config = request.routeOptions.config.audit
  if (config === undefined || reply.statusCode >= 300) return
  const targetId = targetIdOf(request, payload) ?? (config.target === 'settings' ? 'shop' : undefined)
  if (targetId === undefined) return
  await audit.record({
    at: clock.now(),
    actor: request.admin?.tokenId ?? 'unknown',
    method: request.method,
    route: request.routeOptions.url ?? request.url,
    targetType: config.target,
    targetId,
    action: config.action,
    summary: (summarize(request.body ?? {}) ?? {}) as Record<string, unknown>
  })
}

export const AuditItem = Type.Object({
  at: Type.String({ format: 'date-time' }),
  actor: Type.String({ description: 'the token id (`env` for ADMIN_TOKEN)' }),
  method: Type.String(),
  route: Type.String(),
  action: Type.String(),
  summary: Type.Object({}, { additionalProperties: true })
})

function encodeSeq (seq: number): string {
  return globalThis.btoa(`a|${seq}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function decodeSeq (cursor: string): number {
  try {
    const [kind, text] = globalThis.atob(cursor.replace(/-/g, '+').replace(/_/g, '/')).split('|')
    const seq = Number(text)
    if (kind === 'a' && Number.isSafeInteger(seq) && seq > 0) return seq
  } catch {}
  throw validationError([{ field: 'cursor', message: 'is not a cursor this API gave out' }])
}

export async function auditRoutes (app: FastifyInstance, options: AdminRoutesOptions): Promise<void> {
  const targets = [
    ['products', 'product', ProductParams, 'id'],
    ['categories', 'category', CategoryParams, 'id'],
    ['orders', 'order', OrderParams, 'id'],
    ['customers', 'customer', CustomerParams, 'telegramId']
  ] as const
  for (const [collection, type, params, name] of targets) {
    app.get(`/${collection}/:${name}/audit`, {
      schema: { operationId: `list${type[0]!.toUpperCase()}${type.slice(1)}Audit`, tags: [collection], summary: `Changes made to a ${type} through the admin API, newest first`, params, querystring: ListQuery, response: { 200: List(AuditItem), ...ADMIN_PROBLEMS } }
    }, async (request) => {
      const id = (request.params as Record<string, string>)[name] as string
      const query = request.query as Static<typeof ListQuery>
      const limit = query.limit ?? 50
      const before = query.cursor !== undefined ? decodeSeq(query.cursor) : undefined
      const rows = await options.audit.list({ type, id }, { limit: limit + 1, ...(before !== undefined ? { before } : {}) })
      const items = rows.slice(0, limit)
      const last = items[items.length - 1]
      return {
        items: items.map((e) => ({ at: new Date(e.at).toISOString(), actor: e.actor, method: e.method, route: e.route, action: e.action, summary: e.summary })),
        nextCursor: rows.length > limit && last !== undefined ? encodeSeq(last.seq) : null
      }
    })
  }
}
