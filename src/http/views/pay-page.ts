/**
 * The small HTML page `GET /pay/:orderId/:provider` shows when it cannot redirect to the
 * provider: one sentence in the customer's language saying why.
 */
import { type Language } from '../../domain/shared/language.js'

/** Why the customer cannot pay now; each maps to one HTTP status of DESIGN.md's route table. */
export type PayPageReason = 'not_found' | 'paid' | 'being_paid' | 'expired' | 'cancelled' | 'refunded' | 'unavailable' | 'try_again' | 'rate_limited'

export const PAY_PAGE_STATUS: Readonly<Record<PayPageReason, number>> = {
  not_found: 404,
  paid: 409,
  being_paid: 409,
  expired: 410,
  cancelled: 410,
  refunded: 410,
  unavailable: 503,
  try_again: 503,
  rate_limited: 429
}

interface PageText { title: string, body: string }

const TEXT: Readonly<Record<PayPageReason, Record<Language, PageText>>> = {
  not_found: {
    en: { title: 'Order not found', body: 'There is no order {order}. Check the link or start a new order in the bot.' },
    ru: { title: 'Заказ не найден', body: 'Заказа {order} нет. Проверьте ссылку или оформите новый заказ в боте.' },
    uz: { title: 'Buyurtma topilmadi', body: "{order} buyurtmasi yo'q. Havolani tekshiring yoki botda yangi buyurtma bering." }
  },
  paid: {
    en: { title: 'Already paid', body: 'Order {order} is already paid. Thank you!' },
    ru: { title: 'Уже оплачен', body: 'Заказ {order} уже оплачен. Спасибо!' },
    uz: { title: "Allaqachon to'langan", body: "{order} buyurtmasi allaqachon to'langan. Rahmat!" }
  },
  being_paid: {
    en: { title: 'Payment in progress', body: 'Order {order} is being paid through {other}. Finish that payment or wait until it is cancelled.' },
    ru: { title: 'Оплата уже идёт', body: 'Заказ {order} уже оплачивается через {other}. Завершите ту оплату или дождитесь её отмены.' },
    uz: { title: "To'lov davom etmoqda", body: "{order} buyurtmasi {other} orqali to'lanmoqda. O'sha to'lovni yakunlang yoki bekor qilinishini kuting." }
  },
  expired: {
    en: { title: 'Order expired', body: 'Order {order} has expired. Start a new order in the bot.' },
    ru: { title: 'Срок заказа истёк', body: 'Срок заказа {order} истёк. Оформите новый заказ в боте.' },
    uz: { title: "Buyurtma muddati o'tdi", body: "{order} buyurtmasining muddati o'tdi. Botda yangi buyurtma bering." }
  },
  cancelled: {
    en: { title: 'Order cancelled', body: 'Order {order} was cancelled. Start a new order in the bot.' },
    ru: { title: 'Заказ отменён', body: 'Заказ {order} отменён. Оформите новый заказ в боте.' },
    uz: { title: 'Buyurtma bekor qilindi', body: '{order} buyurtmasi bekor qilingan. Botda yangi buyurtma bering.' }
  },
  refunded: {
    en: { title: 'Order refunded', body: 'Order {order} was refunded and cannot be paid again.' },
    ru: { title: 'Заказ возвращён', body: 'По заказу {order} сделан возврат; оплатить его снова нельзя.' },
    uz: { title: 'Buyurtma qaytarildi', body: "{order} buyurtmasi bo'yicha pul qaytarilgan; uni qayta to'lab bo'lmaydi." }
  },
  unavailable: {
    en: { title: 'Payment method unavailable', body: '{provider} is not available for order {order}. Choose another payment method in the bot.' },
    ru: { title: 'Способ оплаты недоступен', body: '{provider} недоступен для заказа {order}. Выберите другой способ оплаты в боте.' },
    uz: { title: "To'lov usuli mavjud emas", body: "{order} buyurtmasi uchun {provider} mavjud emas. Botda boshqa to'lov usulini tanlang." }
  },
  try_again: {
    en: { title: 'Try again in a moment', body: '{provider} did not answer in time for order {order}. Nothing was charged. Open the link again in a moment, or choose another payment method in the bot.' },
    ru: { title: 'Попробуйте через минуту', body: '{provider} не ответил вовремя по заказу {order}. Деньги не списаны. Откройте ссылку ещё раз через минуту или выберите другой способ оплаты в боте.' },
    uz: { title: "Birozdan keyin urinib ko'ring", body: "{order} buyurtmasi bo'yicha {provider} o'z vaqtida javob bermadi. Pul yechilmadi. Havolani birozdan keyin qayta oching yoki botda boshqa to'lov usulini tanlang." }
  },
  rate_limited: {
    en: { title: 'Too many attempts', body: 'This link was opened too often. Try again in {seconds} s.' },
    ru: { title: 'Слишком много попыток', body: 'Ссылку открывали слишком часто. Попробуйте снова через {seconds} с.' },
    uz: { title: "Juda ko'p urinish", body: "Havola juda ko'p ochildi. {seconds} soniyadan keyin qayta urinib ko'ring." }
  }
}

const PROVIDER_LABELS: Readonly<Record<string, string>> = { payme: 'Payme', click: 'Click', stripe: 'Stripe', stars: 'Telegram Stars' }

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c)
}

export interface PayPageInput {
  reason: PayPageReason
  language: Language
  orderId: string
  provider: string
  /** For `being_paid`: the provider holding the order. */
  other?: string
  /** For `rate_limited`: whole seconds before a retry can pass. */
  retryAfterS?: number
}

/**
 * The page for `reason` in `language`, every value escaped.
 *
 * @example
 * reply.code(PAY_PAGE_STATUS.paid).type('text/html; charset=utf-8').send(renderPayPage({ reason: 'paid', language: 'uz', orderId: '1042', provider: 'payme' }))
 */
export function renderPayPage (input: PayPageInput): string {
  const text = TEXT[input.reason][input.language]
  const fill = (s: string): string => escapeHtml(s
    .replaceAll('{order}', input.orderId.slice(0, 40))
    .replaceAll('{provider}', PROVIDER_LABELS[input.provider] ?? input.provider.slice(0, 40))
    .replaceAll('{other}', PROVIDER_LABELS[input.other ?? ''] ?? input.other ?? '')
    .replaceAll('{seconds}', String(input.retryAfterS ?? 60)))
  return `<!doctype html>
<html lang="${input.language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${fill(text.title)}</title>
<link rel="stylesheet" href="/assets/bozor.css">
</head>
<body><main><h1>${fill(text.title)}</h1><p>${fill(text.body)}</p></main></body>
</html>
`
}
