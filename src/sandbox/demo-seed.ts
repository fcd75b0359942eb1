/**
 * The demo catalog (`bozor seed --demo`, and sandbox mode's first start): a few products in
 * every currency the providers take, digital and physical, titled in en, ru and uz. Fixed ids
 * make it idempotent: seeding twice adds nothing. The ids have the shape of generated ones
 * (26 characters of Crockford base32), which the bot's callback data and deep links expect.
 */

/** Where the demo catalog goes: rows whose ids exist already are skipped. */
export interface DemoCatalogStore {
  addMissing(catalog: { categories: typeof DEMO_CATEGORIES, products: typeof DEMO_PRODUCTS }): Promise<{ categories: number, products: number }>
}

export const DEMO_CATEGORIES = [
  { id: 'cat_d3m0dgt0000000000000000000', title: { en: 'Digital goods', ru: 'Цифровые товары', uz: 'Raqamli mahsulotlar' }, position: 1 },
  { id: 'cat_d3m0mrch000000000000000000', title: { en: 'Merch', ru: 'Мерч', uz: 'Merch' }, position: 2 }
]

export const DEMO_PRODUCTS = [
  {
    id: 'prd_d3m0ebk0000000000000000000',
    categoryId: 'cat_d3m0dgt0000000000000000000',
    title: { en: 'Uzbek cookbook (e-book)', ru: 'Узбекская кухня (эл. книга)', uz: 'O\'zbek oshxonasi (e-kitob)' },
    description: { en: 'A PDF with 40 recipes.', ru: 'PDF с 40 рецептами.', uz: '40 ta retseptli PDF.' },
    priceAmount: 4_900_000,
    currency: 'UZS',
    kind: 'digital' as const,
    payload: 'Your download: https://example.com/demo/cookbook.pdf (demo link)',
    stock: null
  },
  {
    id: 'prd_d3m0crs0000000000000000000',
    categoryId: 'cat_d3m0dgt0000000000000000000',
    title: { en: 'Photo course', ru: 'Курс фотографии', uz: 'Fotografiya kursi' },
    description: { en: 'Ten video lessons.', ru: 'Десять видеоуроков.', uz: 'O\'nta video dars.' },
    priceAmount: 1500,
    currency: 'USD',
    kind: 'digital' as const,
    payload: 'Course access code: DEMO-COURSE-0001',
    stock: null
  },
  {
    id: 'prd_d3m0stkr000000000000000000',
    categoryId: 'cat_d3m0dgt0000000000000000000',
    title: { en: 'Sticker pack', ru: 'Набор стикеров', uz: 'Stikerlar to\'plami' },
    description: { en: 'Paid in Telegram Stars.', ru: 'Оплата в Telegram Stars.', uz: 'Telegram Stars bilan to\'lanadi.' },
    priceAmount: 50,
    currency: 'XTR',
    kind: 'digital' as const,
    payload: 'Sticker pack: https://t.me/addstickers/BozorDemo',
    stock: null
  },
  {
    id: 'prd_d3m0tshrt00000000000000000',
    categoryId: 'cat_d3m0mrch000000000000000000',
    title: { en: 'Bozor T-shirt', ru: 'Футболка Bozor', uz: 'Bozor futbolkasi' },
    description: { en: 'Cotton, size M.', ru: 'Хлопок, размер M.', uz: 'Paxta, M o\'lcham.' },
    priceAmount: 12_000_000,
    currency: 'UZS',
    kind: 'physical' as const,
    payload: null,
    stock: 25
  }
]

/** Adds the demo catalog; returns how many categories and products were new. */
export async function seedDemoCatalog (store: DemoCatalogStore): Promise<{ categories: number, products: number }> {
  return await store.addMissing({ categories: DEMO_CATEGORIES, products: DEMO_PRODUCTS })
}
