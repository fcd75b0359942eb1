/**
 * `/orders`: the customer's newest orders with their state; an unpaid one gets its pay buttons
 * (a Stars order gets its invoice again).
 */
import { Composer, InlineKeyboard } from 'grammy'
import { offeredProviders } from '../../../domain/orders/offered-providers.js'
import { formatMoney } from '../../../domain/shared/money.js'
import type { BotContext } from '../context.js'
import { sendLong } from '../replies.js'
import { sendStarsInvoice } from './payments.js'

/** Orders listed by /orders. */
export const ORDERS_SHOWN = 10

export const ordersFeature = new Composer<BotContext>()

ordersFeature.command('orders', async (ctx) => {
  const { store, clock, offer, payUrl } = ctx.services
  const orders = await store.customerOrders(ctx.from!.id, ORDERS_SHOWN)
  if (orders.length === 0) return await ctx.reply(ctx.t('ordersEmpty'), { parse_mode: 'HTML' }).then(() => {})
  const now = clock.now()
  const lines = [ctx.t('ordersTitle'), '']
  const keyboard = new InlineKeyboard()
  for (const order of orders) {
    // An order past its expiry is expired whatever the background job has recorded (DESIGN.md "States").
    const state = order.state === 'pending' && now >= order.expiresAt ? 'expired' : order.state
    lines.push(ctx.t('orderLine', { orderId: order.id, total: formatMoney(order.total, ctx.lang), state: ctx.t(`state_${state}`) }))
    if (state !== 'pending') continue
    for (const provider of offeredProviders({ total: order.total, hasDigital: order.items.some((i) => i.kind === 'digital'), hasPhysical: order.items.some((i) => i.kind === 'physical') }, offer)) {
      const label = ctx.t('payOrder', { orderId: order.id, provider: ctx.t(`provider_${provider}`) })
      if (provider === 'stars') keyboard.text(label, `inv:${order.id}`).row()
      else keyboard.url(label, payUrl(order.id, provider)).row()
    }
  }
  // grammY's keyboard starts with one empty row: send one only when it has a button
  await sendLong(ctx, lines.join('\n'), keyboard.inline_keyboard.some((row) => row.length > 0) ? keyboard : undefined)
})

ordersFeature.callbackQuery(/^inv:(\d{1,18})$/, async (ctx) => {
  const { stars, clock } = ctx.services
  const order = await stars.order(ctx.match[1]!)
  if (order === undefined || order.customer.telegramId !== ctx.from.id) return await ctx.answerOnce(ctx.t('staleButton'), true)
  if (order.state !== 'pending' || clock.now() >= order.expiresAt) {
    const state = order.state === 'pending' ? 'expired' : order.state
    return await ctx.answerOnce(ctx.t('orderNotPayable', { orderId: order.id, state: ctx.t(`state_${state}`) }).replace(/<[^>]+>/g, ''), true)
  }
  await ctx.answerOnce()
  await sendStarsInvoice(ctx, order, `#${order.id}`, order.items.reduce((n, i) => n + i.quantity, 0))
})
