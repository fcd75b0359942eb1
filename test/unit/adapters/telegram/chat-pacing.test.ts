// The per-chat transformer (decision 0036): a message to a chat starts only a second after the
// previous message to that chat was answered; other chats, chat actions and edits are not held.
// The API call under the transformer is a recording stub (Telegram's side), and time is Node's
// mocked timers, so nothing here waits for real seconds.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import type { Transformer } from 'grammy'
import { CHAT_GAP_MS, chatPacing, isMessageSend } from '../../../../src/adapters/telegram/chat-pacing.js'

type Prev = Parameters<Transformer>[0]

/** Telegram's side: records each call as it starts; each answers when the test says so. */
function telegram (): { prev: Prev, started: string[], answer(): void } {
  const started: string[] = []
  const waiting: Array<() => void> = []
  const prev = (async (method: string, payload: { chat_id?: number, text?: string }) => {
    started.push(`${method}:${String(payload?.chat_id)}:${payload?.text ?? ''}`)
    await new Promise<void>((resolve) => waiting.push(resolve))
    return { ok: true, result: true }
  }) as unknown as Prev
  return { prev, started, answer: () => { for (const resolve of waiting.splice(0)) resolve() } }
}

/** Lets promise callbacks run (not timers). */
const settle = async (): Promise<void> => { for (let i = 0; i < 10; i++) await Promise.resolve() }

function setup (t: TestContext): { call(method: string, payload: object): Promise<unknown>, tg: ReturnType<typeof telegram> } {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 })
  const pacing = chatPacing({ now: () => Date.now() })
  const tg = telegram()
  return { call: (method, payload) => pacing(tg.prev, method as never, payload as never), tg }
}

test('the second message to a chat starts a full second after the first was answered', async (t) => {
  const { call, tg } = setup(t)
  const first = call('sendMessage', { chat_id: 7, text: 'one' })
  const second = call('sendMessage', { chat_id: 7, text: 'two' })
  await settle()
  assert.deepEqual(tg.started, ['sendMessage:7:one'])
  t.mock.timers.tick(300) // the first takes 300 ms to be answered
  tg.answer()
  await first
  await settle()
  t.mock.timers.tick(CHAT_GAP_MS - 1)
  await settle()
  assert.deepEqual(tg.started, ['sendMessage:7:one'], 'not before a second after the answer')
  t.mock.timers.tick(1)
  await settle()
  assert.deepEqual(tg.started, ['sendMessage:7:one', 'sendMessage:7:two'])
  tg.answer()
  await second
})

test('other chats, chat actions, edits and answers to buttons are not held', async (t) => {
  const { call, tg } = setup(t)
  const calls = [
    call('sendMessage', { chat_id: 7, text: 'one' }),
    call('sendPhoto', { chat_id: 8, text: 'other chat' }),
    call('sendChatAction', { chat_id: 7, text: 'typing' }),
    call('editMessageText', { chat_id: 7, text: 'edit' }),
    call('answerCallbackQuery', { text: 'ok' })
  ]
  await settle()
  assert.deepEqual(tg.started, ['sendMessage:7:one', 'sendPhoto:8:other chat', 'sendChatAction:7:typing', 'editMessageText:7:edit', 'answerCallbackQuery:undefined:ok'])
  tg.answer()
  await Promise.all(calls)
  // copies and forwards are messages too
  assert.ok(isMessageSend('copyMessage') && isMessageSend('forwardMessages') && isMessageSend('sendDocument'))
  assert.ok(!isMessageSend('sendChatAction') && !isMessageSend('editMessageText') && !isMessageSend('deleteMessage'))
})

test('three messages to one chat go one a second, in order, whatever the other chats do', async (t) => {
  const { call, tg } = setup(t)
  const sends = ['a', 'b', 'c'].map((text) => call('sendMessage', { chat_id: 9, text }))
  const other = call('sendMessage', { chat_id: 10, text: 'x' })
  for (const expected of [['a'], ['a', 'b'], ['a', 'b', 'c']]) {
    await settle()
    assert.deepEqual(tg.started.filter((s) => s.startsWith('sendMessage:9')).map((s) => s.split(':')[2]), expected)
    tg.answer()
    await settle()
    t.mock.timers.tick(CHAT_GAP_MS)
  }
  tg.answer()
  await Promise.all([...sends, other])
  assert.ok(tg.started.includes('sendMessage:10:x'))
})
