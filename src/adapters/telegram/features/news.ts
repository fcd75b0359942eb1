/**
 * Broadcast opt-out and opt-in (DESIGN.md "Broadcasts"): `/stop_news` and the button under each
 * broadcast (`news:stop`) opt the customer out, `/news` opts them back in. Opted-out customers are
 * never recipients.
 */
import { Composer } from 'grammy'
import type { BotContext } from '../context.js'
import { plain } from '../texts.js'

/** The callback data of the opt-out button under each broadcast. */
export const NEWS_STOP_DATA = 'news:stop'

export const newsFeature = new Composer<BotContext>()

newsFeature.command('stop_news', async (ctx) => {
  if (ctx.chat.type !== 'private') return
  await ctx.services.store.setNewsOptOut(ctx.from!.id, true, ctx.services.clock.now())
  await ctx.reply(ctx.t('newsStopped'), { parse_mode: 'HTML' })
})

newsFeature.command('news', async (ctx) => {
  if (ctx.chat.type !== 'private') return
  await ctx.services.store.setNewsOptOut(ctx.from!.id, false, ctx.services.clock.now())
  await ctx.reply(ctx.t('newsResumed'), { parse_mode: 'HTML' })
})

newsFeature.callbackQuery(NEWS_STOP_DATA, async (ctx) => {
  await ctx.services.store.setNewsOptOut(ctx.from.id, true, ctx.services.clock.now())
  await ctx.answerOnce(plain(ctx.lang, 'newsStopped').replace(/<[^>]+>/g, ''), true)
})
