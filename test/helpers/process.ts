/** Spawns Bozor (or a fixture) as a child process and reads its JSON log lines. */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { TestContext } from 'node:test'

import { freePort } from './kv.js'

export { freePort }

/** The checkout (BOZOR_ROOT when scripts/run-tests.ts runs the tests compiled, from another tree). */
export const ROOT = process.env.BOZOR_ROOT ?? join(import.meta.dirname, '..', '..')

export interface Spawned {
  child: ChildProcess
  stdout: string[]
  stderr: string[]
  /** Resolves with the exit code. */
  exited: Promise<number | null>
  /** Resolves with the first stdout JSON line whose msg matches. */
  waitForLog(msg: string | RegExp, timeoutMs?: number): Promise<Record<string, unknown>>
}

/**
 * The tree scripts/run-tests.ts compiled src/ and test/ into for this run (BOZOR_TEST_BUILD), if
 * any: children then run its JavaScript with plain node, which starts about 1.5 s of CPU faster
 * than tsx compiling the same sources in every child.
 */
const BUILD = process.env.BOZOR_TEST_BUILD

/** `node <script>` through tsx, or the compiled `.js` of the run's build (see BUILD); a `.js` script (the bin) as it is. */
function nodeArgs (script: string): string[] {
  if (script.endsWith('.js')) return [join(ROOT, script)]
  if (BUILD !== undefined && BUILD !== '') return ['--enable-source-maps', join(BUILD, script.replace(/\.ts$/, '.js'))]
  return ['--import', import.meta.resolve('tsx'), join(ROOT, script)]
}

/** Runs `script` (a path from the checkout's root, e.g. `src/cli.ts`) as a child process. */
export function spawnBozor (t: TestContext, script: string, args: string[], options: { env: Record<string, string>, cwd?: string }): Spawned {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env }
  const child = spawn(process.execPath, [...nodeArgs(script), ...args], { cwd: options.cwd ?? ROOT, env })
  const stdout: string[] = []
  const stderr: string[] = []
  const listeners: Array<() => void> = []
  let buffer = ''
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8')
    const lines = buffer.split('\n')
    buffer = lines.pop() ?? ''
    stdout.push(...lines.filter(Boolean))
    for (const l of listeners.slice()) l()
  })
  child.stderr.on('data', (chunk: Buffer) => { stderr.push(chunk.toString('utf8')) })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })

  function waitForLog (msg: string | RegExp, timeoutMs = 90_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const find = (): boolean => {
        for (const line of stdout) {
          try {
            const entry = JSON.parse(line) as Record<string, unknown>
            const text = String(entry.msg ?? '')
            if (typeof msg === 'string' ? text === msg : msg.test(text)) { resolve(entry); return true }
          } catch {}
        }
        return false
      }
      if (find()) return
      const timer = setTimeout(() => reject(new Error(`no log "${String(msg)}" within ${timeoutMs} ms; stderr: ${stderr.join('')}`)), timeoutMs)
      const listener = (): void => {
        if (find()) { clearTimeout(timer); listeners.splice(listeners.indexOf(listener), 1) }
      }
      listeners.push(listener)
      exited.then((code) => { clearTimeout(timer); if (!find()) reject(new Error(`exited with ${code} before "${String(msg)}"; stderr: ${stderr.join('')}`)) })
    })
  }
  return { child, stdout, stderr, exited, waitForLog }
}

/** A `bozor start` child on its own loopback port, listening. */
export interface Server extends Spawned {
  url: string
}

/**
 * Starts `bozor start` on a free loopback port against a Telegram emulator (polling unless `env`
 * says otherwise, logs at `info`), adds `env` over that, and resolves once it listens. A child
 * that dies by itself (not killed by a signal) leaves its last words in the test's report.
 * `waitMs` bounds a hung start, not the machine's speed.
 */
export async function startServer (
  t: TestContext,
  options: { telegram: { token: string, url?: string }, env?: Record<string, string>, waitMs?: number }
): Promise<Server> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const spawned = spawnBozor(t, 'src/cli.ts', ['start'], {
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: url,
      LOG_LEVEL: 'info',
      BOT_TOKEN: options.telegram.token,
      TELEGRAM_API_ROOT: options.telegram.url!,
      TELEGRAM_MODE: 'polling',
      ...options.env
    }
  })
  spawned.exited.then((code) => {
    if (spawned.child.signalCode !== null || code === 0) return
    const tail = [...spawned.stdout.slice(-15), spawned.stderr.join('').slice(-3000)].join('\n')
    t.diagnostic(`Bozor (pid ${spawned.child.pid}) exited with ${code} by itself:\n${tail}`)
    console.error(`Bozor (pid ${spawned.child.pid}) exited with ${code} by itself:\n${tail}`)
  }).catch(() => {})
  await spawned.waitForLog('Bozor is listening', options.waitMs ?? 120_000)
  return { ...spawned, url }
}
