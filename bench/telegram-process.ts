// The Telegram emulator in a process of its own for bench/broadcast.ts, so the server's work
// (PGlite runs on the main thread) never delays when the emulator reads its clock: Telegram's
// clock is not the bot's. Prints `{"url", "stats"}` on stdout once listening; GET <stats> answers
// the accepted copies' times and the 429 count. Usage: tsx bench/telegram-process.ts <first id> <count>
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTelegramEmulator } from '../src/sandbox/telegram/index.js'

const first = Number(process.argv[2])
const count = Number(process.argv[3])
const emulator = createTelegramEmulator()
const { url } = await emulator.start()
for (let i = 0; i < count; i++) emulator.user({ id: first + i, started: true })
const stats = createServer((req, res) => {
  const text = new URL(req.url ?? '/', 'http://x').searchParams.get('text')
  const copies = emulator.sent({ method: 'sendMessage', ok: true }).filter((c) => c.params.text === text).map((c) => c.at)
  const tooMany = emulator.sent({ ok: false }).filter((c) => c.error?.error_code === 429).length
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify({ copies, tooMany }))
})
await new Promise<void>((resolve) => stats.listen(0, '127.0.0.1', () => resolve()))
console.log(JSON.stringify({ url, token: emulator.token, stats: `http://127.0.0.1:${(stats.address() as AddressInfo).port}/` }))
process.on('SIGTERM', () => { stats.close(); emulator.close().finally(() => process.exit(0)) })
