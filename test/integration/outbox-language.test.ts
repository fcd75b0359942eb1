// Decision 0069: the outbox claim reads the language of the customer each row names, so a
// customer's notice costs the claim's share and the done mark, no language lookup per row.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Api } from 'grammy'
import { createPostgresBotStore } from '../../src/adapters/postgres/bot-store.js'
import { createFulfilmentStore } from '../../src/adapters/postgres/fulfilment-store.js'
import { createOutboxQueue, enqueueOutbox } from '../../src/adapters/postgres/outbox.js'
import { customer } from '../../src/adapters/postgres/schema.js'
import { createBotNotifier } from '../../src/adapters/telegram/bot-notifier.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { money } from '../../src/domain/shared/money.js'
import { createOutboxHandlers } from '../../src/jobs/outbox-handlers.js'
import { createOutboxWorker, type WorkerLogger } from '../../src/jobs/outbox-worker.js'
import { createTelegramEmulator } from '../../src/sandbox/telegram/index.js'
import { createTestDb } from '../helpers/db.js'

const quiet: WorkerLogger = { info () {}, warn () {}, error () {} }

test('customer notices go out in each customer\'s stored language, the default for a stranger, with no lookup per row', async (t) => {
  const database = await createTestDb(t)
  const clock = new FakeClock(Date.UTC(2026, 11, 7))
  const emulator = createTelegramEmulator({ clock })
  await emulator.start({ host: '127.0.0.1', port: 0 })
  t.after(() => emulator.close())
  const russian = emulator.user({ firstName: 'Olga', languageCode: 'ru', started: true })
  const uzbek = emulator.user({ firstName: 'Aziz', languageCode: 'uz', started: true })
  const stranger = emulator.user({ firstName: 'Sam', languageCode: 'en', started: true })
  await database.db.insert(customer).values([{ telegramId: russian.id, language: 'ru' }, { telegramId: uzbek.id, language: 'uz' }])

  const refund = (telegramId: number, orderId: string) => ({ kind: 'order.refunded', orderId, telegramId, amount: money(150_000, 'UZS') })
  await enqueueOutbox(database.db, 'customer.notify', refund(russian.id, '101'), clock.now())
  await enqueueOutbox(database.db, 'customer.notify', refund(uzbek.id, '102'), clock.now())
  await enqueueOutbox(database.db, 'customer.notify', refund(stranger.id, '103'), clock.now())
  await enqueueOutbox(database.db, 'customer.notify', { kind: 'text', telegramId: russian.id, text: 'Your parcel left today' }, clock.now())

  const worker = createOutboxWorker({
    queue: createOutboxQueue(database.db),
    clock,
    logger: quiet,
    notifier: createBotNotifier({ api: new Api(emulator.token, { apiRoot: emulator.url! }), store: createPostgresBotStore(database.db), defaultLanguage: 'en', logger: quiet }),
    handlers: createOutboxHandlers(createFulfilmentStore(database.db)),
    // no lease renewal within the run (this counts the delivery's statements only)
    leaseMs: 7_200_000,
    leaseRenewMs: 3_600_000
  })
  const before = database.stats.statements
  assert.equal(await worker.runOnce(), 4)
  const statements = database.stats.statements - before

  const texts = (chatId: number) => emulator.sent({ chatId, method: 'sendMessage', ok: true }).map((c) => String(c.params.text ?? ''))
  assert.deepEqual(texts(russian.chatId).map((x) => x.split(':')[0]), ['↩️ Заказ <b>#101</b>', 'Your parcel left today'])
  assert.match(texts(uzbek.chatId)[0]!, /^↩️ <b>#102<\/b> buyurtma/)
  assert.match(texts(stranger.chatId)[0]!, /^↩️ Order <b>#103<\/b>: .* has been refunded\.$/)
  // two claims (the batch, then the empty one that ends the run) and one done mark per row
  assert.equal(statements, 2 + 4, `statements: ${statements}`)
})
