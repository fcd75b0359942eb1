/**
 * The checkout conversation, an explicit state machine in the session (issue 3 item 4):
 * product → quantity (buttons or a typed number, checked against stock) → for physical goods a
 * phone number and an address → a payment provider → the order is placed (the same use case as
 * `POST /api/v1/orders`) and the customer gets a pay button, or for Stars an invoice. Input that
 * does not fit the step gets a hint and the step is kept; a stale button says so.
 */
import { Composer, InlineKeyboard, Keyboard } from 'grammy'
import { offeredProviders } from '../../../domain/orders/offered-providers.js'
import { multiplyMoney, formatMoney } from '../../../domain/shared/money.js'
import { DomainError } from '../../../domain/shared/errors.js'
import type { ProviderName } from '../../../domain/payments/payment.js'
import { PROVIDER_NAMES } from '../../../domain/payments/payment.js'
import { placeOrder } from '../../../usecases/place-order.js'
import type { CatalogProduct } from '../../../usecases/bot-ports.js'
import type { BotContext } from '../context.js'
import type { CheckoutState } from '../session.js'
import { localized, productProviders } from './catalog.js'
import { sendStarsInvoice } from './payments.js'

/** Largest quantity the bot offers in one order line. */
export const MAX_BOT_QUANTITY = 99
const PHONE = /^\+?[0-9][0-9 ()-]{5,22}[0-9]$/

function maxQuantity (p: CatalogProduct): number {
  return Math.min(MAX_BOT_QUANTITY, p.available ?? MAX_BOT_QUANTITY)
}

async function setCheckout (ctx: BotContext, checkout: CheckoutState | undefined): Promise<void> {
  const session = await ctx.session
  if (checkout === undefined) delete session.checkout
  else session.checkout = checkout
  session.support = false
}

async function askQuantity (ctx: BotContext, p: CatalogProduct): Promise<void> {
  const max = maxQuantity(p)
  const keyboard = new InlineKeyboard()
  for (const n of [1, 2, 3, 5, 10].filter((n) => n <= max)) keyboard.text(String(n), `qty:${p.id}:${n}`)
  await ctx.reply(ctx.t('askQuantity', { max }), { parse_mode: 'HTML', reply_markup: keyboard })
}

/** Starts the checkout of a product (the Buy button). */
async function startCheckout (ctx: BotContext, productId: string): Promise<void> {
  const p = await ctx.services.store.product(productId)
  if (p === undefined) return await ctx.reply(ctx.t('productNotFound'), { parse_mode: 'HTML' }).then(() => {})
  if (p.available === 0) return await ctx.reply(ctx.t('outOfStock'), { parse_mode: 'HTML' }).then(() => {})
  if (productProviders(ctx, p).length === 0) return await ctx.reply(ctx.t('noPayment'), { parse_mode: 'HTML' }).then(() => {})
  ctx.track('checkout.started', { productId: p.id })
  await setCheckout(ctx, { step: 'quantity', productId: p.id })
  await askQuantity(ctx, p)
}

/** Takes a quantity (button or text); moves on to contact or provider. */
async function takeQuantity (ctx: BotContext, state: Extract<CheckoutState, { step: 'quantity' }>, quantity: number): Promise<void> {
  const p = await ctx.services.store.product(state.productId)
  if (p === undefined) {
    await setCheckout(ctx, undefined)
    return await ctx.reply(ctx.t('productNotFound'), { parse_mode: 'HTML' }).then(() => {})
  }
  const max = maxQuantity(p)
  if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_BOT_QUANTITY) {
    return await ctx.reply(ctx.t('quantityInvalid', { max }), { parse_mode: 'HTML' }).then(() => {})
  }
  if (p.available !== null && quantity > p.available) {
    if (p.available === 0) {
      await setCheckout(ctx, undefined)
      return await ctx.reply(ctx.t('outOfStock'), { parse_mode: 'HTML' }).then(() => {})
    }
    return await ctx.reply(ctx.t('notEnoughStock', { count: p.available }), { parse_mode: 'HTML' }).then(() => {})
  }
  if (p.kind === 'physical') {
    await setCheckout(ctx, { step: 'contact', productId: p.id, quantity })
    const keyboard = new Keyboard().requestContact(ctx.t('shareContact')).resized().oneTime()
    return await ctx.reply(ctx.t('askContact'), { parse_mode: 'HTML', reply_markup: keyboard }).then(() => {})
  }
  await setCheckout(ctx, { step: 'provider', productId: p.id, quantity })
  await askProvider(ctx, p, quantity)
}

