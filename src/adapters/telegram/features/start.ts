/**
 * `/start` with deep-link payloads (specs/telegram.md §5, checklist 23): `p_<productId>` opens
 * the product, `r_<code>` records the referral source. Anything outside `[A-Za-z0-9_-]{1,64}`
 * is ignored.
 */
import { Composer } from 'grammy'
import type { BotContext } from '../context.js'
import { showProduct } from './catalog.js'
import { escapeHtml } from '../html.js'

const PAYLOAD = /^[A-Za-z0-9_-]{1,64}$/

export const startFeature = new Composer<BotContext>()

startFeature.command('start', async (ctx) => {
  const payload = ctx.match.trim()
  const valid = PAYLOAD.test(payload)
  if (valid && payload.startsWith('r_') && payload.length > 2 && ctx.from !== undefined) {
    await ctx.services.store.setReferral(ctx.from.id, payload.slice(2))
  }
  ctx.track('bot.start', valid ? { payload } : undefined)
  // the shop's own name and welcome (PATCH /api/v1/settings), plain text, replace the bot's words
  const shopName = await ctx.shopWord('name')
  const welcome = await ctx.shopWord('welcome')
  const text = welcome !== undefined ? escapeHtml(welcome) + '\n\n' + ctx.t('commandsHint') : ctx.t('welcome', { name: ctx.from?.first_name ?? '' })
  await ctx.reply((shopName !== undefined ? `<b>${escapeHtml(shopName)}</b>\n\n` : '') + text, { parse_mode: 'HTML' })
  if (valid && payload.startsWith('p_')) await showProduct(ctx, payload.slice(2))
})
