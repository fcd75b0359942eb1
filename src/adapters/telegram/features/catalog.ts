/**
 * `/catalog`: sections (categories) and products paged 8 at a time on one message that is
 * edited as the customer pages; product cards with photo, description, price in the customer's
 * language, stock and the providers the product can be paid with. Sections, pages and cards are
 * read through the shared cache (src/usecases/catalog-reads.ts; stock is read live). Opening
 * the catalog and viewing a product go to the customer's activity log.
 */
import { Composer, InlineKeyboard, InputFile } from 'grammy'
import type { InlineKeyboardButton } from 'grammy/types'
import { offeredProviders } from '../../../domain/orders/offered-providers.js'
import { formatMoney } from '../../../domain/shared/money.js'
import type { CatalogProduct } from '../../../usecases/bot-ports.js'
import type { LocalizedText } from '../../../usecases/ports.js'
import { ownPhotoId } from '../../../usecases/product-photos.js'
import { type Language } from '../../../domain/shared/language.js'
import type { BotContext } from '../context.js'
import { escapeHtml, shortenCaption } from '../html.js'
import { sendLong, editOrSend } from '../replies.js'

/** Products per catalog page (issue 3). */
export const PAGE_SIZE = 8

export function localized (text: LocalizedText | undefined, language: Language): string {
  if (text === undefined) return ''
  return text[language] ?? text.en
}

/** Which providers a product is offered at quantity 1. */
export function productProviders (ctx: BotContext, p: Pick<CatalogProduct, 'price' | 'kind'>): ReturnType<typeof offeredProviders> {
  return offeredProviders({ total: p.price, hasDigital: p.kind === 'digital', hasPhysical: p.kind === 'physical' }, ctx.services.offer)
}

function pageButton (label: string, data: string): InlineKeyboardButton {
  return { text: label, callback_data: data }
}

/** Sends (or, from a button, edits into) the first level of the catalog. */
export async function showCatalog (ctx: BotContext, edit: boolean): Promise<void> {
  const categories = await ctx.services.catalog.categories()
  if (categories.length === 0) return await showPage(ctx, 'all', 0, edit)
  const keyboard = new InlineKeyboard()
  for (const c of categories) keyboard.text(localized(c.title, ctx.lang).slice(0, 60), `cat:${c.id}:0`).row()
  keyboard.text(ctx.t('allProducts'), 'cat:all:0')
  await editOrSend(ctx, edit, ctx.t('categoriesTitle'), keyboard)
}

/** A page of products of a section (`all`, `none` or a category id). */
export async function showPage (ctx: BotContext, section: string, page: number, edit: boolean): Promise<void> {
  const { catalog } = ctx.services
  const categories = section === 'all' || section === 'none' ? [] : await catalog.categories()
  const category = categories.find((c) => c.id === section)
  if (section !== 'all' && section !== 'none' && category === undefined) {
    await ctx.answerOnce(ctx.t('staleButton'))
    return await showCatalog(ctx, edit)
  }
  const categoryId = section === 'all' ? undefined : section === 'none' ? null : section
  const { items, total } = await catalog.page({ ...(categoryId !== undefined ? { categoryId } : {}), offset: page * PAGE_SIZE, limit: PAGE_SIZE })
  if (total === 0) return await editOrSend(ctx, edit, ctx.t('catalogEmpty'))
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE))
  if (items.length === 0) return await showPage(ctx, section, pages - 1, edit)
  const rows: InlineKeyboardButton[][] = items.map((p) => [pageButton(`${localized(p.title, ctx.lang).slice(0, 40)} · ${formatMoney(p.price, ctx.lang)}`, `prd:${p.id}`)])
  const nav: InlineKeyboardButton[] = []
  if (page > 0) nav.push(pageButton(ctx.t('prev'), `cat:${section}:${page - 1}`))
  if (page + 1 < pages) nav.push(pageButton(ctx.t('next'), `cat:${section}:${page + 1}`))
  if (nav.length > 0) rows.push(nav)
  if (section !== 'all' || (await catalog.categories()).length > 0) rows.push([pageButton(ctx.t('backToCatalog'), 'catalog')])
  const title = category !== undefined ? localized(category.title, ctx.lang) : section === 'none' ? ctx.t('otherProducts') : ctx.t('allProducts')
  await editOrSend(ctx, edit, ctx.t('productsTitle', { category: title, page: page + 1, pages }), new InlineKeyboard(rows))
}

