import { test } from 'node:test'
import assert from 'node:assert/strict'
import { eq } from 'drizzle-orm'
import { startBotApp, ADMIN_CHAT_ID } from '../helpers/bot.js'
import { seedCategory, seedProduct } from '../helpers/catalog.js'
import { customer } from '../../src/adapters/postgres/schema.js'
import { TEXTS } from '../../src/adapters/telegram/texts.js'

const plainText = (html: string): string => html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&')

test('every command answers in en, ru and uz, and the command menu is registered per language', async (t) => {
  const { emulator, database } = await startBotApp(t)
  await seedProduct(database, { title: { en: 'Tea', ru: 'Чай', uz: 'Choy' } })
  for (const [i, language] of (['en', 'ru', 'uz'] as const).entries()) {
    const texts = TEXTS[language]
    const user = emulator.user({ id: 500 + i, firstName: 'Ann', languageCode: language })
    const expect = async (command: string, fragment: string): Promise<void> => {
      user.sendText(command)
      const reply = await user.nextBotMessage({ timeoutMs: 15_000 })
      assert.ok((reply.text ?? '').includes(fragment), `${language} ${command}: "${reply.text ?? ''}" lacks "${fragment}"`)
    }
    await expect('/start', plainText(texts.welcome).split(',')[0]!)
    await expect('/help', plainText(texts.help).split('\n')[0]!)
    await expect('/paysupport', texts.paySupport.slice(0, 20))
    await expect('/catalog', texts.allProducts)
    const catalog = user.lastBotMessage()
    const buttons = (catalog?.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.text)
    assert.ok(buttons.some((b) => b.startsWith(language === 'en' ? 'Tea' : language === 'ru' ? 'Чай' : 'Choy')), buttons.join())
    await expect('/orders', texts.ordersEmpty.slice(0, 20))
    await expect('/cancel', texts.nothingToCancel.slice(0, 20))
    await expect('/support', texts.supportPrompt.slice(0, 20))
    await expect('/cancel', texts.cancelled.slice(0, 10))
    await expect('/language', texts.languagePrompt)
    await expect('hello?', texts.unknownInput.slice(0, 15))
  }
  for (const language of ['en', 'ru', 'uz']) {
    const commands = emulator.commands({ languageCode: language })
    assert.deepEqual(commands.map((c) => c.command), ['catalog', 'orders', 'language', 'help', 'cancel', 'support', 'paysupport', 'news', 'stop_news'])
    assert.equal(commands[0]!.description, TEXTS[language as 'en'].cmd_catalog)
    // the broadcasts' opt-in and opt-out, in the menu in the customer's language
    assert.equal(commands.find((c) => c.command === 'news')?.description, TEXTS[language as 'en'].cmd_news)
    assert.equal(commands.find((c) => c.command === 'stop_news')?.description, TEXTS[language as 'en'].cmd_stop_news)
    assert.notEqual(TEXTS[language as 'en'].cmd_news, TEXTS[language as 'en'].cmd_stop_news)
  }
})

test('/language switches the texts and is stored on the customer', async (t) => {
  const { emulator, database } = await startBotApp(t)
  const bob = emulator.user({ firstName: 'Bob', languageCode: 'en' })
  bob.sendText('/language')
  const prompt = await bob.nextBotMessage({ timeoutMs: 15_000 })
  bob.pressButton(prompt, 'Русский')
  const changed = await bob.nextBotMessage()
  assert.equal(changed.text, TEXTS.ru.languageSet)
  bob.sendText('/help')
  assert.match((await bob.nextBotMessage()).text ?? '', /Как купить/)
  const rows = await database.db.select().from(customer).where(eq(customer.telegramId, bob.id))
  assert.equal(rows[0]?.language, 'ru')
})

test('/catalog pages products 8 at a time by editing its message, with sections when categories exist', async (t) => {
  const { emulator, database } = await startBotApp(t)
  const books = await seedCategory(database, 'Books')
  for (let i = 1; i <= 10; i++) await seedProduct(database, { title: `Book ${i}`, categoryId: books })
  await seedProduct(database, { title: 'Loose item' })
  const user = emulator.user({ languageCode: 'en' })
  user.sendText('/catalog')
  const sections = await user.nextBotMessage({ timeoutMs: 15_000 })
  assert.match(sections.text ?? '', /Choose a section/)
  user.pressButton(sections, 'Books')
  const page1 = await user.nextBotMessage()
  assert.equal(page1.message_id, sections.message_id, 'paging edits the same message')
  assert.match(page1.text ?? '', /Books \(page 1 of 2\)/)
  const productButtons = (page1.reply_markup?.inline_keyboard ?? []).flat().filter((b) => b.callback_data?.startsWith('prd:'))
  assert.equal(productButtons.length, 8)
  user.pressButton(page1, 'Next ▶')
  const page2 = await user.nextBotMessage()
  assert.match(page2.text ?? '', /page 2 of 2/)
  assert.deepEqual((page2.reply_markup?.inline_keyboard ?? []).flat().filter((b) => b.callback_data?.startsWith('prd:')).map((b) => b.text.split(' · ')[0]), ['Book 9', 'Book 10'])
  for (const button of (page1.reply_markup?.inline_keyboard ?? []).flat()) assert.ok(Buffer.byteLength(button.callback_data ?? '') <= 64)
})

