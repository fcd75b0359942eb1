// Telegram Bot API emulator: invoices (Stars rules), pre-checkout, successful_payment,
// refunds, invoice links and callback queries, driven by a tiny polling bot written here.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { createTelegramEmulator, type TelegramEmulator, type TgMessage, type TgUpdate } from '../../src/sandbox/telegram/index.js'

interface Envelope { ok: boolean, result?: any, error_code?: number, description?: string }
type Call = (method: string, params?: Record<string, unknown>) => Promise<Envelope>

async function setup (t: { after: (fn: () => Promise<void>) => void }, opts: Parameters<typeof createTelegramEmulator>[0] = {}): Promise<{ tg: TelegramEmulator, call: Call }> {
  const tg = createTelegramEmulator({ ...opts, limits: { rateLimits: false, ...opts.limits } })
  const { url } = await tg.start()
  t.after(async () => { await tg.close() })
  const call: Call = async (method, params = {}) => {
    const res = await fetch(`${url}/bot${tg.token}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) })
    return await res.json() as Envelope
  }
  return { tg, call }
}

/** A minimal long-polling bot: calls `onUpdate` for each update until stopped. */
function runBot (t: { after: (fn: () => Promise<void>) => void }, call: Call, onUpdate: (u: TgUpdate) => Promise<void>): TgUpdate[] {
  const seen: TgUpdate[] = []
  const control = { stopped: false }
  const loop = (async () => {
    let offset = 0
    while (!control.stopped) {
      const res = await call('getUpdates', { offset, timeout: 30 }).catch(() => ({ ok: false }) as Envelope)
      if (!res.ok) return
      for (const update of res.result as TgUpdate[]) {
        offset = update.update_id + 1
        seen.push(update)
        await onUpdate(update)
      }
    }
  })()
  t.after(async () => {
    control.stopped = true
    await loop
  })
  return seen
}

const starsInvoice = (chatId: number, payload = 'order-1042'): Record<string, unknown> => ({
  chat_id: chatId, title: 'Ebook', description: 'A digital book', payload, currency: 'XTR', provider_token: '', prices: [{ label: 'Ebook', amount: 50 }]
})

test('sendInvoice enforces the Stars rules', async (t) => {
  const { tg, call } = await setup(t)
  const alice = tg.user({ started: true })
  const ok = await call('sendInvoice', starsInvoice(alice.id))
  assert.equal(ok.ok, true)
  assert.deepEqual(ok.result.invoice, { title: 'Ebook', description: 'A digital book', start_parameter: '', currency: 'XTR', total_amount: 50 })
  assert.equal(ok.result.reply_markup.inline_keyboard[0][0].pay, true)
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ provider_token: 'TOKEN:TEST:1' }, 'Bad Request: PAYMENT_PROVIDER_INVALID'],
    [{ prices: [{ label: 'a', amount: 10 }, { label: 'b', amount: 5 }] }, 'Bad Request: STARS_INVOICE_INVALID'],
    [{ prices: [{ label: 'a', amount: 0 }] }, 'Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID'],
    [{ prices: [{ label: 'a', amount: 1.5 }] }, 'Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID'],
    [{ title: 'x'.repeat(33) }, 'Bad Request: INVOICE_TITLE_INVALID'],
    [{ payload: 'ж'.repeat(65) }, 'Bad Request: INVOICE_PAYLOAD_INVALID'],
    [{ currency: 'XYZ' }, 'Bad Request: CURRENCY_INVALID']
  ]
  for (const [change, description] of cases) {
    const res = await call('sendInvoice', { ...starsInvoice(alice.id), ...change })
    assert.equal(res.error_code, 400, description)
    assert.equal(res.description, description)
  }
  const card = await call('sendInvoice', { ...starsInvoice(alice.id), currency: 'UZS', provider_token: '', prices: [{ label: 'x', amount: 100000 }] })
  assert.equal(card.description, 'Bad Request: PAYMENT_PROVIDER_INVALID')
})

test('paying an invoice runs pre-checkout, successful_payment and one refund', async (t) => {
  const { tg, call } = await setup(t, { seed: 7 })
  const seen = runBot(t, call, async (u) => {
    if (u.pre_checkout_query !== undefined) {
      const ok = u.pre_checkout_query.invoice_payload === 'order-1042'
      await call('answerPreCheckoutQuery', { pre_checkout_query_id: u.pre_checkout_query.id, ok, ...(ok ? {} : { error_message: 'Order expired' }) })
    }
    if (u.message?.successful_payment !== undefined) await call('sendMessage', { chat_id: u.message.chat.id, text: 'Thanks!' })
  })
  const alice = tg.user({ firstName: 'Alice', started: true })
  const invoice = (await call('sendInvoice', starsInvoice(alice.id))).result as TgMessage
  const outcome = await alice.payInvoice(invoice)
  assert.equal(outcome.status, 'paid')
  assert.ok(outcome.status === 'paid')
  assert.equal(outcome.totalAmount, 50)
  assert.match(outcome.chargeId, /^stx[A-Za-z0-9]{40}$/)
  assert.equal((await alice.nextBotMessage()).text, 'Thanks!')
  const paid = seen.find((u) => u.message?.successful_payment !== undefined)?.message?.successful_payment
  assert.deepEqual(paid, {
    currency: 'XTR', total_amount: 50, invoice_payload: 'order-1042', telegram_payment_charge_id: outcome.chargeId, provider_payment_charge_id: outcome.chargeId
  })
  assert.ok(seen.findIndex((u) => u.pre_checkout_query !== undefined) < seen.findIndex((u) => u.message?.successful_payment !== undefined))

  const refund = await call('refundStarPayment', { user_id: alice.id, telegram_payment_charge_id: outcome.chargeId })
  assert.equal(refund.result, true)
  const again = await call('refundStarPayment', { user_id: alice.id, telegram_payment_charge_id: outcome.chargeId })
  assert.deepEqual(again, { ok: false, error_code: 400, description: 'Bad Request: CHARGE_ALREADY_REFUNDED' })
  const unknown = await call('refundStarPayment', { user_id: alice.id, telegram_payment_charge_id: 'stxNOPE' })
  assert.equal(unknown.description, 'Bad Request: CHARGE_NOT_FOUND')
  assert.equal(tg.charge(outcome.chargeId)?.refunded, true)
  const refunded = tg.messages(alice.id).find((m) => m.refunded_payment !== undefined)
  assert.equal(refunded?.refunded_payment?.telegram_payment_charge_id, outcome.chargeId)

  const other = (await call('sendInvoice', starsInvoice(alice.id, 'order-9'))).result as TgMessage
  assert.deepEqual(await alice.payInvoice(other), { status: 'declined', errorMessage: 'Order expired' })
})

test('charge ids are the same for the same seed', async (t) => {
  const ids: string[] = []
  for (let run = 0; run < 2; run++) {
    const { tg, call } = await setup(t, { seed: 42 })
    runBot(t, call, async (u) => {
      if (u.pre_checkout_query !== undefined) await call('answerPreCheckoutQuery', { pre_checkout_query_id: u.pre_checkout_query.id, ok: true })
    })
    const alice = tg.user({ id: 555, started: true })
    const invoice = (await call('sendInvoice', starsInvoice(alice.id))).result as TgMessage
    const outcome = await alice.payInvoice(invoice)
    assert.ok(outcome.status === 'paid')
    ids.push(outcome.chargeId)
  }
  assert.equal(ids[0], ids[1])
})

test('an unanswered pre-checkout times out and a late answer is refused', async (t) => {
  const { tg, call } = await setup(t, { limits: { preCheckoutTimeoutMs: 50 } })
  const alice = tg.user({ started: true })
  const invoice = (await call('sendInvoice', starsInvoice(alice.id))).result as TgMessage
  assert.deepEqual(await alice.payInvoice(invoice), { status: 'timeout' })
  const query = tg.pendingUpdates().find((u) => u.pre_checkout_query !== undefined)?.pre_checkout_query
  assert.ok(query !== undefined)
  const late = await call('answerPreCheckoutQuery', { pre_checkout_query_id: query.id, ok: true })
  assert.equal(late.description, 'Bad Request: query is too old and response timeout expired or query ID is invalid')
  assert.equal(tg.messages(alice.id).some((m) => m.successful_payment !== undefined), false)
})

test('createInvoiceLink returns an emulator URL that a user can pay', async (t) => {
  const { tg, call } = await setup(t)
  runBot(t, call, async (u) => {
    if (u.pre_checkout_query !== undefined) await call('answerPreCheckoutQuery', { pre_checkout_query_id: u.pre_checkout_query.id, ok: true })
  })
  const { chat_id: _chat, ...linkParams } = starsInvoice(0, 'order-7')
  const link = (await call('createInvoiceLink', { ...linkParams, subscription_period: 2592000 })).result as string
  assert.ok(link.startsWith(`${tg.url ?? ''}/invoice/`))
  const page = await (await fetch(link)).json() as Envelope
  assert.equal(page.result.title, 'Ebook')
  const alice = tg.user()
  const outcome = await alice.payInvoice(link)
  assert.ok(outcome.status === 'paid')
  assert.equal(outcome.message.successful_payment?.is_first_recurring, true)
  assert.equal(outcome.message.chat.id, alice.id)
  const badPeriod = await call('createInvoiceLink', { ...linkParams, subscription_period: 86400 })
  assert.equal(badPeriod.description, 'Bad Request: SUBSCRIPTION_PERIOD_INVALID')
})

test('a callback query can be answered once and not after it expired', async (t) => {
  const clock = new FakeClock()
  const { tg, call } = await setup(t, { clock })
  const alice = tg.user({ started: true })
  const menu = (await call('sendMessage', {
    chat_id: alice.id, text: 'Catalog', reply_markup: { inline_keyboard: [[{ text: 'Buy', callback_data: 'buy:prd_1' }, { text: 'Site', url: 'https://shop.example' }]] }
  })).result as TgMessage
  const id = alice.pressButton(menu, 'Buy')
  const update = tg.pendingUpdates().find((u) => u.callback_query?.id === id)
  assert.equal(update?.callback_query?.data, 'buy:prd_1')
  assert.equal(update?.callback_query?.message?.message_id, menu.message_id)
  const tooLong = await call('answerCallbackQuery', { callback_query_id: id, text: 'x'.repeat(201) })
  assert.equal(tooLong.error_code, 400)
  assert.equal((await call('answerCallbackQuery', { callback_query_id: id, text: 'Added' })).result, true)
  assert.equal(tg.callbackQuery(id)?.answer?.text, 'Added')
  const twice = await call('answerCallbackQuery', { callback_query_id: id })
  assert.equal(twice.description, 'Bad Request: query is too old and response timeout expired or query ID is invalid')
  const unknown = await call('answerCallbackQuery', { callback_query_id: '123' })
  assert.equal(unknown.error_code, 400)
  const byData = alice.pressButton('Catalog', 'buy:prd_1')
  clock.advance(60_000)
  const expired = await call('answerCallbackQuery', { callback_query_id: byData })
  assert.equal(expired.description, 'Bad Request: query is too old and response timeout expired or query ID is invalid')
  assert.equal(tg.callbackQuery(byData)?.answer, undefined)
  assert.throws(() => alice.pressButton(menu, 'Site'), /no callback_data/)
})
