import type { InvoiceSpec, UserRecord } from './bot-state.js'
import type { EmulatorCore } from './core.js'
import { invoiceTotal } from './methods-payments.js'
import type { PaymentOutcome, TgPreCheckoutQuery, TgSuccessfulPayment } from './types.js'

/**
 * The customer's side of a payment: sends `pre_checkout_query`, waits for
 * `answerPreCheckoutQuery` (at most `preCheckoutTimeoutMs`, Telegram's 10 s), and on `ok`
 * posts the `successful_payment` message with a seeded `telegram_payment_charge_id`.
 */
export async function runPayment (core: EmulatorCore, user: UserRecord, spec: InvoiceSpec, tipAmount = 0): Promise<PaymentOutcome> {
  if (!Number.isInteger(tipAmount) || tipAmount < 0 || tipAmount > spec.maxTipAmount) {
    throw new Error(`tip ${tipAmount} is not allowed by this invoice (max ${spec.maxTipAmount})`)
  }
  const { state, queue } = core
  const total = invoiceTotal(spec) + tipAmount
  const orderInfo: Record<string, unknown> = {}
  if (spec.currency !== 'XTR') {
    if (spec.needName) orderInfo.name = [user.user.first_name, user.user.last_name].filter(Boolean).join(' ')
    if (spec.needPhoneNumber) orderInfo.phone_number = user.phoneNumber.replace(/^\+/, '')
    if (spec.needEmail) orderInfo.email = `user${user.user.id}@sandbox.invalid`
  }
  const id = state.nextQueryId()
  const query: TgPreCheckoutQuery = {
    id,
    from: user.user,
    currency: spec.currency,
    total_amount: total,
    invoice_payload: spec.payload,
    ...(Object.keys(orderInfo).length > 0 ? { order_info: orderInfo } : {})
  }
  const answer = await new Promise<{ ok: boolean, errorMessage?: string } | null>((resolve) => {
    const timer = setTimeout(() => {
      state.preCheckouts.delete(id)
      resolve(null)
    }, core.limits.preCheckoutTimeoutMs)
    state.preCheckouts.set(id, {
      query,
      settle: (a) => {
        clearTimeout(timer)
        state.preCheckouts.delete(id)
        resolve(a)
      }
    })
    queue.push({ pre_checkout_query: query })
  })
  if (answer === null) return { status: 'timeout' }
  if (!answer.ok) return { status: 'declined', errorMessage: answer.errorMessage ?? '' }

  const chargeId = spec.currency === 'XTR' ? `stx${state.randomString(40)}` : `${state.unixNow()}_${user.user.id}_${state.randomString(10)}`
  const providerChargeId = spec.currency === 'XTR' ? chargeId : `ch_${state.randomString(24)}`
  const payment: TgSuccessfulPayment = {
    currency: spec.currency,
    total_amount: total,
    invoice_payload: spec.payload,
    telegram_payment_charge_id: chargeId,
    provider_payment_charge_id: providerChargeId,
    ...(Object.keys(orderInfo).length > 0 ? { order_info: orderInfo } : {})
  }
  if (spec.subscriptionPeriod !== undefined) {
    payment.subscription_expiration_date = state.unixNow() + spec.subscriptionPeriod
    payment.is_recurring = true
    payment.is_first_recurring = true
  }
  state.charges.set(chargeId, {
    id: chargeId, providerChargeId, userId: user.user.id, currency: spec.currency, totalAmount: total, payload: spec.payload, refunded: false
  })
  spec.paidBy.push(chargeId)
  const message = state.addMessage(user.user.id, user.user, { successful_payment: payment })
  queue.push({ message })
  return { status: 'paid', chargeId, providerChargeId, totalAmount: total, currency: spec.currency, payload: spec.payload, message }
}

/** Settles every waiting pre-checkout as unanswered (used on close). */
export function abandonPayments (core: EmulatorCore): void {
  for (const record of [...core.state.preCheckouts.values()]) record.settle({ ok: false, errorMessage: 'emulator closed' })
}