function providersFor (ctx: BotContext, p: CatalogProduct, quantity: number): ProviderName[] {
  return offeredProviders({ total: multiplyMoney(p.price, quantity), hasDigital: p.kind === 'digital', hasPhysical: p.kind === 'physical' }, ctx.services.offer)
}

async function askProvider (ctx: BotContext, p: CatalogProduct, quantity: number): Promise<void> {
  const providers = providersFor(ctx, p, quantity)
  if (providers.length === 0) {
    await setCheckout(ctx, undefined)
    return await ctx.reply(ctx.t('noPayment'), { parse_mode: 'HTML', reply_markup: { remove_keyboard: true } }).then(() => {})
  }
  const keyboard = new InlineKeyboard()
  for (const provider of providers) keyboard.text(ctx.t('payButton', { provider: ctx.t(`provider_${provider}`) }), `pay:${p.id}:${quantity}:${provider}`).row()
  await ctx.reply(ctx.t('chooseProvider', { title: localized(p.title, ctx.lang), quantity, total: formatMoney(multiplyMoney(p.price, quantity), ctx.lang) }),
    { parse_mode: 'HTML', reply_markup: keyboard })
}

/** The provider button: places the order and answers with its pay button (or a Stars invoice). */
async function choose (ctx: BotContext, productId: string, quantity: number, provider: ProviderName): Promise<void> {
  const session = await ctx.session
  const state = session.checkout
  // The button belongs to the step being shown: an old message's button is stale.
  if (state?.step !== 'provider' || state.productId !== productId || state.quantity !== quantity) {
    return await ctx.answerOnce(ctx.t('staleButton'), true)
  }
  const { services } = ctx
  const p = await services.store.product(productId)
  if (p === undefined || !providersFor(ctx, p, quantity).includes(provider)) {
    await setCheckout(ctx, undefined)
    await ctx.answerOnce(ctx.t('staleButton'), true)
    return await ctx.reply(ctx.t(p === undefined ? 'productNotFound' : 'noPayment'), { parse_mode: 'HTML' }).then(() => {})
  }
  const telegramId = ctx.from!.id
  const limited = await services.limiter.check('checkout.attempt', ['u', telegramId])
  if (!limited.allowed) {
    const seconds = Math.max(1, Math.ceil((limited.retryAfterMs < 0 ? 60_000 : limited.retryAfterMs) / 1000))
    return await ctx.answerOnce(ctx.t('checkoutLimited', { seconds }), true)
  }
  await ctx.answerOnce()
  let order
  try {
    order = await placeOrder({
      store: services.shop,
      now: services.clock.now(),
      orderTtlS: services.settings.orderTtlS,
      digitalGoodsStarsOnly: services.settings.digitalGoodsStarsOnly
    }, {
      customer: { telegramId },
      items: [{ productId, quantity }],
      delivery: { ...(state.phone !== undefined ? { phone: state.phone } : {}), ...(state.name !== undefined ? { name: state.name } : {}), ...(state.address !== undefined ? { address: state.address } : {}) }
    })
  } catch (err) {
    if (!(err instanceof DomainError)) throw err
    await setCheckout(ctx, undefined)
    const available = typeof err.details?.available === 'number' ? err.details.available : 0
    const text = err.code === 'ERR_ORDER_OUT_OF_STOCK' ? (available > 0 ? ctx.t('notEnoughStock', { count: available }) : ctx.t('outOfStock')) : ctx.t('productNotFound')
    return await ctx.reply(text, { parse_mode: 'HTML', reply_markup: { remove_keyboard: true } }).then(() => {})
  }
  ctx.track('order.placed', { orderId: order.id, provider })
  await setCheckout(ctx, undefined)
  const minutes = Math.round(services.settings.orderTtlS / 60)
  if (provider === 'stars') {
    await ctx.reply(ctx.t('orderCreated', { orderId: order.id, total: formatMoney(order.total, ctx.lang), minutes }), { parse_mode: 'HTML', reply_markup: { remove_keyboard: true } })
    return await sendStarsInvoice(ctx, order, localized(p.title, ctx.lang), quantity)
  }
  const keyboard = new InlineKeyboard().url(ctx.t('payButton', { provider: ctx.t(`provider_${provider}`) }), services.payUrl(order.id, provider))
  await ctx.reply(ctx.t('orderCreated', { orderId: order.id, total: formatMoney(order.total, ctx.lang), minutes }), { parse_mode: 'HTML', reply_markup: keyboard })
}

