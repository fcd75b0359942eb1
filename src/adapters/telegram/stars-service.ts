/**
 * Telegram Stars outside the chat: the invoice link behind `GET /pay/:orderId/stars`
 * (createInvoiceLink) and refunds from `POST /api/v1/orders/:id/refund` (refundStarPayment).
 * Stars refunds a payment only whole; "already refunded" counts as done (checklist 34).
 */
import { GrammyError, type Api } from 'grammy'
import { type Language } from '../../domain/shared/language.js'
import type { Order } from '../../domain/orders/order.js'
import { refundableAmount } from '../../domain/orders/order-state.js'
import { ProviderError } from '../../domain/payments/payment.js'
import { starsInvoicePayload } from '../../domain/payments/stars-payment.js'
import type { Clock } from '../../domain/shared/clock.js'
import { DomainError } from '../../domain/shared/errors.js'
import type { StarsPayments } from '../../usecases/bot-ports.js'
import type { RefundRequest } from '../../usecases/refund-order.js'
import { plain } from './texts.js'

export interface StarsService {
  invoiceLink(order: Order, language: Language): Promise<string>
  refund(request: RefundRequest): Promise<void>
  /**
   * Refunds a charge whole (`refundStarPayment`); "already refunded" counts as done. Throws a
   * ProviderError: `ERR_PAYMENT_RETRY` for a network failure or a Telegram 5xx/429 (try again),
   * `ERR_PAYMENT_PROVIDER` when Telegram refuses the refund.
   */
  refundCharge(telegramId: number, chargeId: string): Promise<void>
}

/** True when Telegram says the charge was refunded already. */
export function isAlreadyRefunded (err: unknown): boolean {
  return err instanceof GrammyError && err.error_code === 400 && /CHARGE_ALREADY_REFUNDED|already refunded/i.test(err.description)
}

export function createStarsService (options: { api: Api, stars: StarsPayments, clock: Clock }): StarsService {
  const { api, stars, clock } = options
  return {
    async invoiceLink (order, language) {
      const title = plain(language, 'starsInvoiceTitle', { orderId: order.id }).slice(0, 32)
      const quantity = order.items.reduce((n, i) => n + i.quantity, 0)
      const description = plain(language, 'starsInvoiceDescription', { title: `#${order.id}`, quantity }).slice(0, 255)
      try {
        return await api.createInvoiceLink(title, description, starsInvoicePayload(order.id), '', 'XTR', [{ label: title, amount: order.total.amount }])
      } catch (err) {
        throw new ProviderError('stars', `createInvoiceLink for order ${order.id} failed`, { cause: err, details: { orderId: order.id } })
      }
    },
    async refundCharge (telegramId, chargeId) {
      try {
        await api.refundStarPayment(telegramId, chargeId)
      } catch (err) {
        if (isAlreadyRefunded(err)) return
        const refused = err instanceof GrammyError && err.error_code >= 400 && err.error_code < 500 && err.error_code !== 429
        throw new ProviderError('stars', `refundStarPayment of charge ${chargeId} failed`, { code: refused ? 'ERR_PAYMENT_PROVIDER' : 'ERR_PAYMENT_RETRY', cause: err, details: { chargeId } })
      }
    },
    async refund ({ order, amount, reason }) {
      if (amount !== refundableAmount(order)) {
        throw new DomainError('ERR_ORDER_REFUND_AMOUNT', 'Telegram Stars refunds a payment only in full: leave out "amount"', { orderId: order.id, errors: [{ field: 'amount', message: 'Stars payments are refunded in full only' }] })
      }
      const chargeId = await stars.payingCharge(order.id)
      if (chargeId === undefined) throw new DomainError('ERR_ORDER_NOTHING_REFUNDABLE', `Order ${order.id} has no Stars payment to refund`, { orderId: order.id })
      try {
        await api.refundStarPayment(order.customer.telegramId, chargeId)
      } catch (err) {
        if (!isAlreadyRefunded(err)) throw new ProviderError('stars', `refundStarPayment for order ${order.id} failed`, { cause: err, details: { orderId: order.id } })
      }
      await stars.recordRefund({ chargeId, now: clock.now(), reason, origin: 'admin' })
    }
  }
}
