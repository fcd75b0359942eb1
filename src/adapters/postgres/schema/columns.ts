import { sql } from 'drizzle-orm'
import { type AnyPgColumn, check, customType, timestamp } from 'drizzle-orm/pg-core'

/** Text in each supported language; `en` is always present. Stored as jsonb. */
export interface LocalizedText {
  en: string
  ru?: string
  uz?: string
}

/**
 * A PostgreSQL `bigint` read and written as a decimal string. Order ids use it: they come from a
 * sequence and are exposed as `"1042"` (DESIGN.md), and a string never loses precision.
 */
export const bigintString = customType<{ data: string, driverData: string | number | bigint }>({
  dataType: () => 'bigint',
  toDriver: (value) => value,
  fromDriver: (value) => String(value)
})

/** `timestamptz` mapped to a JS `Date`; every state change is one of these (`paid_at`, …). */
export function timestamptz<TName extends string> (name: TName) {
  return timestamp(name, { withTimezone: true, mode: 'date' })
}

/** Check that a currency column holds three upper-case letters (ISO 4217, or `XTR`). */
export function currencyCheck (table: string, column: AnyPgColumn) {
  return check(`${table}_currency_check`, sql`${column} ~ '^[A-Z]{3}$'`)
}
