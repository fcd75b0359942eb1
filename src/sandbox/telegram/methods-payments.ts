import { badRequest, QUERY_TOO_OLD } from './api-error.js'
import type { InvoiceSpec } from './bot-state.js'
import type { MethodHandler } from './core.js'
import { sendToChat } from './methods-messages.js'
import { optBool, optInt, optJson, optString, reqChatId, reqInt, reqString, type Params } from './params.js'
import type { TgMessage } from './types.js'

const CURRENCIES = new Set(['XTR', 'USD', 'EUR', 'GBP', 'RUB', 'UZS', 'KZT', 'UAH', 'TRY', 'AED', 'INR', 'JPY', 'CNY',
  'KRW', 'BRL', 'CAD', 'AUD', 'CHF', 'PLN', 'SEK', 'NOK', 'DKK', 'CZK', 'ILS', 'SGD', 'HKD', 'MXN', 'IDR', 'THB', 'GEL', 'AZN', 'KGS', 'TJS', 'BYN', 'AMD', 'MDL'])

/** Subscription period Telegram allows for Stars subscriptions (30 days). */
export const SUBSCRIPTION_PERIOD_S = 2_592_000

/**
 * Validates sendInvoice/createInvoiceLink parameters: title 1–32, description 1–255,
 * payload 1–128 bytes, known currency, integer amounts; for XTR an empty provider_token,
 * exactly one positive price and no tips.
 */
export function readInvoice (params: Params, forLink: boolean): InvoiceSpec {
  const title = reqString(params, 'title')
  if (title.length < 1 || title.length > 32) throw badRequest('INVOICE_TITLE_INVALID')
  const description = reqString(params, 'description')
  if (description.length < 1 || description.length > 255) throw badRequest('INVOICE_DESCRIPTION_INVALID')
  const payload = reqString(params, 'payload')
  const payloadBytes = Buffer.byteLength(payload)
  if (payloadBytes < 1 || payloadBytes > 128) throw badRequest('INVOICE_PAYLOAD_INVALID')
  const currency = reqString(params, 'currency')
  if (!CURRENCIES.has(currency)) throw badRequest('CURRENCY_INVALID')
  const providerToken = optString(params, 'provider_token') ?? ''
  const rawPrices = optJson(params, 'prices')
  if (!Array.isArray(rawPrices) || rawPrices.length === 0) throw badRequest('parameter "prices" must be a non-empty Array')
  const prices = rawPrices.map((p: unknown) => {
    const { label, amount } = (p ?? {}) as { label?: unknown, amount?: unknown }
    if (typeof label !== 'string' || label === '') throw badRequest("can't parse prices JSON object")
    if (typeof amount !== 'number' || !Number.isInteger(amount)) throw badRequest('CURRENCY_TOTAL_AMOUNT_INVALID')
    return { label, amount }
  })
  const total = prices.reduce((sum, p) => sum + p.amount, 0)
  const maxTipAmount = optInt(params, 'max_tip_amount') ?? 0
  const tips = optJson(params, 'suggested_tip_amounts') as unknown
  const subscriptionPeriod = forLink ? optInt(params, 'subscription_period') : undefined
  if (currency === 'XTR') {
    if (providerToken !== '') throw badRequest('PAYMENT_PROVIDER_INVALID')
    if (prices.length !== 1 || maxTipAmount !== 0 || tips !== undefined) throw badRequest('STARS_INVOICE_INVALID')
    if (total <= 0) throw badRequest('CURRENCY_TOTAL_AMOUNT_INVALID')
  } else {
    if (providerToken === '') throw badRequest('PAYMENT_PROVIDER_INVALID')
    if (total <= 0) throw badRequest('CURRENCY_TOTAL_AMOUNT_INVALID')
  }
  if (tips !== undefined) {
    const ok = Array.isArray(tips) && tips.length <= 4 && tips.every((t, i) =>
      Number.isInteger(t) && t > 0 && t <= maxTipAmount && (i === 0 || t > (tips[i - 1] as number)))
    if (!ok) throw badRequest('SUGGESTED_TIP_AMOUNTS_INVALID')
  }
  if (subscriptionPeriod !== undefined && (subscriptionPeriod !== SUBSCRIPTION_PERIOD_S || currency !== 'XTR')) {
    throw badRequest('SUBSCRIPTION_PERIOD_INVALID')
  }
  return {
    title,
    description,
    payload,
    providerToken,
    currency,
    prices,
    maxTipAmount,
    startParameter: optString(params, 'start_parameter') ?? '',
    needName: optBool(params, 'need_name') ?? false,
    needPhoneNumber: optBool(params, 'need_phone_number') ?? false,
    needEmail: optBool(params, 'need_email') ?? false,
    ...(subscriptionPeriod !== undefined ? { subscriptionPeriod } : {}),
    paidBy: []
  }
}

