/**
 * Telegram Stars (specs/telegram.md §6, checklist 30–36): the invoice (XTR, empty provider
 * token, one price), the pre-checkout answer within Telegram's 10 seconds, `successful_payment`
 * recorded once by its charge id, an extra payment refunded through the outbox
 * (jobs/stars-refund.ts), and `refunded_payment` recorded. These updates are never rate limited (bot.ts installs this
 * composer before the limiter).
 */
import { Composer } from 'grammy'
import type { Order } from '../../../domain/orders/order.js'
import { orderIdOfStarsPayload, starsInvoicePayload, starsRefusal } from '../../../domain/payments/stars-payment.js'
import type { BotContext } from '../context.js'
import { plain } from '../texts.js'

/** Telegram cancels a payment whose pre-checkout query is not answered in 10 s; we answer by 8 s. */
export const PRE_CHECKOUT_DEADLINE_MS = 8_000

/** Sends the Stars invoice of a pending XTR order. */
export async function sendStarsInvoice (ctx: BotContext, order: Order, title: string, quantity: number): Promise<void> {
  const invoiceTitle = plain(ctx.lang, 'starsInvoiceTitle', { orderId: order.id }).slice(0, 32)
  const description = plain(ctx.lang, 'starsInvoiceDescription', { title, quantity }).slice(0, 255)
  await ctx.replyWithInvoice(invoiceTitle, description, starsInvoicePayload(order.id), 'XTR',
    [{ label: invoiceTitle, amount: order.total.amount }], { provider_token: '' })
}

export const paymentsFeature = new Composer<BotContext>()

paymentsFeature.on('pre_checkout_query', async (ctx) => {
  const query = ctx.preCheckoutQuery
  const { stars, clock, logger } = ctx.services
  const check = async (): Promise<string | undefined> => {
    const orderId = orderIdOfStarsPayload(query.invoice_payload)
    const order = orderId === undefined ? undefined : await stars.order(orderId)
    const refusal = starsRefusal(order, { amount: query.total_amount, currency: query.currency, telegramId: query.from.id }, clock.now())
    if (refusal === undefined) return undefined
    return ctx.t(refusal === 'mismatch' ? 'precheckoutMismatch' : 'precheckoutNotPayable')
  }
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<string>((resolve) => { timer = setTimeout(() => resolve(ctx.t('precheckoutBusy')), PRE_CHECKOUT_DEADLINE_MS) })
  let reason: string | undefined
  try {
    reason = await Promise.race([check(), deadline])
  } catch (err) {
    logger.error({ module: 'bot', err, updateId: ctx.update.update_id }, 'pre-checkout check failed; refusing')
    reason = ctx.t('precheckoutBusy')
  } finally {
    clearTimeout(timer)
  }
  // The refusal text is shown by Telegram as plain text: strip our markup.
  if (reason === undefined) await ctx.answerPreCheckoutQuery(true)
  else await ctx.answerPreCheckoutQuery(false, { error_message: reason.replace(/<[^>]+>/g, '') })
})

paymentsFeature.on('message:successful_payment', async (ctx) => {
  const payment = ctx.message.successful_payment
  const { stars, clock, logger } = ctx.services
  const orderId = orderIdOfStarsPayload(payment.invoice_payload) ?? ''
  const chargeId = payment.telegram_payment_charge_id
  const result = await stars.recordPayment({
    orderId, chargeId, amount: payment.total_amount, currency: payment.currency, telegramId: ctx.from.id, now: clock.now(), raw: payment
  })
  if (result.outcome !== 'late') return
  // Paid for an order that could not take it (expired, paid already, held by another provider):
  // the ledger wrote a pending refund and its outbox row with the payment; the outbox worker
  // refunds it and tells the customer, even if this process dies now (issue 13).
  logger.warn({ module: 'bot', orderId, reason: result.reason }, 'Stars payment for an order that cannot take it; refund queued')
})

paymentsFeature.on('message:refunded_payment', async (ctx) => {
  const refund = ctx.message.refunded_payment
  await ctx.services.stars.recordRefund({ chargeId: refund.telegram_payment_charge_id, now: ctx.services.clock.now(), reason: 'refunded_payment from Telegram' })
})
