// Telegram Bot API emulator over real HTTP: envelope, auth, routing, body formats, text limits,
// HTML entities, keyboards, edits, commands, mounting. Payments and delivery have their own files.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTelegramEmulator, SANDBOX_BOT_TOKEN, type TgMessage } from '../../src/sandbox/telegram/index.js'

const tg = createTelegramEmulator({ botUsername: 'shop_test_bot', limits: { rateLimits: false } })
const { url } = await tg.start()
after(async () => { await tg.close() })

interface Envelope { ok: boolean, result?: any, error_code?: number, description?: string, parameters?: { retry_after?: number, migrate_to_chat_id?: number } }

async function call (method: string, params: Record<string, unknown> = {}, token = SANDBOX_BOT_TOKEN): Promise<{ status: number, body: Envelope }> {
  const res = await fetch(`${url}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params)
  })
  return { status: res.status, body: await res.json() as Envelope }
}

const alice = tg.user({ firstName: 'Alice', languageCode: 'uz' })
alice.sendText('/start')

test('getMe answers the success envelope with the bot user', async () => {
  const { status, body } = await call('getMe')
  assert.equal(status, 200)
  assert.equal(body.ok, true)
  assert.equal(body.result.is_bot, true)
  assert.equal(body.result.username, 'shop_test_bot')
  assert.equal(body.result.id, Number(SANDBOX_BOT_TOKEN.split(':')[0]))
  assert.deepEqual(Object.keys(body).sort(), ['ok', 'result'])
})

test('a wrong token gets 401 Unauthorized in the error envelope', async () => {
  const { status, body } = await call('getMe', {}, '123:wrong')
  assert.equal(status, 401)
  assert.deepEqual(body, { ok: false, error_code: 401, description: 'Unauthorized' })
})

test('an unknown method gets 404 Not Found', async () => {
  const { status, body } = await call('sendTelepathy')
  assert.equal(status, 404)
  assert.deepEqual(body, { ok: false, error_code: 404, description: 'Not Found' })
})

test('method names are case-insensitive and GET query parameters work', async () => {
  const res = await fetch(`${url}/bot${SANDBOX_BOT_TOKEN}/SENDMESSAGE?chat_id=${alice.id}&text=hello%20get`)
  const body = await res.json() as Envelope
  assert.equal(body.ok, true)
  assert.equal(body.result.text, 'hello get')
  assert.equal(tg.sent({ method: 'sendMessage' }).at(-1)?.method, 'sendMessage')
})

test('form-urlencoded bodies with JSON-encoded reply_markup are accepted', async () => {
  const form = new URLSearchParams({ chat_id: String(alice.id), text: 'pick', reply_markup: JSON.stringify({ inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] }) })
  const res = await fetch(`${url}/bot${SANDBOX_BOT_TOKEN}/sendMessage`, { method: 'POST', body: form })
  const body = await res.json() as Envelope
  assert.equal(body.ok, true)
  assert.deepEqual(body.result.reply_markup, { inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] })
})

test('multipart sendPhoto accepts an uploaded file and sendDocument a URL', async () => {
  const form = new FormData()
  form.set('chat_id', String(alice.id))
  form.set('caption', '<b>Photo</b>')
  form.set('parse_mode', 'HTML')
  form.set('photo', new Blob([new Uint8Array(1234)], { type: 'image/jpeg' }), 'cat.jpg')
  const res = await fetch(`${url}/bot${SANDBOX_BOT_TOKEN}/sendPhoto`, { method: 'POST', body: form })
  const body = await res.json() as Envelope
  assert.equal(body.ok, true)
  assert.equal(body.result.caption, 'Photo')
  assert.deepEqual(body.result.caption_entities, [{ type: 'bold', offset: 0, length: 5 }])
  assert.equal(body.result.photo.at(-1).file_size, 1234)
  const again = await call('sendPhoto', { chat_id: alice.id, photo: body.result.photo.at(-1).file_id })
  assert.equal(again.body.result.photo[0].file_id, body.result.photo[0].file_id)
  const doc = await call('sendDocument', { chat_id: alice.id, document: 'https://example.com/files/receipt.pdf' })
  assert.equal(doc.body.result.document.file_name, 'receipt.pdf')
  const bad = await call('sendPhoto', { chat_id: alice.id, photo: 'not-a-file-id' })
  assert.equal(bad.body.description, 'Bad Request: wrong file identifier/HTTP URL specified')
})

test('sendMessage accepts 4096 characters and refuses 4097', async () => {
  const ok = await call('sendMessage', { chat_id: alice.id, text: 'x'.repeat(4096) })
  assert.equal(ok.body.ok, true)
  const long = await call('sendMessage', { chat_id: alice.id, text: 'x'.repeat(4097) })
  assert.equal(long.status, 400)
  assert.deepEqual(long.body, { ok: false, error_code: 400, description: 'Bad Request: message is too long' })
  const empty = await call('sendMessage', { chat_id: alice.id, text: '   ' })
  assert.equal(empty.body.description, 'Bad Request: message text is empty')
})

test('the length limit counts text after HTML parsing', async () => {
  const text = `<b>${'y'.repeat(4096)}</b>`
  const { body } = await call('sendMessage', { chat_id: alice.id, text, parse_mode: 'HTML' })
  assert.equal(body.ok, true)
  assert.equal(body.result.text.length, 4096)
})

test('HTML parse mode yields entities with UTF-16 offsets', async () => {
  const text = '<b>Hi</b> 😀 <i>x</i> &lt;3 <a href="https://t.me/x?a=1&amp;b=2">link</a>\n<pre><code class="language-ts">let a</code></pre> <tg-spoiler>s</tg-spoiler>'
  const { body } = await call('sendMessage', { chat_id: alice.id, text, parse_mode: 'HTML' })
  assert.equal(body.ok, true)
  assert.equal(body.result.text, 'Hi 😀 x <3 link\nlet a s')
  assert.deepEqual(body.result.entities, [
    { type: 'bold', offset: 0, length: 2 },
    { type: 'italic', offset: 6, length: 1 },
    { type: 'text_link', offset: 11, length: 4, url: 'https://t.me/x?a=1&b=2' },
    { type: 'pre', offset: 16, length: 5, language: 'ts' },
    { type: 'spoiler', offset: 22, length: 1 }
  ])
})

test('broken HTML gets 400 can\'t parse entities', async () => {
  const unclosed = await call('sendMessage', { chat_id: alice.id, text: '<b>bold', parse_mode: 'HTML' })
  assert.equal(unclosed.status, 400)
  assert.equal(unclosed.body.description, 'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"')
  const unknown = await call('sendMessage', { chat_id: alice.id, text: 'a <div>b</div>', parse_mode: 'HTML' })
  assert.equal(unknown.body.description, 'Bad Request: can\'t parse entities: Unsupported start tag "div" at byte offset 2')
  const crossed = await call('sendMessage', { chat_id: alice.id, text: '<b><i>x</b></i>', parse_mode: 'HTML' })
  assert.match(crossed.body.description ?? '', /^Bad Request: can't parse entities: Unmatched end tag/)
  const plain = await call('sendMessage', { chat_id: alice.id, text: '<b>not parsed' })
  assert.equal(plain.body.result.text, '<b>not parsed')
})

test('MarkdownV2 demands escaped reserved characters', async () => {
  const ok = await call('sendMessage', { chat_id: alice.id, text: '*Total:* 12\\.50 UZS \\(incl\\. tax\\)', parse_mode: 'MarkdownV2' })
  assert.equal(ok.body.result.text, 'Total: 12.50 UZS (incl. tax)')
  assert.deepEqual(ok.body.result.entities, [{ type: 'bold', offset: 0, length: 6 }])
  const bad = await call('sendMessage', { chat_id: alice.id, text: 'Total: 12.50', parse_mode: 'MarkdownV2' })
  assert.equal(bad.status, 400)
  assert.equal(bad.body.description, 'Bad Request: can\'t parse entities: Character \'.\' is reserved and must be escaped with the preceding \'\\\'')
  const unknownMode = await call('sendMessage', { chat_id: alice.id, text: 'x', parse_mode: 'BBCode' })
  assert.equal(unknownMode.status, 400)
})

test('callback_data over 64 bytes gets 400 BUTTON_DATA_INVALID', async () => {
  const markup = (data: string): unknown => ({ inline_keyboard: [[{ text: 'Buy', callback_data: data }]] })
  const ok = await call('sendMessage', { chat_id: alice.id, text: 'k', reply_markup: markup('a'.repeat(64)) })
  assert.equal(ok.body.ok, true)
  const tooLong = await call('sendMessage', { chat_id: alice.id, text: 'k', reply_markup: markup('a'.repeat(65)) })
  assert.equal(tooLong.status, 400)
  assert.equal(tooLong.body.description, 'Bad Request: BUTTON_DATA_INVALID')
  const cyrillic = await call('sendMessage', { chat_id: alice.id, text: 'k', reply_markup: markup('ж'.repeat(33)) })
  assert.equal(cyrillic.body.description, 'Bad Request: BUTTON_DATA_INVALID')
  const empty = await call('sendMessage', { chat_id: alice.id, text: 'k', reply_markup: markup('') })
  assert.equal(empty.body.description, 'Bad Request: BUTTON_DATA_INVALID')
})

test('unknown chats get 400 chat not found and unstarted users 403', async () => {
  const unknown = await call('sendMessage', { chat_id: 42, text: 'hi' })
  assert.deepEqual(unknown.body, { ok: false, error_code: 400, description: 'Bad Request: chat not found' })
  const stranger = tg.user({ firstName: 'Stranger' })
  const cold = await call('sendMessage', { chat_id: stranger.id, text: 'hi' })
  assert.equal(cold.status, 403)
  assert.equal(cold.body.description, 'Forbidden: bot can\'t initiate conversation with a user')
})

test('a basic group upgraded to a supergroup answers sends to its old id with 400 and migrate_to_chat_id', async () => {
  const group = tg.group({ title: 'Staff', type: 'group' })
  assert.equal((await call('sendMessage', { chat_id: group.id, text: 'before' })).status, 200)
  const supergroup = tg.upgradeGroup(group.id)
  assert.equal(supergroup.type, 'supergroup')
  assert.notEqual(supergroup.id, group.id)
  const { status, body } = await call('sendMessage', { chat_id: group.id, text: 'after' })
  assert.equal(status, 400)
  assert.deepEqual(body, { ok: false, error_code: 400, description: 'Bad Request: group chat was upgraded to a supergroup chat', parameters: { migrate_to_chat_id: supergroup.id } })
  assert.equal((await call('sendMessage', { chat_id: supergroup.id, text: 'after' })).status, 200)
  const service = tg.pendingUpdates().map((u) => u.message).filter((m) => m?.migrate_to_chat_id !== undefined || m?.migrate_from_chat_id !== undefined)
  assert.deepEqual(service.map((m) => [m!.chat.id, m!.migrate_to_chat_id ?? null, m!.migrate_from_chat_id ?? null]), [[group.id, supergroup.id, null], [supergroup.id, null, group.id]])
})

test('editMessageText applies edits, removes the keyboard and refuses identical content', async () => {
  const sent = await call('sendMessage', { chat_id: alice.id, text: 'Cart: 1', reply_markup: { inline_keyboard: [[{ text: '+', callback_data: 'inc' }]] } })
  const id = sent.body.result.message_id as number
  const same = await call('editMessageText', { chat_id: alice.id, message_id: id, text: 'Cart: 1', reply_markup: { inline_keyboard: [[{ text: '+', callback_data: 'inc' }]] } })
  assert.equal(same.status, 400)
  assert.match(same.body.description ?? '', /^Bad Request: message is not modified/)
  const edited = await call('editMessageText', { chat_id: alice.id, message_id: id, text: 'Cart: 2' })
  assert.equal(edited.body.result.text, 'Cart: 2')
  assert.equal(edited.body.result.reply_markup, undefined)
  assert.equal(typeof edited.body.result.edit_date, 'number')
  const markup = await call('editMessageReplyMarkup', { chat_id: alice.id, message_id: id, reply_markup: { inline_keyboard: [[{ text: '-', callback_data: 'dec' }]] } })
  assert.equal(markup.body.ok, true)
  const inTranscript = tg.messages(alice.id).find((m) => m.message_id === id)
  assert.equal(inTranscript?.text, 'Cart: 2')
  assert.equal(inTranscript?.reply_markup?.inline_keyboard?.[0]?.[0]?.text, '-')
  const missing = await call('editMessageText', { chat_id: alice.id, message_id: 99999, text: 'x' })
  assert.equal(missing.body.description, 'Bad Request: message to edit not found')
  const userMessage = alice.sendText('mine')
  const notOwn = await call('editMessageText', { chat_id: alice.id, message_id: userMessage.message_id, text: 'x' })
  assert.equal(notOwn.body.description, 'Bad Request: message can\'t be edited')
})

test('deleteMessage removes the message from the transcript once', async () => {
  const sent = await call('sendMessage', { chat_id: alice.id, text: 'temporary' })
  const id = sent.body.result.message_id as number
  assert.equal((await call('deleteMessage', { chat_id: alice.id, message_id: id })).body.result, true)
  assert.equal(tg.messages(alice.id).some((m) => m.message_id === id), false)
  const twice = await call('deleteMessage', { chat_id: alice.id, message_id: id })
  assert.equal(twice.body.description, 'Bad Request: message to delete not found')
})

test('message ids increase per chat and replies carry reply_to_message', async () => {
  const first = await call('sendMessage', { chat_id: alice.id, text: 'one' })
  const second = await call('sendMessage', { chat_id: alice.id, text: 'two', reply_parameters: { message_id: first.body.result.message_id } })
  assert.equal(second.body.result.message_id, first.body.result.message_id + 1)
  assert.equal(second.body.result.reply_to_message.text, 'one')
  const orphan = await call('sendMessage', { chat_id: alice.id, text: 'x', reply_to_message_id: 99999 })
  assert.equal(orphan.body.description, 'Bad Request: message to be replied not found')
  const lenient = await call('sendMessage', { chat_id: alice.id, text: 'x', reply_parameters: { message_id: 99999, allow_sending_without_reply: true } })
  assert.equal(lenient.body.ok, true)
})

test('forwardMessage and copyMessage reach a support group', async () => {
  const support = tg.group({ title: 'Support' })
  const question = alice.sendText('Where is my order?')
  const fwd = await call('forwardMessage', { chat_id: support.id, from_chat_id: alice.id, message_id: question.message_id })
  assert.equal(fwd.body.result.text, 'Where is my order?')
  assert.equal(fwd.body.result.forward_origin.sender_user.id, alice.id)
  const copy = await call('copyMessage', { chat_id: support.id, from_chat_id: alice.id, message_id: question.message_id })
  assert.deepEqual(Object.keys(copy.body.result), ['message_id'])
  assert.equal(tg.messages(support.id).at(-1)?.text, 'Where is my order?')
  const gone = await call('forwardMessage', { chat_id: support.id, from_chat_id: alice.id, message_id: 99999 })
  assert.equal(gone.body.description, 'Bad Request: message to forward not found')
  assert.equal((await call('sendChatAction', { chat_id: alice.id, action: 'typing' })).body.result, true)
})

test('setMyCommands validates and getMyCommands answers per scope and language', async () => {
  const commands = [{ command: 'start', description: 'Start' }, { command: 'cart', description: 'Cart' }]
  assert.equal((await call('setMyCommands', { commands })).body.result, true)
  const ru = [{ command: 'start', description: 'Начать' }]
  assert.equal((await call('setMyCommands', { commands: ru, language_code: 'ru', scope: { type: 'all_private_chats' } })).body.result, true)
  assert.deepEqual((await call('getMyCommands')).body.result, commands)
  assert.deepEqual((await call('getMyCommands', { language_code: 'ru', scope: { type: 'all_private_chats' } })).body.result, ru)
  assert.deepEqual((await call('getMyCommands', { language_code: 'uz' })).body.result, [])
  assert.deepEqual(tg.commands({ languageCode: 'ru', scope: { type: 'all_private_chats' } }), ru)
  const upper = await call('setMyCommands', { commands: [{ command: 'Start', description: 'x' }] })
  assert.equal(upper.body.description, 'Bad Request: BOT_COMMAND_INVALID')
  const long = await call('setMyCommands', { commands: [{ command: 'a'.repeat(33), description: 'x' }] })
  assert.equal(long.body.description, 'Bad Request: BOT_COMMAND_INVALID')
  const noDescription = await call('setMyCommands', { commands: [{ command: 'help', description: '' }] })
  assert.equal(noDescription.body.description, 'Bad Request: BOT_COMMAND_DESCRIPTION_INVALID')
})

test('the user client builds bot_command entities and nextBotMessage waits for the reply', async () => {
  const bob = tg.user({ firstName: 'Bob' })
  const seen = tg.waitFor((c) => c.method === 'sendMessage' && c.chatId === bob.id)
  const start = bob.sendText('/start p_1')
  assert.deepEqual(start.entities, [{ type: 'bot_command', offset: 0, length: 6 }])
  const reply = bob.nextBotMessage()
  await call('sendMessage', { chat_id: bob.id, text: `Welcome, ${start.from?.first_name ?? ''}` })
  assert.equal((await reply).text, 'Welcome, Bob')
  assert.equal((await seen).ok, true)
  const answer: TgMessage = bob.reply(start, 'me too')
  assert.equal(answer.reply_to_message?.message_id, start.message_id)
  const contact = bob.shareContact()
  assert.equal(contact.contact?.user_id, bob.id)
})

test('the handler mounts under a path prefix of another node:http server', async (t) => {
  const mounted = createTelegramEmulator({ pathPrefix: '/sandbox/telegram' })
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/sandbox/telegram/') === true) mounted.handle(req, res).catch(() => res.destroy())
    else res.writeHead(418).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(async () => {
    await mounted.close()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sandbox/telegram`
  mounted.setPublicUrl(base)
  const res = await fetch(`${base}/bot${mounted.token}/getMe`)
  assert.equal(((await res.json()) as Envelope).result.username, 'bozor_sandbox_bot')
  const link = await fetch(`${base}/bot${mounted.token}/createInvoiceLink`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'T', description: 'D', payload: 'p', currency: 'XTR', prices: [{ label: 'x', amount: 5 }] })
  })
  const linkUrl = ((await link.json()) as Envelope).result as string
  assert.ok(linkUrl.startsWith(`${base}/invoice/`))
  const info = await fetch(linkUrl)
  assert.equal(((await info.json()) as Envelope).result.total_amount, 5)
})
