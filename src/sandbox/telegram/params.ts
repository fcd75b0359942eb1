import type { IncomingMessage } from 'node:http'
import { badRequest } from './api-error.js'
import { parseMultipart, type UploadedFile } from './multipart.js'

export type Params = Record<string, unknown>

const MAX_BODY_BYTES = 60 * 1024 * 1024

/** Reads the whole request body (bounded). */
export async function readBody (req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buf = chunk as Buffer
    size += buf.length
    if (size > MAX_BODY_BYTES) throw new Error('request body too large')
    chunks.push(buf)
  }
  return Buffer.concat(chunks)
}

/**
 * Merges query-string parameters with a JSON, form-urlencoded or multipart body,
 * the way the Bot API accepts them (body wins over query).
 */
export function parseParams (query: URLSearchParams, body: Buffer, contentType: string | undefined): Params {
  const params: Params = {}
  for (const [key, value] of query) params[key] = value
  if (body.length === 0) return params
  const type = (contentType ?? '').toLowerCase()
  if (type.startsWith('application/json')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(body.toString('utf8'))
    } catch {
      throw badRequest('invalid JSON in request body')
    }
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(params, parsed)
  } else if (type.startsWith('multipart/form-data')) {
    Object.assign(params, parseMultipart(body, contentType ?? ''))
  } else {
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) params[key] = value
  }
  return params
}

export function isUpload (value: unknown): value is UploadedFile {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'upload'
}

/** Optional string parameter (numbers are stringified, like the Bot API does). */
export function optString (params: Params, name: string): string | undefined {
  const value = params[name]
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  throw badRequest(`parameter "${name}" must be a String`)
}

export function reqString (params: Params, name: string): string {
  const value = optString(params, name)
  if (value === undefined) throw badRequest(`parameter "${name}" is required`)
  return value
}

export function optInt (params: Params, name: string): number | undefined {
  const value = params[name]
  if (value === undefined || value === null || value === '') return undefined
  const n = typeof value === 'number' ? value : Number(value)
  if (!Number.isInteger(n)) throw badRequest(`parameter "${name}" must be a Number`)
  return n
}

export function reqInt (params: Params, name: string): number {
  const value = optInt(params, name)
  if (value === undefined) throw badRequest(`parameter "${name}" is required`)
  return value
}

export function optBool (params: Params, name: string): boolean | undefined {
  const value = params[name]
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'boolean') return value
  if (value === 'true' || value === '1' || value === 1) return true
  if (value === 'false' || value === '0' || value === 0) return false
  throw badRequest(`parameter "${name}" must be a Boolean`)
}

/** A JSON-typed parameter: objects from a JSON body, or JSON text from a form. */
export function optJson (params: Params, name: string): unknown {
  const value = params[name]
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value)
  } catch {
    throw badRequest(`can't parse ${name} JSON object`)
  }
}

/** `chat_id` as a number when numeric, else the `@username` string. */
export function reqChatId (params: Params, name = 'chat_id'): number | string {
  const value = params[name]
  if (value === undefined || value === null || value === '') throw badRequest(`${name} is empty`)
  if (typeof value === 'number') return value
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value)
  if (typeof value === 'string') return value
  throw badRequest(`parameter "${name}" must be a Number or a String`)
}