test('/start deep links open a product and record the referral source; bad payloads are ignored', async (t) => {
  const { emulator, database } = await startBotApp(t)
  const id = await seedProduct(database, { title: 'Deep tea', description: 'Green' })
  const user = emulator.user({ languageCode: 'en' })
  user.sendText(`/start p_${id}`)
  await user.nextBotMessage({ timeoutMs: 15_000 })
  const card = await user.nextBotMessage()
  assert.match(card.text ?? '', /Deep tea/)
  const other = emulator.user({ languageCode: 'en' })
  other.sendText('/start r_spring-promo')
  await other.nextBotMessage({ timeoutMs: 15_000 })
  const third = emulator.user({ languageCode: 'en' })
  third.sendText('/start r_<script>')
  assert.match((await third.nextBotMessage({ timeoutMs: 15_000 })).text ?? '', /Welcome/)
  const rows = await database.db.select().from(customer)
  assert.equal(rows.find((r) => r.telegramId === other.id)?.referralSource, 'spring-promo')
  assert.equal(rows.find((r) => r.telegramId === third.id)?.referralSource, null)
})

test('hostile product names render literally in HTML parse mode', async (t) => {
  const { emulator, database } = await startBotApp(t)
  const id = await seedProduct(database, { title: '<b>Bold</b> & </a> "quoted"', description: 'Use <i> & enjoy' })
  const user = emulator.user({ languageCode: 'en' })
  user.sendText(`/start p_${id}`)
  await user.nextBotMessage({ timeoutMs: 15_000 })
  const card = await user.nextBotMessage()
  assert.match(card.text ?? '', /<b>Bold<\/b> & <\/a> "quoted"/)
  assert.match(card.text ?? '', /Use <i> & enjoy/)
  assert.deepEqual(emulator.sent({ ok: false }).map((c) => c.error?.description), [])
})

test('/support forwards the next message to ADMIN_CHAT_ID and the merchant reply goes back to the customer', async (t) => {
  const { emulator } = await startBotApp(t)
  const group = emulator.group({ id: ADMIN_CHAT_ID, title: 'Shop staff' })
  const merchant = emulator.user({ firstName: 'Merchant' })
  const user = emulator.user({ firstName: 'Cara', languageCode: 'en' })
  user.sendText('/support')
  await user.nextBotMessage({ timeoutMs: 15_000 })
  user.sendText('Where is my <order>?')
  assert.match((await user.nextBotMessage()).text ?? '', /sent to the shop/)
  const forwarded = emulator.messages(group.id).find((m) => (m.text ?? '').includes('Where is my <order>?'))
  assert.ok(forwarded !== undefined, 'the admin chat got the message')
  merchant.reply(forwarded, 'Tomorrow & on time')
  const answer = await user.nextBotMessage({ timeoutMs: 15_000 })
  assert.match(answer.text ?? '', /Reply from the shop:\nTomorrow & on time/)
})

test('a product with a photo is sent as a photo card with the price and a Buy button', async (t) => {
  const { emulator, database } = await startBotApp(t)
  const id = await seedProduct(database, { title: 'Postcard', description: 'Samarkand at dawn', photoUrl: 'https://images.example/postcard.jpg', amount: 2_500_000 })
  const user = emulator.user({ languageCode: 'uz' })
  user.sendText(`/start p_${id}`)
  await user.nextBotMessage({ timeoutMs: 15_000 })
  const card = await user.nextBotMessage()
  assert.ok((card.photo?.length ?? 0) > 0, 'sent as a photo')
  assert.match(card.caption ?? '', /Postcard\n\nSamarkand at dawn\n\nNarxi: 25.000,00.so‘m|Postcard/)
  assert.match(card.caption ?? '', /Narxi:/)
  assert.deepEqual((card.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.text), ['🛒 Sotib olish', '⬅ Katalog'])
})