export const checkoutFeature = new Composer<BotContext>()

checkoutFeature.callbackQuery(/^buy:(prd_[0-9a-z]{26})$/, async (ctx) => {
  await ctx.answerOnce()
  await startCheckout(ctx, ctx.match[1]!)
})

checkoutFeature.callbackQuery(/^qty:(prd_[0-9a-z]{26}):(\d{1,3})$/, async (ctx) => {
  const state = (await ctx.session).checkout
  if (state?.step !== 'quantity' || state.productId !== ctx.match[1]) return await ctx.answerOnce(ctx.t('staleButton'), true)
  await ctx.answerOnce()
  await takeQuantity(ctx, state, Number(ctx.match[2]))
})

const providerPattern = PROVIDER_NAMES.join('|')
checkoutFeature.callbackQuery(new RegExp(`^pay:(prd_[0-9a-z]{26}):(\\d{1,3}):(${providerPattern})$`), async (ctx) => {
  await choose(ctx, ctx.match[1]!, Number(ctx.match[2]), ctx.match[3] as ProviderName)
})

/** A shared contact during the contact step. */
checkoutFeature.on('message:contact', async (ctx, next) => {
  const session = await ctx.session
  const state = session.checkout
  if (state?.step !== 'contact') return await next()
  const contact = ctx.message.contact
  const name = [contact.first_name, contact.last_name].filter(Boolean).join(' ')
  await setCheckout(ctx, { step: 'address', productId: state.productId, quantity: state.quantity, phone: contact.phone_number.slice(0, 32), ...(name !== '' ? { name: name.slice(0, 200) } : {}) })
  await ctx.reply(ctx.t('askAddress'), { parse_mode: 'HTML', reply_markup: { remove_keyboard: true } })
})

/** Typed text inside a checkout step. */
checkoutFeature.on('message', async (ctx, next) => {
  const text = ctx.message.text
  if (text?.startsWith('/') === true) return await next()
  const session = await ctx.session
  const state = session.checkout
  if (state === undefined) return await next()
  switch (state.step) {
    case 'quantity': {
      if (text !== undefined && /^\s*\d{1,6}\s*$/.test(text)) return await takeQuantity(ctx, state, Number(text.trim()))
      return await ctx.reply(ctx.t('unexpectedQuantity'), { parse_mode: 'HTML' }).then(() => {})
    }
    case 'contact': {
      if (text !== undefined && PHONE.test(text.trim())) {
        await setCheckout(ctx, { step: 'address', productId: state.productId, quantity: state.quantity, phone: text.trim() })
        return await ctx.reply(ctx.t('askAddress'), { parse_mode: 'HTML', reply_markup: { remove_keyboard: true } }).then(() => {})
      }
      const keyboard = new Keyboard().requestContact(ctx.t('shareContact')).resized().oneTime()
      return await ctx.reply(ctx.t(text === undefined ? 'unexpectedContact' : 'contactInvalid'), { parse_mode: 'HTML', reply_markup: keyboard }).then(() => {})
    }
    case 'address': {
      const address = text?.trim()
      if (address === undefined || address.length < 5 || address.length > 300) {
        return await ctx.reply(ctx.t(text === undefined ? 'unexpectedAddress' : 'addressInvalid'), { parse_mode: 'HTML' }).then(() => {})
      }
      const p = await ctx.services.store.product(state.productId)
      if (p === undefined) {
        await setCheckout(ctx, undefined)
        return await ctx.reply(ctx.t('productNotFound'), { parse_mode: 'HTML' }).then(() => {})
      }
      await setCheckout(ctx, { step: 'provider', productId: state.productId, quantity: state.quantity, phone: state.phone, ...(state.name !== undefined ? { name: state.name } : {}), address })
      return await askProvider(ctx, p, state.quantity)
    }
    case 'provider':
      return await ctx.reply(ctx.t('unexpectedProvider'), { parse_mode: 'HTML' }).then(() => {})
  }
})
