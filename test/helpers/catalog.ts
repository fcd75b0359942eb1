/** Catalog rows for bot tests, written straight into the leg's database. */
import type { Database } from '../../src/adapters/postgres/database.js'
import { category, product } from '../../src/adapters/postgres/schema.js'
import { createId } from '../../src/domain/shared/ids.js'

export interface SeedProduct {
  title?: string | { en: string, ru?: string, uz?: string }
  description?: string
  amount?: number
  currency?: string
  kind?: 'digital' | 'physical'
  payload?: string
  stock?: number | null
  photoUrl?: string
  categoryId?: string
  active?: boolean
  createdAt?: number
}

let counter = 0

export async function seedProduct (database: Database, p: SeedProduct = {}): Promise<string> {
  const id = createId('prd')
  const at = new Date(p.createdAt ?? Date.UTC(2026, 0, 1) + (counter++) * 1000)
  await database.db.insert(product).values({
    id,
    title: typeof p.title === 'object' ? p.title : { en: p.title ?? 'E-book' },
    description: p.description !== undefined ? { en: p.description } : null,
    priceAmount: p.amount ?? 1_500_000,
    currency: p.currency ?? 'UZS',
    kind: p.kind ?? 'digital',
    payload: p.payload ?? (p.kind === 'physical' ? null : 'https://files.example/book.pdf'),
    stock: p.stock ?? null,
    photoUrl: p.photoUrl ?? null,
    categoryId: p.categoryId ?? null,
    active: p.active ?? true,
    createdAt: at,
    updatedAt: at
  })
  return id
}

export async function seedCategory (database: Database, title: string, position = 0): Promise<string> {
  const id = createId('cat')
  await database.db.insert(category).values({ id, title: { en: title, ru: `${title} (ru)` }, position })
  return id
}
