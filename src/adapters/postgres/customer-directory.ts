/**
 * The {@link CustomerDirectory} over PostgreSQL/PGlite: a customer is a row of `customer`,
 * keyed by the Telegram user id.
 *
 * @example
 * const customers = createPostgresCustomerDirectory(database.db)
 * await customers.exists(42) // false until user 42 talked to the bot or got an order
 */
import { eq } from 'drizzle-orm'
import type { CustomerDirectory } from '../../usecases/customer-activity.js'
import type { Db } from './database.js'
import { customer } from './schema.js'

export function createPostgresCustomerDirectory (db: Db): CustomerDirectory {
  return {
    async exists (telegramId) {
      const rows = await db.select({ id: customer.telegramId }).from(customer).where(eq(customer.telegramId, telegramId)).limit(1)
      return rows.length > 0
    }
  }
}
