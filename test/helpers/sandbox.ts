/**
 * startSandbox(t): `bozor start` with no BOT_TOKEN (the sandbox), listening on a loopback port,
 * over this leg's storage: a PGlite in a temp DATA_DIR (embedded leg) or a fresh PostgreSQL
 * database and the leg's Redis under a key prefix of its own (services leg). Plus a small client
 * of the sandbox's customer API and its event stream. Everything is closed in t.after.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { startServer, type RunningServer } from '../../src/server.js'
import { createRedisKv } from '../../src/adapters/redis/redis-kv.js'
import type { ChatEntry } from '../../src/sandbox/http/chat-log.js'
import { captureStream } from './app.js'
import { createEmptyPostgresDb, testLeg } from './db.js'
import { freePort, testRedisUrl, uniqueKvPrefix } from './kv.js'

export interface Sandbox {
  server: RunningServer
  /** The app's base URL (also PUBLIC_URL). */
  url: string
  dataDir: string
  logs: string[]
}

/** The environment of a sandbox on this leg's storage (no BOT_TOKEN, nothing of the providers). */
export async function sandboxEnv (t: TestContext, dataDir: string, port: number): Promise<Record<string, string>> {
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'info',
    // tests type faster than people: the limiter has its own tests
    RATE_LIMITS: JSON.stringify({ 'bot.message': [{ limit: 1000, windowS: 3 }], 'checkout.attempt': [{ limit: 1000, windowS: 600 }] })
  }
  if (testLeg() === 'services') {
    env.DATABASE_URL = await createEmptyPostgresDb(t)
    env.REDIS_URL = testRedisUrl() ?? 'redis://127.0.0.1:6379'
    env.KV_PREFIX = uniqueKvPrefix()
    const prefix = env.KV_PREFIX
    const url = env.REDIS_URL
    t.after(async () => {
      const kv = createRedisKv({ url, cluster: false, prefix })
      try { await kv.deleteByPattern(kv.keys.everything()) } finally { await kv.close() }
    })
  }
  return env
}

/** A temp DATA_DIR removed in t.after (registered first, so it goes last). */
export function tempDataDir (t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'bozor-sandbox-'))
  t.after(() => { rmSync(dir, { recursive: true, force: true }) })
  return dir
}

export async function startSandbox (t: TestContext, options: { dataDir?: string, env?: Record<string, string> } = {}): Promise<Sandbox> {
  const dataDir = options.dataDir ?? tempDataDir(t)
  const port = await freePort()
  const config = loadConfig({ ...await sandboxEnv(t, dataDir, port), ...options.env })
  const logs: string[] = []
  const logger = createLogger({ level: config.server.logLevel, secrets: config.secrets, destination: captureStream(logs) })
  const server = await startServer(config, { logger })
  t.after(() => server.stop())
  return { server, url: `http://127.0.0.1:${port}`, dataDir, logs }
}

/** JSON over HTTP to the sandbox (status and parsed body). */
export async function call (base: string, method: string, path: string, body?: unknown): Promise<{ status: number, body: any, contentType: string }> {
  const res = await fetch(`${base}${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(60_000)
  })
  const text = await res.text()
  return { status: res.status, body: text === '' ? null : JSON.parse(text), contentType: res.headers.get('content-type') ?? '' }
}

/** A customer's live entries (the SSE stream), awaited by predicate. */
export interface EntryStream {
  readonly entries: ChatEntry[]
  /** The first entry (seen or to come) after `afterSeq` matching `predicate`. */
  next(predicate: (entry: ChatEntry) => boolean, afterSeq?: number, timeoutMs?: number): Promise<ChatEntry>
  close(): void
}

export async function openStream (t: TestContext, base: string, userId: number): Promise<EntryStream> {
  const controller = new AbortController()
  const res = await fetch(`${base}/sandbox/api/users/${userId}/stream`, { signal: controller.signal })
  if (res.status !== 200 || res.body === null) throw new Error(`stream answered ${res.status}`)
  const entries: ChatEntry[] = []
  const waiters = new Set<() => void>()
  let ended = false
  const reading = (async () => {
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true })
        let end
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const data = block.split('\n').find((line) => line.startsWith('data: '))
          if (data !== undefined) entries.push(JSON.parse(data.slice(6)) as ChatEntry)
        }
        for (const wake of [...waiters]) wake()
      }
    } catch { /* aborted */ }
    ended = true
    for (const wake of [...waiters]) wake()
  })()
  reading.catch(() => {})
  const close = (): void => { controller.abort() }
  t.after(close)
  return {
    entries,
    close,
    async next (predicate, afterSeq = 0, timeoutMs = 30_000) {
      const find = (): ChatEntry | undefined => entries.find((e) => e.seq > afterSeq && predicate(e))
      const found = find()
      if (found !== undefined) return found
      return await new Promise<ChatEntry>((resolve, reject) => {
        const timer = setTimeout(() => { waiters.delete(wake); reject(new Error(`no entry matched in ${timeoutMs} ms; entries: ${entries.map((e) => `${e.seq} ${e.from} ${e.html.slice(0, 60)}`).join(' | ')}`)) }, timeoutMs)
        const wake = (): void => {
          const hit = find()
          if (hit !== undefined || ended) {
            clearTimeout(timer)
            waiters.delete(wake)
            if (hit !== undefined) resolve(hit)
            else reject(new Error('the stream ended'))
          }
        }
        waiters.add(wake)
      })
    }
  }
}

/** The inline buttons of an entry. */
export function buttonsOf (entry: ChatEntry): Array<{ text: string, callback_data?: string, url?: string }> {
  const markup = entry.replyMarkup as { inline_keyboard?: Array<Array<{ text: string, callback_data?: string, url?: string }>> } | undefined
  return markup?.inline_keyboard?.flat() ?? []
}
