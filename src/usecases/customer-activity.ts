/**
 * `GET /api/v1/customers/:telegramId/activity`: a customer's recent actions, newest first, page by
 * page (DESIGN.md `list`). The log lives in the key-value store, keyed by the Telegram user id
 * (the customer's primary key), capped and expiring (specs/redis.md §7): an older action may be
 * gone. An unknown customer is `ERR_CUSTOMER_NOT_FOUND` (404); a known one without recorded
 * actions gets an empty list (docs/decisions/0007-customer-activity-and-catalog-cache.md).
 */
import { DomainError, validationError } from '../domain/shared/errors.js'
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, type Page } from './catalog.js'

/** One recorded action (src/adapters/redis/activity.ts writes them). */
export interface ActivityRecord {
  /** ISO time, millisecond precision. */
  at: string
  action: string
  details?: Record<string, unknown>
}

/** Reads a customer's log, newest first. */
export interface ActivityReader {
  list (customerId: number, page: { offset: number, limit: number }): Promise<ActivityRecord[]>
}

/** Whether a customer exists (has ever talked to the bot or ordered). */
export interface CustomerDirectory {
  exists (telegramId: number): Promise<boolean>
}

/** Where a page ended: the time of its last entry and how many entries of that time were given out. */
interface Position { at: string, seen: number }

/** Entries read for a page after the first: the whole log (it is capped, 100 entries by default). */
export const ACTIVITY_SCAN_LIMIT = 1000

/**
 * A page of the customer's activity, newest first. The cursor remembers the time of the last entry
 * given out and how many entries of that time were given out, not an offset: entries recorded
 * between two pages push older ones down the list, and an offset would repeat them.
 *
 * @example
 * const page = await listCustomerActivity({ activity, customers }, { telegramId: 42, limit: 20 })
 * // { items: [{ at: '2026-03-10T12:00:00.000Z', action: 'product.viewed', details: { productId: 'prd_…' } }], nextCursor: null }
 */
export async function listCustomerActivity (
  deps: { activity: ActivityReader, customers: CustomerDirectory },
  input: { telegramId: number, limit?: number, cursor?: string }
): Promise<Page<ActivityRecord>> {
  const { telegramId } = input
  if (!Number.isSafeInteger(telegramId) || telegramId < 1) throw validationError([{ field: 'telegramId', message: 'must be a positive integer' }])
  const limit = input.limit ?? DEFAULT_PAGE_LIMIT
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) throw validationError([{ field: 'limit', message: `must be an integer from 1 to ${MAX_PAGE_LIMIT}` }])
  const after = input.cursor !== undefined ? decodeActivityCursor(input.cursor) : undefined
  if (!await deps.customers.exists(telegramId)) throw new DomainError('ERR_CUSTOMER_NOT_FOUND', `No customer with Telegram id ${telegramId}`, { telegramId })
  // a first page reads just what it needs; a later one the whole (capped) log, from its newest entry
  const rows = await deps.activity.list(telegramId, { offset: 0, limit: after === undefined ? limit + 1 : ACTIVITY_SCAN_LIMIT })
  let from = 0
  if (after !== undefined) {
    let tied = 0
    while (from < rows.length && (rows[from]!.at > after.at || (rows[from]!.at === after.at && tied++ < after.seen))) from++
  }
  const items = rows.slice(from, from + limit)
  const last = items[items.length - 1]
  if (last === undefined || rows.length <= from + limit) return { items, nextCursor: null }
  const seen = rows.slice(0, from + limit).filter((e) => e.at === last.at).length
  return { items, nextCursor: encodeActivityCursor({ at: last.at, seen }) }
}

function encodeActivityCursor (position: Position): string {
  return globalThis.btoa(`a|${position.at}|${position.seen}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function decodeActivityCursor (cursor: string): Position {
  try {
    const [kind, at, seenText] = globalThis.atob(cursor.replace(/-/g, '+').replace(/_/g, '/')).split('|')
    const seen = Number(seenText)
    if (kind === 'a' && at !== undefined && !Number.isNaN(Date.parse(at)) && Number.isSafeInteger(seen) && seen >= 1) return { at, seen }
  } catch {}
  throw validationError([{ field: 'cursor', message: 'is not a cursor this API gave out' }])
}
