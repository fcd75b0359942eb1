/**
 * A {@link Notifier} that only logs (no bot attached). The port itself lives in
 * src/usecases/ports-notifier.ts.
 */
import type { Notifier } from '../usecases/ports-notifier.js'

export type { CardFailure, CustomerMessage, DigitalGoods, Notifier } from '../usecases/ports-notifier.js'

export interface InfoLogger { info(obj: object, msg?: string): void }

/** A notifier that only logs what it would send. */
export function createLoggingNotifier (logger: InfoLogger): Notifier {
  return {
    async sendToCustomer (telegramId, message) { logger.info({ module: 'notifier', telegramId, kind: message.kind }, 'customer message (no bot attached)') },
    async sendDigitalGoods (telegramId, goods) { logger.info({ module: 'notifier', telegramId, orderId: goods.orderId, items: goods.items.length }, 'digital goods (no bot attached)') },
    async notifyAdmin (text) { logger.info({ module: 'notifier', text }, 'admin message (no bot attached)') }
  }
}
