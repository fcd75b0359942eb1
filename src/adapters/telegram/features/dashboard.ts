/**
 * `/dashboard`: a Telegram user whose id is in ADMIN_IDS gets a one-time dashboard login link
 * (write scope, 15 minutes; DESIGN.md "Dashboard"). The link is sent without a preview, so
 * Telegram's preview fetcher never opens it. Anyone else's `/dashboard` goes on to the other
 * features as any unknown command would.
 */
import { Composer } from 'grammy'
import type { BotContext } from '../context.js'

export const dashboardFeature = new Composer<BotContext>()

dashboardFeature.command('dashboard', async (ctx, next) => {
  const link = ctx.services.dashboardLink
  const admins = ctx.services.settings.adminIds ?? []
  if (link === undefined || ctx.chat.type !== 'private' || ctx.from === undefined || !admins.includes(ctx.from.id)) return await next()
  const url = await link(ctx.from.id)
  ctx.services.logger.info({ module: 'bot', telegramId: ctx.from.id }, 'dashboard login link sent to an admin')
  await ctx.reply(ctx.t('dashboardLink', { minutes: 15, link: url }), { parse_mode: 'HTML', link_preview_options: { is_disabled: true } })
})
