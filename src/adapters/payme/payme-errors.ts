/**
 * Payme's error codes (specs/payme.md §3.4) with the localized message the payer sees and
 * the `data` rule of each. The one table of this adapter (STYLE R10).
 */

export interface PaymeMessage { ru: string, uz: string, en: string }

/** Every code this project answers with. */
export const PAYME_ERROR = {
  METHOD_NOT_POST: -32300,
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INSUFFICIENT_PRIVILEGES: -32504,
  SYSTEM_ERROR: -32400,
  INVALID_AMOUNT: -31001,
  TRANSACTION_NOT_FOUND: -31003,
  CANNOT_CANCEL: -31007,
  CANNOT_PERFORM: -31008,
  ORDER_NOT_FOUND: -31050,
  ORDER_NOT_PAYABLE: -31051,
  ORDER_BEING_PAID: -31052
} as const

export type PaymeErrorCode = (typeof PAYME_ERROR)[keyof typeof PAYME_ERROR]

/**
 * What `data` carries: `none` (omitted), `account` (the account field name, `"order_id"`;
 * mandatory for −31050…−31099) or `method` (the unknown method's name, for −32601).
 */
export type PaymeDataRule = 'none' | 'account' | 'method'

export const PAYME_ERRORS: Readonly<Record<PaymeErrorCode, { message: PaymeMessage, data: PaymeDataRule }>> = {
  [-32300]: { data: 'none', message: { ru: 'Метод запроса должен быть POST', uz: "So'rov usuli POST bo'lishi kerak", en: 'Request method must be POST' } },
  [-32700]: { data: 'none', message: { ru: 'Ошибка разбора JSON', uz: 'JSON tahlil qilishda xatolik', en: 'JSON parse error' } },
  [-32600]: { data: 'none', message: { ru: 'Неверный запрос JSON-RPC', uz: "Noto'g'ri JSON-RPC so'rovi", en: 'Invalid JSON-RPC request' } },
  [-32601]: { data: 'method', message: { ru: 'Метод не найден', uz: 'Metod topilmadi', en: 'Method not found' } },
  [-32504]: { data: 'none', message: { ru: 'Недостаточно привилегий для выполнения метода', uz: 'Metodni bajarish uchun huquqlar yetarli emas', en: 'Insufficient privileges to perform this method' } },
  [-32400]: { data: 'none', message: { ru: 'Системная ошибка', uz: 'Tizim xatosi', en: 'System error' } },
  [-31001]: { data: 'none', message: { ru: 'Неверная сумма', uz: "Noto'g'ri summa", en: 'Incorrect amount' } },
  [-31003]: { data: 'none', message: { ru: 'Транзакция не найдена', uz: 'Tranzaksiya topilmadi', en: 'Transaction not found' } },
  [-31007]: { data: 'none', message: { ru: 'Невозможно отменить транзакцию: товар или услуга предоставлены покупателю в полном объёме', uz: "Tranzaksiyani bekor qilib bo'lmaydi: tovar yoki xizmat xaridorga to'liq taqdim etilgan", en: 'Cannot cancel the transaction: the goods or service have been delivered in full' } },
  [-31008]: { data: 'none', message: { ru: 'Невозможно выполнить операцию', uz: "Amalni bajarib bo'lmaydi", en: 'Operation cannot be performed' } },
  [-31050]: { data: 'account', message: { ru: 'Заказ не найден', uz: 'Buyurtma topilmadi', en: 'Order not found' } },
  [-31051]: { data: 'account', message: { ru: 'Заказ нельзя оплатить: он уже оплачен, отменён или просрочен', uz: "Buyurtmani to'lab bo'lmaydi: u allaqachon to'langan, bekor qilingan yoki muddati o'tgan", en: 'The order cannot be paid: it is already paid, cancelled or expired' } },
  [-31052]: { data: 'account', message: { ru: 'Этот заказ уже оплачивается', uz: "Bu buyurtma allaqachon to'lanmoqda", en: 'This order is already being paid' } }
}

/** The account field Bozor's cash register uses. */
export const PAYME_ACCOUNT_FIELD = 'order_id'

/** The `error` member of a Payme answer. */
export interface PaymeErrorBody {
  code: PaymeErrorCode
  message: PaymeMessage
  data?: string
}

/**
 * Builds the `error` member for `code` following its `data` rule. `data` is the method name
 * for −32601; for account errors it is always `"order_id"`.
 *
 * @example
 * paymeErrorBody(-31050) // { code: -31050, message: { ru: 'Заказ не найден', … }, data: 'order_id' }
 */
export function paymeErrorBody (code: PaymeErrorCode, methodName?: string): PaymeErrorBody {
  const entry = PAYME_ERRORS[code]
  const body: PaymeErrorBody = { code, message: { ...entry.message } }
  if (entry.data === 'account') body.data = PAYME_ACCOUNT_FIELD
  if (entry.data === 'method' && methodName !== undefined) body.data = methodName
  return body
}
