/**
 * The admin API under test: an app with ADMIN_TOKEN (write) and a read-scope token, rate limits
 * high enough for a test that makes hundreds of calls, and small helpers to call it.
 */
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createAdminToken } from '../../src/adapters/postgres/admin-tokens.js'
import type { Database } from '../../src/adapters/postgres/database.js'
import type { App } from '../../src/app.js'
import { buildTestApp, type TestAppOptions } from './app.js'
import { createTestDb } from './db.js'

export const ADMIN = 'test-admin-token-1234567890'
export const WRITE = { authorization: `Bearer ${ADMIN}` }

/** RATE_LIMITS that no test of the admin API reaches unless it means to. */
export const ROOMY_LIMITS = JSON.stringify({ 'api.token': [{ limit: 100_000, windowS: 60 }], 'api.auth': [{ limit: 100_000, windowS: 60 }] })

export interface AdminTestApp {
  app: App
  database: Database
  /** Headers of a read-scope token. */
  read: { authorization: string }
  logs: string[]
}

export async function buildAdminApp (t: TestContext, options: TestAppOptions = {}): Promise<AdminTestApp> {
  const database = options.database ?? await createTestDb(t)
  const { app, logs } = await buildTestApp(t, { ...options, database, env: { ADMIN_TOKEN: ADMIN, RATE_LIMITS: ROOMY_LIMITS, ...options.env } })
  const token = await createAdminToken(database.db, { name: 'reader', scope: 'read' })
  return { app, database, read: { authorization: `Bearer ${token.token}` }, logs }
}

/** A call with the write token; the JSON answer (or text) and status. */
export async function call (app: App, method: string, url: string, payload?: unknown, headers: Record<string, string> = WRITE): Promise<{ status: number, body: any, text: string, headers: Record<string, unknown> }> {
  const res = await app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) })
  const type = String(res.headers['content-type'] ?? '')
  return { status: res.statusCode, body: /json/.test(type) && res.body !== '' ? res.json() : undefined, text: res.body, headers: res.headers }
}

export interface Operation {
  operationId?: string
  tags?: string[]
  security?: Array<Record<string, unknown>>
  parameters?: Array<{ in: string, name: string, required?: boolean, schema: unknown }>
  requestBody?: { content: Record<string, { schema: unknown }> }
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>
}
export interface OpenApiDocument { openapi: string, paths: Record<string, Record<string, Operation>>, components: { securitySchemes: Record<string, { type: string, scheme: string }> } }

/** Ids of resources by collection (`products`, `orders`, `customers`, …). */
export type Ids = Record<string, string>

export async function openApiOf (app: App): Promise<OpenApiDocument> {
  const res = await app.inject({ url: '/api/openapi.json' })
  assert.equal(res.statusCode, 200)
  assert.match(String(res.headers['content-type']), /^application\/json/)
  return res.json()
}

export function operationsOf (document: OpenApiDocument): Array<{ method: string, path: string, operation: Operation }> {
  return Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })))
}

/** The path with each `{param}` replaced by the id of its collection (`/orders/{id}` → an order id). */
export function fill (path: string, ids: Ids): string {
  return path.replace(/\/([a-z-]+)\/\{([A-Za-z]+)\}/g, (_m, collection: string, name: string) => `/${collection}/${encodeURIComponent(ids[name === 'telegramId' ? 'customers' : collection] ?? 'unknown')}`)
}
