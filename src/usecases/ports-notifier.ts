/**
 * The port durable side effects are delivered through (the outbox worker, refunds, reversals).
 * The bot implements it over grammY (src/adapters/telegram/bot-notifier.ts), rendering each
 * message in the customer's language; jobs/notifier.ts has a notifier that only logs.
 */
import { type Language } from '../domain/shared/language.js'
import type { Money } from '../domain/shared/money.js'

export interface DigitalGoods {
  orderId: string
  /** The customer's language when the caller knows it (otherwise the notifier looks it up). */
  language?: Language
  items: Array<{ productId: string, title: { en: string, ru?: string, uz?: string }, payload: string }>
}

/** What the shop tells a customer; the bot words it in their language. */
/** Why a card payment failed, as the customer is told. */
export type CardFailure = 'declined' | 'insufficient_funds' | 'expired_card'

export type CustomerMessage =
  | { kind: 'order.paid', orderId: string, total: Money, needsShipping: boolean }
  | { kind: 'order.refunded', orderId: string, amount: Money }
  /** A refund the customer was told of failed afterwards: the money did not reach them. */
  | { kind: 'refund.failed', orderId: string, amount: Money }
  /** A payment arrived for an order that could no longer take it and was refunded. */
  | { kind: 'payment.refunded_late', orderId: string, amount: Money }
  /** A card payment failed; `reason` picks the words (the customer may retry or pay otherwise). */
  | { kind: 'payment.failed', orderId: string, reason: CardFailure }
  /** A card checkout ended unpaid while the order can still be paid. */
  | { kind: 'payment.not_completed', orderId: string }
  /** The merchant fulfilled (shipped, handed over) a physical order; `note` is theirs (a tracking number). */
  | { kind: 'order.fulfilled', orderId: string, note?: string }
  | { kind: 'text', text: string }

/**
 * Sends messages for durable side effects. A method that throws makes the outbox row retry;
 * a customer who blocked the bot is not an error (the message is dropped and the customer marked).
 *
 * @example
 * await notifier.sendToCustomer(42, { kind: 'order.paid', orderId: '1042', total: money(1500, 'XTR'), needsShipping: false })
 */
export interface Notifier {
  /**
   * `language`: the customer's, when the caller knows it; null when the caller looked and none
   * is stored (the notifier's default); otherwise the notifier looks it up.
   */
  sendToCustomer(telegramId: number, message: CustomerMessage, language?: Language | null): Promise<void>
  sendDigitalGoods(telegramId: number, goods: DigitalGoods): Promise<void>
  /** Tells ADMIN_CHAT_ID (a no-op when none is configured). */
  notifyAdmin(text: string): Promise<void>
}