/** The product card; false when the product is gone or inactive. */
/**
 * What to send for a product's photo: a URL or Telegram file id as it is; one of Bozor's kept
 * photos by its file id once Telegram gave one, else uploaded (`photoId` set: remember the id).
 */
async function sendablePhoto (ctx: BotContext, image: string): Promise<{ file: string | InputFile, photoId?: string } | undefined> {
  const photoId = ownPhotoId(image)
  if (photoId === undefined) return { file: image }
  const kept = await ctx.services.photos.forTelegram(photoId)
  if (kept === undefined) return undefined
  if ('fileId' in kept) return { file: kept.fileId }
  return { file: new InputFile(kept.bytes, `${photoId}.${kept.contentType.split('/')[1] ?? 'jpg'}`), photoId }
}

export async function showProduct (ctx: BotContext, productId: string): Promise<boolean> {
  const p = await ctx.services.catalog.card(productId)
  if (p === undefined) {
    await ctx.reply(ctx.t('productNotFound'), { parse_mode: 'HTML' })
    return false
  }
  ctx.track('product.viewed', { productId: p.id })
  const providers = productProviders(ctx, p)
  const lines = [`<b>${escapeHtml(localized(p.title, ctx.lang))}</b>`]
  const description = localized(p.description, ctx.lang)
  if (description !== '') lines.push('', escapeHtml(description))
  lines.push('', ctx.t('price', { price: formatMoney(p.price, ctx.lang) }))
  if (p.available !== null) lines.push(p.available > 0 ? ctx.t('inStock', { count: p.available }) : ctx.t('outOfStock'))
  lines.push(providers.length > 0 ? ctx.t('payWith', { providers: providers.map((name) => ctx.t(`provider_${name}`)).join(', ') }) : ctx.t('noPayment'))
  if (p.kind === 'digital') lines.push(ctx.t('digitalNote'))
  const keyboard = new InlineKeyboard()
  if (providers.length > 0 && p.available !== 0) keyboard.text(ctx.t('buy'), `buy:${p.id}`).row()
  keyboard.text(ctx.t('backToCatalog'), 'catalog')
  const text = lines.join('\n')
  const photo = p.photoUrl !== undefined ? await sendablePhoto(ctx, p.photoUrl) : undefined
  if (photo !== undefined) {
    // A caption holds 1024 characters: a longer card goes as the photo plus the full text.
    const caption = shortenCaption(text)
    const sent = caption === text
      ? await ctx.replyWithPhoto(photo.file, { caption, parse_mode: 'HTML', reply_markup: keyboard })
      : await ctx.replyWithPhoto(photo.file)
    if (photo.photoId !== undefined) {
      // the first upload of a kept photo: Telegram's file id is sent instead of the bytes from now on
      const fileId = sent.photo.at(-1)?.file_id
      const photoId = photo.photoId
      if (fileId !== undefined) ctx.runInBackground('photo file id', () => ctx.services.photos.remember(photoId, fileId))
    }
    if (caption === text) return true
  }
  await sendLong(ctx, text, keyboard)
  return true
}

export const catalogFeature = new Composer<BotContext>()

catalogFeature.command('catalog', async (ctx) => {
  ctx.track('catalog.opened')
  await showCatalog(ctx, false)
})

catalogFeature.callbackQuery('catalog', async (ctx) => {
  await ctx.answerOnce()
  ctx.track('catalog.opened')
  await showCatalog(ctx, true)
})

catalogFeature.callbackQuery(/^cat:([a-z]{3}_[0-9a-z]{26}|all|none):(\d{1,4})$/, async (ctx) => {
  await ctx.answerOnce()
  await showPage(ctx, ctx.match[1]!, Number(ctx.match[2]), true)
})

catalogFeature.callbackQuery(/^prd:(prd_[0-9a-z]{26})$/, async (ctx) => {
  await ctx.answerOnce()
  await showProduct(ctx, ctx.match[1]!)
})
