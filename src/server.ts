/**
 * Runs Bozor as a network service: compose, build, listen, and stop gracefully. `stop()` stops
 * accepting connections, lets in-flight requests finish, then closes workers and pools; it is
 * idempotent and safe to call concurrently (STYLE R14).
 */
import type { Config } from './config.js'
import { compose, type ComposeOptions, type Deps } from './compose.js'
import { buildApp, type App } from './app.js'

export interface RunningServer {
  app: App
  deps: Deps
  /** The address the server listens on, e.g. http://127.0.0.1:3000. */
  address: string
  stop(): Promise<void>
}

export interface StartOptions extends ComposeOptions {
  /** Registers extra routes before listening (tests and the sandbox use it). */
  extend?: (app: App, deps: Deps) => Promise<void> | void
}

export async function startServer (config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const deps = await compose(config, options)
  let app: App
  try {
    app = await buildApp(deps)
    // the jobs stop (rows in flight finish, leases are freed) before the pool closes: Fastify may run
    // this hook before app.ts's own, and a worker must not write to an ended pool (decision 0046)
    app.addHook('onClose', async () => { await deps.jobs.stop(); await deps.close() })
    if (options.extend !== undefined) await options.extend(app, deps)
    await app.listen({ port: config.server.port, host: config.server.host })
  } catch (error) {
    await deps.close()
    throw error
  }
  const addressInfo = app.server.address()
  const address = typeof addressInfo === 'object' && addressInfo !== null
    ? `http://${addressInfo.family === 'IPv6' ? `[${addressInfo.address}]` : addressInfo.address}:${addressInfo.port}`
    : String(addressInfo)
  deps.logger.info({ address, mode: config.mode }, 'Bozor is listening')
  // the CLI's commands reach this server through DATA_DIR/bozor.sock (embedded database only)
  if (deps.control !== undefined) {
    await deps.control.listen().catch((error: unknown) => {
      deps.logger.warn({ err: error, path: deps.control?.path }, 'control socket not available: `bozor token|seed|sandbox` cannot reach this server while it runs')
    })
  }
  let stopping: Promise<void> | undefined
  return {
    app,
    deps,
    address,
    stop () {
      // commands from the CLI first (they answer), then requests, then storage
      stopping ??= (async () => {
        await deps.control?.close()
        await app.close()
      })()
      return stopping
    }
  }
}
