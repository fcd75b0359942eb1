/**
 * What the outbox's delivery handlers read and change (usecases/ports-outbox.ts
 * `FulfilmentStore`) over PostgreSQL/PGlite.
 *
 * @example
 * const handlers = createOutboxHandlers(createFulfilmentStore(db))
 */
import type { FulfilmentStore } from '../../usecases/ports-outbox.js'
import { productPayloads } from './catalog-store.js'
import { customerLanguage } from './bot-store.js'
import type { Db } from './database.js'
import { applyTransition, lockOrder } from './order-ledger.js'

export function createFulfilmentStore (db: Db): FulfilmentStore<Db> {
  return {
    customerLanguage: (telegramId) => customerLanguage(db, telegramId),
    productPayloads: (ids) => productPayloads(db, ids),
    lockOrder: (tx, orderId) => lockOrder(tx, orderId),
    applyTransition: (tx, order, to, ctx) => applyTransition(tx, order, to, ctx)
  }
}