export function invoiceTotal (spec: InvoiceSpec): number {
  return spec.prices.reduce((sum, p) => sum + p.amount, 0)
}

function payLabel (spec: InvoiceSpec): string {
  const total = invoiceTotal(spec)
  return spec.currency === 'XTR' ? `Pay ⭐️${total}` : `Pay ${total} ${spec.currency}`
}

const sendInvoice: MethodHandler = (core, params) => {
  reqChatId(params)
  const spec = readInvoice(params, false)
  const markup = optJson(params, 'reply_markup') as { inline_keyboard?: Array<Array<{ pay?: boolean }>> } | undefined
  if (markup?.inline_keyboard !== undefined && markup.inline_keyboard[0]?.[0]?.pay !== true) {
    throw badRequest('BUTTON_TYPE_INVALID')
  }
  const withPay = markup === undefined ? { ...params, reply_markup: { inline_keyboard: [[{ text: payLabel(spec), pay: true }]] } } : params
  const invoice = { title: spec.title, description: spec.description, start_parameter: spec.startParameter, currency: spec.currency, total_amount: invoiceTotal(spec) }
  const message: TgMessage = sendToChat(core, withPay, { invoice })
  core.state.invoices.set(`${message.chat.id}:${message.message_id}`, spec)
  return message
}

const createInvoiceLink: MethodHandler = (core, params) => {
  const spec = readInvoice(params, true)
  const slug = core.state.randomString(16)
  core.state.invoices.set(`link:${slug}`, spec)
  return `${core.publicUrl()}/invoice/${slug}`
}

const answerPreCheckoutQuery: MethodHandler = (core, params) => {
  const id = reqString(params, 'pre_checkout_query_id')
  const ok = optBool(params, 'ok')
  if (ok === undefined) throw badRequest('parameter "ok" is required')
  const errorMessage = optString(params, 'error_message')
  const record = core.state.preCheckouts.get(id)
  if (record === undefined) throw badRequest(QUERY_TOO_OLD)
  if (!ok && (errorMessage === undefined || errorMessage === '')) throw badRequest('ERROR_MESSAGE_EMPTY')
  record.settle({ ok, ...(errorMessage !== undefined ? { errorMessage } : {}) })
  return true
}

const refundStarPayment: MethodHandler = (core, params) => {
  const userId = reqInt(params, 'user_id')
  const chargeId = reqString(params, 'telegram_payment_charge_id')
  const charge = core.state.charges.get(chargeId)
  if (charge === undefined || charge.userId !== userId || charge.currency !== 'XTR') throw badRequest('CHARGE_NOT_FOUND')
  if (charge.refunded) throw badRequest('CHARGE_ALREADY_REFUNDED')
  charge.refunded = true
  const user = core.state.users.get(userId)
  if (user !== undefined && core.state.chats.has(userId)) {
    const message = core.state.addMessage(userId, user.user, {
      refunded_payment: { currency: 'XTR', total_amount: charge.totalAmount, invoice_payload: charge.payload, telegram_payment_charge_id: charge.id }
    })
    core.queue.push({ message })
  }
  return true
}

export const paymentMethods: Record<string, MethodHandler> = {
  sendInvoice, createInvoiceLink, answerPreCheckoutQuery, refundStarPayment
}
