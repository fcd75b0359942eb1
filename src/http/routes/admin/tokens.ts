/**
 * Tokens of the admin API, write scope only (a read token may not see or make tokens):
 * `GET /api/v1/tokens` (live tokens, never a secret), `POST /api/v1/tokens {"name", "scope"}`
 * (201 with the secret, shown this once), `DELETE /api/v1/tokens/:id` (204; the token stops
 * working at once).
 */
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import { DomainError } from '../../../domain/shared/errors.js'
import { ADMIN_PROBLEMS, List } from '../../schemas/admin.js'

export interface TokenListing { id: string, name: string, scope: 'read' | 'write', createdAt: number, lastUsedAt: number | null }

export interface TokenRoutesOptions {
  list(): Promise<TokenListing[]>
  create(input: { name: string, scope: 'read' | 'write' }): Promise<{ id: string, name: string, scope: 'read' | 'write', token: string }>
  /** False when no live token has this id. */
  revoke(id: string): Promise<boolean>
  now(): number
}

const Scope = Type.Union([Type.Literal('read'), Type.Literal('write')])
const TokenParams = Type.Object({ id: Type.String({ pattern: '^tok_[A-Za-z0-9_]{1,64}$' }) }, { additionalProperties: false })
const TokenCreateBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), scope: Scope }, { additionalProperties: false })
export const Token = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scope: Scope,
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.Null(), Type.String({ format: 'date-time' })])
})
const CreatedToken = Type.Object({ id: Type.String(), name: Type.String(), scope: Scope, token: Type.String({ description: 'the secret: shown this once, keep it' }) })

export async function tokenRoutes (app: FastifyInstance, options: TokenRoutesOptions): Promise<void> {
  app.get('/tokens', {
    schema: { operationId: 'listTokens', tags: ['tokens'], summary: 'The live admin tokens (never their secrets); needs a write token', response: { 200: List(Token), ...ADMIN_PROBLEMS } },
    config: { scope: 'write' }
  }, async () => {
    const tokens = await options.list()
    return {
      items: tokens.map((t) => ({ id: t.id, name: t.name, scope: t.scope, createdAt: new Date(t.createdAt).toISOString(), lastUsedAt: t.lastUsedAt === null ? null : new Date(t.lastUsedAt).toISOString() })),
      nextCursor: null
    }
  })

  app.post('/tokens', {
    schema: { operationId: 'createToken', tags: ['tokens'], summary: 'Make a token; its secret is in this answer only', body: TokenCreateBody, response: { 201: CreatedToken, ...ADMIN_PROBLEMS } },
    config: { audit: { target: 'token', action: 'token.created' } }
  }, async (request, reply) => {
    const body = request.body as Static<typeof TokenCreateBody>
    if (body.name.trim() === '') throw new DomainError('ERR_VALIDATION', 'The name must not be blank', { errors: [{ field: 'name', message: 'must not be blank' }] })
    const created = await options.create({ name: body.name.trim(), scope: body.scope })
    return reply.code(201).header('cache-control', 'no-store').send(created)
  })

  app.delete('/tokens/:id', {
    schema: { operationId: 'revokeToken', tags: ['tokens'], summary: 'Revoke a token: it stops working at once', params: TokenParams, response: { 204: { type: 'null', description: 'revoked' }, ...ADMIN_PROBLEMS } },
    config: { audit: { target: 'token', action: 'token.revoked' } }
  }, async (request, reply) => {
    const { id } = request.params as Static<typeof TokenParams>
    if (!await options.revoke(id)) throw new DomainError('ERR_TOKEN_NOT_FOUND', `No live token ${id}`, { tokenId: id })
    return await reply.code(204).send()
  })
}
