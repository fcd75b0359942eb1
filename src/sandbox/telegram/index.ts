// Telegram Bot API emulator: public surface for tests and the sandbox mode.
export { createTelegramEmulator, TelegramEmulator, SANDBOX_BOT_TOKEN } from './emulator.js'
export type { TelegramEmulatorOptions, WaitOptions } from './emulator.js'
export { TelegramTestUser } from './test-user.js'
export type { Fault, FaultKind, FaultSpec, Faults } from './faults.js'
export type { CallbackRecord, ChargeRecord, InvoiceSpec, MessageChange, UserOptions } from './bot-state.js'
export type { WebhookConfig } from './webhook-pusher.js'
export type { HandleOptions } from './http-handler.js'
export { parseHtml, EntityParseError } from './html-parser.js'
export { SUPPORTED_METHODS } from './dispatch.js'
export { DEFAULT_LIMITS } from './types.js'
export type {
  Delivery, PaymentOutcome, SentCall, TelegramLimits, TgCallbackQuery, TgChat, TgEntity, TgErrorBody,
  TgInlineButton, TgMessage, TgPreCheckoutQuery, TgReplyMarkup, TgUpdate, TgUser
} from './types.js'
