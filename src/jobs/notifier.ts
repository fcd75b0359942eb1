/**
 * The port the outbox worker delivers through. The bot implements it over grammY; until then
 * {@link createLoggingNotifier} only logs.
 */
export interface DigitalGoods {
  orderId: string
  items: Array<{ productId: string, title: string, payload: string }>
}

/**
 * Sends messages for durable side effects. A method that throws makes the outbox row retry.
 *
 * @example
 * const notifier: Notifier = { sendToCustomer: (id, text) => bot.api.sendMessage(id, text).then(() => {}), ... }
 */
export interface Notifier {
  sendToCustomer(telegramId: number, text: string): Promise<void>
  sendDigitalGoods(telegramId: number, goods: DigitalGoods): Promise<void>
  /** Tells ADMIN_CHAT_ID (a no-op when none is configured). */
  notifyAdmin(text: string): Promise<void>
}

export interface InfoLogger { info(obj: object, msg?: string): void }

/** A notifier that only logs what it would send. */
export function createLoggingNotifier (logger: InfoLogger): Notifier {
  return {
    async sendToCustomer (telegramId, text) { logger.info({ module: 'notifier', telegramId, text }, 'customer message (no bot attached)') },
    async sendDigitalGoods (telegramId, goods) { logger.info({ module: 'notifier', telegramId, orderId: goods.orderId, items: goods.items.length }, 'digital goods (no bot attached)') },
    async notifyAdmin (text) { logger.info({ module: 'notifier', text }, 'admin message (no bot attached)') }
  }
}
