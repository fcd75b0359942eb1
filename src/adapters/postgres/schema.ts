// The Drizzle schema of Bozor's durable storage, one module per area. drizzle-kit reads this file
// (drizzle.config.ts) to generate the SQL migrations in migrations/; `openDatabase` passes it to
// drizzle so `db.query.*` works. Tables are singular snake_case; the order table is `shop_order`
// because `order` is an SQL keyword.
export type { LocalizedText } from './schema/columns.js'
export * from './schema/customers.js'
export * from './schema/catalog.js'
export * from './schema/orders.js'
export * from './schema/payments.js'
export * from './schema/stripe.js'
export * from './schema/operations.js'
export * from './schema/dashboard.js'
export * from './schema/analytics.js'
export * from './schema/broadcasts.js'
export * from './schema/relations.js'
