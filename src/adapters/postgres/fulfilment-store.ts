/**
 * What the outbox's delivery handlers read and change (usecases/ports-outbox.ts
 * `FulfilmentStore`) over PostgreSQL/PGlite.
 *
 * @example
 * const handlers = createOutboxHandlers(createFulfilmentStore(db))
 */
import { eq } from 'drizzle-orm'
import { languageOr } from '../../domain/shared/language.js'
import type { FulfilmentStore } from '../../usecases/ports-outbox.js'
import { productPayloads } from './catalog-store.js'
import type { Db } from './database.js'
import { applyTransition, lockOrder } from './order-ledger.js'
import { customer } from './schema.js'

export function createFulfilmentStore (db: Db): FulfilmentStore<Db> {
  return {
    async customerLanguage (telegramId) {
      const rows = await db.select({ language: customer.language }).from(customer).where(eq(customer.telegramId, telegramId)).limit(1)
      return languageOr(rows[0]?.language, undefined)
    },
    productPayloads: (ids) => productPayloads(db, ids),
    lockOrder: (tx, orderId) => lockOrder(tx, orderId),
    applyTransition: (tx, order, to, ctx) => applyTransition(tx, order, to, ctx)
  }
}
