/**
 * The SDK's typed errors mapped to Bozor's catalog (specs/stripe.md §9.3) and the customer's
 * decline messages (in their language; `lost_card`/`stolen_card` are never echoed).
 */
import Stripe from 'stripe'
import { ProviderError } from '../../domain/payments/payment.js'
import type { ErrorCode } from '../../domain/shared/errors.js'
import type { Language } from '../../domain/shared/money.js'

type Reason = 'generic' | 'insufficient_funds' | 'expired_card' | 'incorrect_cvc' | 'processing_error' | 'incorrect_number' | 'amount_too_small' | 'try_again' | 'unavailable'

const MESSAGES: Readonly<Record<Reason, Record<Language, string>>> = {
  generic: {
    en: 'Your card was declined. Try another card or another payment method.',
    ru: 'Карта отклонена. Попробуйте другую карту или другой способ оплаты.',
    uz: "Karta rad etildi. Boshqa karta yoki boshqa to'lov usulini sinab ko'ring."
  },
  insufficient_funds: {
    en: 'Your card has insufficient funds. Try another card or another payment method.',
    ru: 'На карте недостаточно средств. Попробуйте другую карту или другой способ оплаты.',
    uz: "Kartada mablag' yetarli emas. Boshqa karta yoki boshqa to'lov usulini sinab ko'ring."
  },
  expired_card: {
    en: 'Your card has expired. Try another card.',
    ru: 'Срок действия карты истёк. Попробуйте другую карту.',
    uz: "Kartaning amal qilish muddati tugagan. Boshqa kartani sinab ko'ring."
  },
  incorrect_cvc: {
    en: 'The security code (CVC) is incorrect. Check it and try again.',
    ru: 'Неверный код безопасности (CVC). Проверьте его и попробуйте снова.',
    uz: "Xavfsizlik kodi (CVC) noto'g'ri. Tekshirib, qayta urinib ko'ring."
  },
  processing_error: {
    en: 'The card could not be processed. Try again in a moment.',
    ru: 'Не удалось обработать карту. Попробуйте ещё раз чуть позже.',
    uz: "Kartani qayta ishlab bo'lmadi. Birozdan so'ng qayta urinib ko'ring."
  },
  incorrect_number: {
    en: 'The card number is incorrect. Check it and try again.',
    ru: 'Неверный номер карты. Проверьте его и попробуйте снова.',
    uz: "Karta raqami noto'g'ri. Tekshirib, qayta urinib ko'ring."
  },
  amount_too_small: {
    en: 'The amount is below the minimum for card payments. Choose another payment method.',
    ru: 'Сумма меньше минимальной для оплаты картой. Выберите другой способ оплаты.',
    uz: "Summa karta orqali to'lov uchun eng kam miqdordan kam. Boshqa to'lov usulini tanlang."
  },
  try_again: {
    en: 'Card payments are busy right now. Try again in a moment.',
    ru: 'Оплата картой сейчас перегружена. Попробуйте ещё раз чуть позже.',
    uz: "Karta orqali to'lov hozir band. Birozdan so'ng qayta urinib ko'ring."
  },
  unavailable: {
    en: 'Card payments are not available right now. Choose another payment method.',
    ru: 'Оплата картой сейчас недоступна. Выберите другой способ оплаты.',
    uz: "Karta orqali to'lov hozir mavjud emas. Boshqa to'lov usulini tanlang."
  }
}

/** The customer's message for a card outcome (code first, decline code refines `card_declined`). */
export function declineMessage (code: string, declineCode: string | null, language: Language = 'en'): string {
  return MESSAGES[declineReason(code, declineCode)][language]
}

function declineReason (code: string, declineCode: string | null): Reason {
  if (code === 'card_declined') return declineCode === 'insufficient_funds' ? 'insufficient_funds' : 'generic'
  if (code === 'expired_card' || code === 'incorrect_cvc' || code === 'processing_error' || code === 'incorrect_number') return code
  return 'generic'
}

