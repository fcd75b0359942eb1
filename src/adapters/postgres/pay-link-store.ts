/**
 * What the pay link reads (usecases/open-pay-link.ts `PayLinkStore`) over PostgreSQL/PGlite.
 *
 * @example
 * await app.register(payRoutes, { store: createPayLinkStore(db), providers, defaultLanguage, clock })
 */
import type { PayLinkStore } from '../../usecases/open-pay-link.js'
import { loadHoldCandidates } from './hold-candidates.js'
import { customerLanguage } from './bot-store.js'
import type { Db } from './database.js'
import { readOrder } from './orders-rows.js'

export function createPayLinkStore (db: Db): PayLinkStore {
  return {
    readOrder: (orderId) => readOrder(db, orderId),
    holdCandidates: (orderId) => loadHoldCandidates(db, orderId),
    customerLanguage: (telegramId) => customerLanguage(db, telegramId)
  }
}
