/**
 * Process entry for `bozor start`: load config, start, trap signals, exit. A bad configuration
 * exits 1 before anything listens; SIGTERM/SIGINT drain within SHUTDOWN_DEADLINE_MS and exit 0.
 */
import { loadConfigOrExit } from './config.js'
import { startServer, type StartOptions } from './server.js'

export { loadConfigOrExit }

export const SHUTDOWN_DEADLINE_MS = 10_000

export async function main (options: StartOptions = {}): Promise<void> {
  const config = loadConfigOrExit()
  let server
  try {
    server = await startServer(config, options)
  } catch (error) {
    process.stderr.write(`bozor: could not start: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  }
  const running = server
  // sandbox mode (no BOT_TOKEN): the banner of DESIGN.md "The sandbox", on stdout for the newcomer
  if (running.deps.sandbox !== undefined) process.stdout.write(`\n${running.deps.sandbox.banner}\n`)
  let signalled = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) return
    signalled = true
    running.deps.logger.info({ signal }, 'shutting down')
    const deadline = setTimeout(() => {
      running.deps.logger.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutdown deadline passed; exiting')
      process.exit(1)
    }, SHUTDOWN_DEADLINE_MS)
    deadline.unref()
    running.stop().then(() => {
      running.deps.logger.info('stopped')
      running.deps.logger.flush?.()
      process.exit(0)
    }, (error: unknown) => {
      running.deps.logger.error({ err: error }, 'shutdown failed')
      process.exit(1)
    })
  }
  process.once('SIGTERM', onSignal)
  process.once('SIGINT', onSignal)
}
