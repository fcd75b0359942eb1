/**
 * What the pay link reads (usecases/open-pay-link.ts `PayLinkStore`) over PostgreSQL/PGlite.
 *
 * @example
 * await app.register(payRoutes, { store: createPayLinkStore(db), providers, defaultLanguage, clock })
 */
import { eq } from 'drizzle-orm'
import { languageOr } from '../../domain/shared/language.js'
import type { PayLinkStore } from '../../usecases/open-pay-link.js'
import { loadHoldCandidates } from './click-ledger.js'
import type { Db } from './database.js'
import { readOrder } from './orders-rows.js'
import { customer } from './schema.js'

export function createPayLinkStore (db: Db): PayLinkStore {
  return {
    readOrder: (orderId) => readOrder(db, orderId),
    holdCandidates: (orderId) => loadHoldCandidates(db, orderId),
    async customerLanguage (telegramId) {
      const rows = await db.select({ language: customer.language }).from(customer).where(eq(customer.telegramId, telegramId)).limit(1)
      return languageOr(rows[0]?.language, undefined)
    }
  }
}