/** The customer's message for a catalog code of a Stripe failure. */
export function customerMessageOf (code: ErrorCode, language: Language = 'en'): string {
  switch (code) {
    case 'ERR_PAYMENT_AMOUNT_TOO_SMALL': return MESSAGES.amount_too_small[language]
    case 'ERR_PAYMENT_RETRY': return MESSAGES.try_again[language]
    case 'ERR_PAYMENT_DECLINED': return MESSAGES.generic[language]
    default: return MESSAGES.unavailable[language]
  }
}

/** True for the SDK's authentication/permission errors (401/403): the key is wrong. */
export function isAuthError (error: unknown): boolean {
  return error instanceof Stripe.errors.StripeAuthenticationError || error instanceof Stripe.errors.StripePermissionError
}

/**
 * Wraps an SDK error as a `ProviderError` with the catalog code of specs/stripe.md §9.3;
 * `details` keep Stripe's `code`, `decline_code`, `param` and request id (never the key).
 */
export function fromStripeError (error: unknown, operation: string, ids: Record<string, unknown> = {}): ProviderError {
  if (!(error instanceof Stripe.errors.StripeError)) {
    return new ProviderError('stripe', `Stripe ${operation} failed: ${(error as Error)?.message ?? String(error)}`, { code: 'ERR_PAYMENT_RETRY', cause: error, details: ids })
  }
  const details = {
    ...ids,
    operation,
    stripeType: error.type,
    stripeCode: error.code ?? null,
    declineCode: error.decline_code ?? null,
    param: error.param ?? null,
    requestId: error.requestId ?? null,
    statusCode: error.statusCode ?? null
  }
  const wrap = (code: ErrorCode, message: string): ProviderError => new ProviderError('stripe', message, { code, cause: error, details })
  if (error instanceof Stripe.errors.StripeCardError) return wrap('ERR_PAYMENT_DECLINED', `Stripe declined the card (${error.code ?? 'card_error'}${error.decline_code !== undefined && error.decline_code !== '' ? `/${error.decline_code}` : ''})`)
  if (isAuthError(error)) return wrap('ERR_PAYMENT_PROVIDER_DISABLED', `Stripe rejected the API key on ${operation} (${error.statusCode ?? '401'}); check STRIPE_SECRET_KEY. Stripe is not offered for 5 minutes`)
  if (error instanceof Stripe.errors.StripeIdempotencyError) return wrap('ERR_PAYMENT_RETRY', `Stripe refused an idempotency key on ${operation}: the key was reused with other parameters (a bug)`)
  if (error instanceof Stripe.errors.StripeRateLimitError || error instanceof Stripe.errors.StripeConnectionError || error instanceof Stripe.errors.StripeAPIError) {
    return wrap('ERR_PAYMENT_RETRY', `Stripe ${operation} did not succeed (${error.type}: ${error.message}); try again`)
  }
  if (error instanceof Stripe.errors.StripeInvalidRequestError) {
    if (error.code === 'amount_too_small') return wrap('ERR_PAYMENT_AMOUNT_TOO_SMALL', `Stripe refused the amount as below its minimum on ${operation}`)
    if (error.code === 'amount_too_large') return wrap('ERR_PAYMENT_AMOUNT_TOO_LARGE', `Stripe refused the amount as too large on ${operation}`)
    if (error.code === 'payment_intent_unexpected_state' || error.code === 'charge_already_refunded' || /status/.test(error.message)) {
      return wrap('ERR_PAYMENT_STATE', `Stripe refused ${operation} in the object's current state: ${error.message}`)
    }
    return wrap('ERR_PAYMENT_PROVIDER', `Stripe refused ${operation}: ${error.message}${error.param !== undefined ? ` (param ${error.param})` : ''}`)
  }
  return wrap('ERR_PAYMENT_PROVIDER', `Stripe ${operation} failed: ${error.message}`)
}
