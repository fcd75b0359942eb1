/**
 * The outbox's {@link Notifier} over the bot: payment confirmations, digital goods and refund
 * notices in the customer's language, merchant notices to ADMIN_CHAT_ID. A customer who blocked
 * the bot (403) or a chat that does not exist (400) is not retried: the message is dropped and
 * logged. A group that became a supergroup (migrate_to_chat_id) is followed (admin-chat.ts). A payment
 * confirmation, once sent, is recorded in the customer's activity log as `payment.received`
 * (best-effort: a store failure is logged, never retried through the outbox).
 */
import { GrammyError, type Api } from 'grammy'
import { type Language } from '../../domain/shared/language.js'
import { formatMoney } from '../../domain/shared/money.js'
import type { CardFailure, CustomerMessage, DigitalGoods, Notifier } from '../../usecases/ports-notifier.js'
import type { BotStore } from '../../usecases/bot-ports.js'
import type { ActivityLog } from '../../usecases/ports-kv.js'
import type { AdminChat } from './admin-chat.js'
import { escapeHtml, splitText } from './html.js'
import { t, type TextKey } from './texts.js'

export interface BotNotifierOptions {
  api: Api
  store: Pick<BotStore, 'customerLanguage'>
  /** Where merchant notices go (ADMIN_CHAT_ID, followed when it becomes a supergroup); none: dropped. */
  adminChat?: Pick<AdminChat, 'send'>
  defaultLanguage: Language
  /** Where `payment.received` is recorded; optional. */
  activity?: Pick<ActivityLog, 'record'>
  logger: { info(obj: object, msg: string): void, warn(obj: object, msg: string): void, debug?(obj: object, msg: string): void }
}

const FAILURE_TEXT: Readonly<Record<CardFailure, TextKey>> = {
  declined: 'paymentDeclined',
  insufficient_funds: 'paymentInsufficientFunds',
  expired_card: 'paymentCardExpired'
}

/** True for refusals a retry cannot fix (blocked, deactivated, chat not found). */
function isPermanent (err: unknown): boolean {
  return err instanceof GrammyError && (err.error_code === 403 || (err.error_code === 400 && /chat not found|user not found|PEER_ID_INVALID/i.test(err.description)))
}

export function createBotNotifier (options: BotNotifierOptions): Notifier {
  const { api, store, logger } = options

  const send = async (chatId: number, html: string): Promise<void> => {
    try {
      for (const part of splitText(html)) await api.sendMessage(chatId, part, { parse_mode: 'HTML' })
    } catch (err) {
      if (!isPermanent(err)) throw err
      logger.info({ module: 'notifier', chatId, description: (err as GrammyError).description }, 'message dropped: the chat cannot receive it')
    }
  }
  const languageOf = async (telegramId: number): Promise<Language> => await store.customerLanguage(telegramId) ?? options.defaultLanguage

  return {
    async sendToCustomer (telegramId, message: CustomerMessage, known) {
      // null: the caller looked and the customer has no stored language
      const language = known === null ? options.defaultLanguage : known ?? await languageOf(telegramId)
      let text: string
      switch (message.kind) {
        case 'order.paid':
          text = t(language, 'paymentReceived', { orderId: message.orderId, total: formatMoney(message.total, language) }) +
            (message.needsShipping ? '\n' + t(language, 'orderNeedsShipping') : '')
          break
        case 'order.refunded':
          text = t(language, 'orderRefunded', { orderId: message.orderId, amount: formatMoney(message.amount, language) })
          break
        case 'refund.failed':
          text = t(language, 'refundFailed', { orderId: message.orderId, amount: formatMoney(message.amount, language) })
          break
        case 'payment.refunded_late':
          text = t(language, 'precheckoutNotPayable') + '\n' + t(language, 'orderRefunded', { orderId: message.orderId, amount: formatMoney(message.amount, language) })
          break
        case 'payment.failed':
          text = t(language, FAILURE_TEXT[message.reason], { orderId: message.orderId })
          break
        case 'payment.not_completed':
          text = t(language, 'paymentNotCompleted', { orderId: message.orderId })
          break
        case 'order.fulfilled':
          text = t(language, 'orderFulfilled', { orderId: message.orderId }) + (message.note !== undefined ? '\n' + t(language, 'merchantNote', { note: message.note }) : '')
          break
        case 'text':
          text = escapeHtml(message.text)
      }
      await send(telegramId, text)
      if (message.kind === 'order.paid') {
        // not awaited: the outbox row is done once the message is out
        options.activity?.record(telegramId, 'payment.received', { orderId: message.orderId }).catch((err: unknown) => {
          logger.debug?.({ module: 'notifier', telegramId, err: String(err) }, 'could not record payment.received in the activity log')
        })
      }
    },
    async sendDigitalGoods (telegramId, goods: DigitalGoods) {
      const language = goods.language ?? await languageOf(telegramId)
      for (const item of goods.items) {
        await send(telegramId, t(language, 'digitalGoods', { title: item.title[language] ?? item.title.en, orderId: goods.orderId, payload: item.payload }))
      }
    },
    async notifyAdmin (text) {
      await options.adminChat?.send((chatId) => send(chatId, escapeHtml(text)))
    }
  }
}
