/**
 * `/support`: the customer's next message goes to `ADMIN_CHAT_ID` and the merchant's reply to
 * it there goes back to the customer. The admin message id → customer mapping lives in the
 * `support_thread` table, so replies work after a restart. When the admin group becomes a
 * supergroup (a `migrate_to_chat_id` service message, or a send refused with that parameter) the
 * new id is followed: requests go there and replies there are taken (admin-chat.ts).
 */
import { Composer } from 'grammy'
import type { BotContext } from '../context.js'
import { escapeHtml } from '../html.js'
import { t } from '../texts.js'

/** Handles messages in the admin chat: replies to forwarded support messages go to the customer. */
export const adminChatFeature = new Composer<BotContext>()

adminChatFeature.on('message', async (ctx, next) => {
  const { adminChat } = ctx.services
  if (!await adminChat.isAdminChat(ctx.chat.id)) return await next()
  // the admin group became a supergroup: write there from now on
  if (ctx.message.migrate_to_chat_id !== undefined) return await adminChat.migrated(ctx.chat.id, ctx.message.migrate_to_chat_id)
  const repliedTo = ctx.message.reply_to_message?.message_id
  const text = ctx.message.text
  if (repliedTo === undefined || text === undefined) return
  const customerId = await ctx.services.store.supportThreadCustomer(repliedTo)
  if (customerId === undefined) return
  const language = await ctx.services.store.customerLanguage(customerId) ?? ctx.services.settings.defaultLanguage
  await ctx.api.sendMessage(customerId, t(language, 'supportReply', { text }), { parse_mode: 'HTML' })
})

export const supportFeature = new Composer<BotContext>()

supportFeature.command('support', async (ctx) => {
  if (ctx.services.adminChat.configured === undefined) {
    // without a support chat the shop's own contact (PATCH /api/v1/settings) is the way to reach it
    const contact = await ctx.shopWord('supportContact')
    return await ctx.reply(contact !== undefined ? ctx.t('shopContact', { contact }) : ctx.t('supportUnavailable'), { parse_mode: 'HTML' }).then(() => {})
  }
  const session = await ctx.session
  delete session.checkout
  session.support = true
  await ctx.reply(ctx.t('supportPrompt'), { parse_mode: 'HTML' })
})

supportFeature.on('message', async (ctx, next) => {
  if (ctx.message.text?.startsWith('/') === true) return await next()
  const session = await ctx.session
  if (session.support !== true) return await next()
  if (ctx.services.adminChat.configured === undefined) {
    session.support = false
    return await ctx.reply(ctx.t('supportUnavailable'), { parse_mode: 'HTML' }).then(() => {})
  }
  const text = ctx.message.text ?? ctx.message.caption
  if (text === undefined) return await ctx.reply(ctx.t('supportNeedsText'), { parse_mode: 'HTML' }).then(() => {})
  const from = ctx.from
  const who = `${escapeHtml([from.first_name, from.last_name].filter(Boolean).join(' '))}${from.username !== undefined ? ` (@${escapeHtml(from.username)})` : ''}, id <code>${from.id}</code>`
  const request = `🆘 Support request from ${who}:\n\n${escapeHtml(text)}\n\n<i>Reply to this message to answer.</i>`
  const sent = await ctx.services.adminChat.send((chatId) => ctx.api.sendMessage(chatId, request, { parse_mode: 'HTML' }))
  if (sent !== undefined) await ctx.services.store.saveSupportThread(sent.message_id, from.id, ctx.services.clock.now())
  session.support = false
  await ctx.reply(ctx.t('supportSent'), { parse_mode: 'HTML' })
})
