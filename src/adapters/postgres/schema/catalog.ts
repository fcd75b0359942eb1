import { sql } from 'drizzle-orm'
import { type AnyPgColumn, bigint, boolean, check, customType, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core'
import { currencyCheck, type LocalizedText, timestamptz } from './columns.js'

/**
 * Catalog sections shown by the bot; `id` is `cat_…`. `parent_id` nests a section in another; a
 * section with products or sections in it cannot be deleted (the API answers 409).
 */
export const category = pgTable('category', {
  id: text('id').primaryKey(),
  title: jsonb('title').$type<LocalizedText>().notNull(),
  parentId: text('parent_id').references((): AnyPgColumn => category.id, { onDelete: 'restrict' }),
  position: integer('position').notNull().default(0),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow()
}, (t) => [
  index('category_position_idx').on(t.position, t.id),
  index('category_parent_idx').on(t.parentId)
])

/**
 * Products; `id` is `prd_…`. Price in minor units. `stock` null means unlimited; `reserved`
 * counts units held by pending orders.
 */
export const product = pgTable('product', {
  id: text('id').primaryKey(),
  categoryId: text('category_id').references(() => category.id, { onDelete: 'set null' }),
  title: jsonb('title').$type<LocalizedText>().notNull(),
  description: jsonb('description').$type<LocalizedText>(),
  priceAmount: bigint('price_amount', { mode: 'number' }).notNull(),
  currency: text('currency').notNull(),
  kind: text('kind', { enum: ['digital', 'physical'] }).notNull(),
  payload: text('payload'),
  photoUrl: text('photo_url'),
  /** Pictures of the product, in order: URLs or Telegram file ids (the first is the bot's photo). */
  images: jsonb('images').$type<string[]>().notNull().default([]),
  stock: integer('stock'),
  reserved: integer('reserved').notNull().default(0),
  active: boolean('active').notNull().default(true),
  refundable: boolean('refundable').notNull().default(true),
  /** Uzbek fiscal data for Payme's receipt (decision 0023): the IKPU/MXIK code, its package code and VAT %, all three or none. */
  fiscalCode: text('fiscal_code'),
  packageCode: text('package_code'),
  vatPercent: integer('vat_percent'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow()
}, (t) => [
  check('product_kind_check', sql`${t.kind} in ('digital', 'physical')`),
  check('product_price_amount_check', sql`${t.priceAmount} >= 0`),
  currencyCheck('product', t.currency),
  check('product_stock_check', sql`${t.stock} is null or ${t.stock} >= 0`),
  check('product_reserved_check', sql`${t.reserved} >= 0`),
  check('product_fiscal_check', sql`(${t.fiscalCode} is null and ${t.packageCode} is null and ${t.vatPercent} is null) or (${t.fiscalCode} ~ '^[0-9]{17}$' and ${t.packageCode} ~ '^[0-9]{1,20}$' and ${t.vatPercent} between 0 and 100)`),
  index('product_category_idx').on(t.categoryId),
  index('product_active_created_idx').on(t.active, t.createdAt, t.id)
])

/** A `bytea` column read as a Buffer (node-postgres gives a Buffer, PGlite a Uint8Array). */
const bytea = customType<{ data: Buffer, driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => value,
  fromDriver: (value) => Buffer.from(value)
})

/**
 * A photo of a product uploaded through the admin API (`pho_…`), kept by Bozor: JPEG, PNG or WebP
 * (checked by content), at most 5 MB. The bot uploads it to Telegram the first time it shows it and
 * keeps the `file_id` Telegram gives back, sent instead of the bytes after that.
 */
export const productPhoto = pgTable('product_photo', {
  id: text('id').primaryKey(),
  productId: text('product_id').notNull().references(() => product.id, { onDelete: 'cascade' }),
  contentType: text('content_type').notNull(),
  size: integer('size').notNull(),
  sha256: text('sha256').notNull(),
  data: bytea('data').notNull(),
  telegramFileId: text('telegram_file_id'),
  createdAt: timestamptz('created_at').notNull().defaultNow()
}, (t) => [
  check('product_photo_type_check', sql`${t.contentType} in ('image/jpeg', 'image/png', 'image/webp')`),
  index('product_photo_product_idx').on(t.productId)
])
