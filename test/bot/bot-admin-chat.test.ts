// ADMIN_CHAT_ID as a basic group that Telegram upgrades to a supergroup (specs/telegram.md
// checklist 15): the new id is stored and used, learnt from a refused send or from the service
// message, and the merchant's replies in the supergroup still reach the customer.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startBotApp } from '../helpers/bot.js'
import type { TelegramTestUser, TgMessage } from '../../src/sandbox/telegram/index.js'

const BASIC_GROUP = -4_000_000_017

async function askSupport (user: TelegramTestUser, text: string): Promise<void> {
  user.sendText('/support')
  await user.nextBotMessage({ timeoutMs: 30_000 })
  user.sendText(text)
  assert.match((await user.nextBotMessage({ timeoutMs: 30_000 })).text ?? '', /sent to the shop/)
}

test('a send refused with migrate_to_chat_id moves ADMIN_CHAT_ID to the supergroup, stored, and replies there reach the customer', async (t) => {
  const { emulator, kv } = await startBotApp(t, { env: { ADMIN_CHAT_ID: String(BASIC_GROUP) } })
  emulator.group({ id: BASIC_GROUP, type: 'group', title: 'Staff' })
  // the bot never sees the service messages: it learns the new id from the refused send
  const supergroup = emulator.upgradeGroup(BASIC_GROUP, { notify: false })
  const user = emulator.user({ firstName: 'Dana', languageCode: 'en' })
  await askSupport(user, 'Is the lamp <blue>?')
  const refused = emulator.sent({ method: 'sendMessage', chatId: BASIC_GROUP, ok: false })
  assert.equal(refused.length, 1)
  assert.equal(refused[0]!.error?.parameters?.migrate_to_chat_id, supergroup.id)
  const forwarded = emulator.messages(supergroup.id).find((m) => (m.text ?? '').includes('Is the lamp <blue>?'))
  assert.ok(forwarded !== undefined, 'the request was sent again, to the supergroup')
  assert.equal(await kv.getJson(kv.keys.key('tg', 'admin-chat', BASIC_GROUP)), supergroup.id, 'the new id is stored')

  const merchant = emulator.user({ firstName: 'Merchant' })
  merchant.reply(forwarded, 'Yes, & in stock')
  assert.match((await user.nextBotMessage({ timeoutMs: 30_000 })).text ?? '', /Reply from the shop:\nYes, & in stock/)

  await askSupport(user, 'Thanks!')
  assert.equal(emulator.sent({ method: 'sendMessage', chatId: BASIC_GROUP }).length, 1, 'no second try at the old id')
  assert.ok(emulator.messages(supergroup.id).some((m: TgMessage) => (m.text ?? '').includes('Thanks!')))
})

test('the upgrade service message alone is enough: requests go straight to the supergroup', async (t) => {
  const { emulator } = await startBotApp(t, { env: { ADMIN_CHAT_ID: String(BASIC_GROUP) } })
  emulator.group({ id: BASIC_GROUP, type: 'group', title: 'Staff' })
  const supergroup = emulator.upgradeGroup(BASIC_GROUP)
  // an update after the service message: once it is answered, the service message was handled
  const user = emulator.user({ firstName: 'Eli', languageCode: 'en' })
  await askSupport(user, 'Where is my order?')
  assert.equal(emulator.sent({ method: 'sendMessage', chatId: BASIC_GROUP }).length, 0, 'the old id is never tried')
  assert.ok(emulator.messages(supergroup.id).some((m) => (m.text ?? '').includes('Where is my order?')))
})
