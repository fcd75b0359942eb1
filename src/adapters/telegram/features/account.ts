/** `/help`, `/paysupport`, `/terms`, `/language` and `/cancel` (leaves any flow and always answers). */
import { Composer, InlineKeyboard } from 'grammy'
import { LANGUAGES, type Language } from '../../../domain/shared/language.js'
import type { BotContext } from '../context.js'
import { editOrSend } from '../replies.js'
import { escapeHtml } from '../html.js'

const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', ru: 'Русский', uz: 'Oʻzbekcha' }

export const accountFeature = new Composer<BotContext>()

/** The shop's support contact and terms hint, as lines under a text (none when unset). */
async function shopFooter (ctx: BotContext): Promise<string> {
  const contact = await ctx.shopWord('supportContact')
  const terms = await ctx.shopWord('terms')
  return (contact !== undefined ? '\n\n' + ctx.t('shopContact', { contact }) : '') + (terms !== undefined ? '\n' + ctx.t('termsHint') : '')
}

// the shop's own help text (PATCH /api/v1/settings) replaces the bot's, plain text
accountFeature.command('help', async (ctx) => {
  const help = await ctx.shopWord('help')
  await ctx.reply((help !== undefined ? escapeHtml(help) + '\n\n' + ctx.t('commandsHint') : ctx.t('help')) + await shopFooter(ctx), { parse_mode: 'HTML' })
})

accountFeature.command('paysupport', async (ctx) => { await ctx.reply(ctx.t('paySupport') + await shopFooter(ctx), { parse_mode: 'HTML' }) })

accountFeature.command('terms', async (ctx) => {
  const terms = await ctx.shopWord('terms')
  await ctx.reply(terms !== undefined ? escapeHtml(terms) : ctx.t('noTerms'), { parse_mode: 'HTML' })
})

accountFeature.command('language', async (ctx) => {
  const keyboard = new InlineKeyboard()
  for (const language of LANGUAGES) keyboard.text(LANGUAGE_NAMES[language], `lang:${language}`)
  await ctx.reply(ctx.t('languagePrompt'), { parse_mode: 'HTML', reply_markup: keyboard })
})

accountFeature.callbackQuery(/^lang:(en|ru|uz)$/, async (ctx) => {
  const language = ctx.match[1] as Language
  await ctx.services.store.setLanguage(ctx.from.id, language)
  ctx.lang = language
  await ctx.answerOnce()
  await editOrSend(ctx, true, ctx.t('languageSet'))
})

accountFeature.command('cancel', async (ctx) => {
  let active = false
  try {
    const session = await ctx.session
    active = session.checkout !== undefined || session.support === true
    delete session.checkout
    session.support = false
  } catch (err) {
    // /cancel always answers; the store being down is reported by the error boundary otherwise
    ctx.services.logger.warn({ module: 'bot', err: String(err) }, '/cancel could not read the session')
  }
  await ctx.reply(ctx.t(active ? 'cancelled' : 'nothingToCancel'), { parse_mode: 'HTML', reply_markup: { remove_keyboard: true } })
})
