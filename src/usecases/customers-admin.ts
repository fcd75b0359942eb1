/**
 * The merchant's customers in the admin API: list and search, a profile with totals, block and
 * unblock (the bot then refuses the customer politely), a message from the merchant (through the
 * outbox: sent once, retried while Telegram is unreachable), and **forget**: the customer's
 * personal data erased (name, username, contact and address on orders, support threads, the
 * activity log and the bot session), while the ledger keeps the orders under an anonymous id.
 *
 * @example
 * await setCustomerBlocked({ store, now }, 42, true)
 * const { anonymousId } = await forgetCustomer({ store, now, activity, sessions }, 42)
 */
import { DomainError, validationError } from '../domain/shared/errors.js'
import type { Language } from '../domain/shared/language.js'
import type { Money } from '../domain/shared/money.js'
import type { Page } from './catalog.js'

/** DESIGN.md `customer`. */
export interface CustomerProfile {
  telegramId: number
  name: string
  username?: string
  language: Language
  /** Blocked by the merchant. */
  blocked: boolean
  /** The customer blocked the bot (Telegram answered 403). */
  botBlocked: boolean
  source?: string
  firstSeen: number
  lastSeen: number
  /** Orders placed, in any state. */
  orders: number
  /** Paid per currency, net of refunds. */
  spent: Money[]
}

export interface CustomerFilter {
  /** Words in the name or username, or the Telegram id. */
  q?: string
  language?: Language
  blocked?: boolean
}

export interface CustomerAdminStore {
  /** Customers newest first (first seen, id), before `before`. */
  customers(input: { limit: number, before?: { at: number, id: number }, filter: CustomerFilter }): Promise<CustomerProfile[]>
  customer(telegramId: number): Promise<CustomerProfile | undefined>
  /** Sets or clears the merchant's block; false when there is no such customer. */
  setBlocked(telegramId: number, blocked: boolean, now: number): Promise<boolean>
  /** Writes a `customer.notify` outbox row with the merchant's text; false when there is no such customer. */
  enqueueMessage(telegramId: number, text: string, now: number): Promise<boolean>
  /** Erases the customer's personal data, moving their orders and events to `anonymousId`; false when unknown. */
  forget(telegramId: number, anonymousId: number, now: number): Promise<boolean>
}

export interface CustomerAdminDeps {
  store: CustomerAdminStore
  now: number
}

function notFound (telegramId: number): DomainError {
  return new DomainError('ERR_CUSTOMER_NOT_FOUND', `No customer ${telegramId}`, { telegramId })
}

function encodePosition (p: { at: number, id: number }): string {
  return globalThis.btoa(`c|${p.at}|${p.id}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function decodePosition (cursor: string): { at: number, id: number } {
  try {
    const [kind, at, id] = globalThis.atob(cursor.replace(/-/g, '+').replace(/_/g, '/')).split('|')
    const position = { at: Number(at), id: Number(id) }
    if (kind === 'c' && Number.isSafeInteger(position.at) && Number.isSafeInteger(position.id)) return position
  } catch {}
  throw validationError([{ field: 'cursor', message: 'is not a cursor this API gave out' }])
}

export async function listCustomers (deps: Pick<CustomerAdminDeps, 'store'>, input: { limit?: number, cursor?: string, filter: CustomerFilter }): Promise<Page<CustomerProfile>> {
  const limit = input.limit ?? 50
  const before = input.cursor !== undefined ? decodePosition(input.cursor) : undefined
  const rows = await deps.store.customers({ limit: limit + 1, filter: input.filter, ...(before !== undefined ? { before } : {}) })
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodePosition({ at: last.firstSeen, id: last.telegramId }) : null }
}

export async function getCustomer (deps: Pick<CustomerAdminDeps, 'store'>, telegramId: number): Promise<CustomerProfile> {
  return await deps.store.customer(telegramId) ?? (() => { throw notFound(telegramId) })()
}

export async function setCustomerBlocked (deps: CustomerAdminDeps, telegramId: number, blocked: boolean): Promise<CustomerProfile> {
  if (!await deps.store.setBlocked(telegramId, blocked, deps.now)) throw notFound(telegramId)
  return await getCustomer(deps, telegramId)
}

/** A message from the merchant, sent by the outbox as plain text (never HTML). */
export async function messageCustomer (deps: CustomerAdminDeps, telegramId: number, text: string): Promise<void> {
  if (text.trim() === '') throw validationError([{ field: 'text', message: 'must not be empty' }])
  if (!await deps.store.enqueueMessage(telegramId, text, deps.now)) throw notFound(telegramId)
}

/** Anonymous ids are negative (no Telegram user has one), random, and never reused in practice. */
export function anonymousCustomerId (random: () => number = Math.random): number {
  return -(1 + Math.floor(random() * 2 ** 52))
}

/**
 * Forgets a customer: personal data erased in one transaction, then the key-value store's
 * activity log and bot session (rebuildable data) dropped. The orders, payments and events stay,
 * under the anonymous id returned.
 */
export async function forgetCustomer (deps: CustomerAdminDeps & { activity?: { forget(id: number): Promise<void> }, sessions?: { remove(id: number): Promise<void> } }, telegramId: number): Promise<{ anonymousId: number }> {
  const anonymousId = anonymousCustomerId()
  if (!await deps.store.forget(telegramId, anonymousId, deps.now)) throw notFound(telegramId)
  await deps.activity?.forget(telegramId)
  await deps.sessions?.remove(telegramId)
  return { anonymousId }
}
