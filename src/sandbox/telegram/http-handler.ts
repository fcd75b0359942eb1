import type { IncomingMessage, ServerResponse } from 'node:http'
import { TelegramApiError } from './api-error.js'
import { callChatId, canonicalMethod, execute, type CallOutcome } from './dispatch.js'
import type { EmulatorCore } from './core.js'
import type { Fault, Faults } from './faults.js'
import { invoiceTotal } from './methods-payments.js'
import { parseParams, readBody, type Params } from './params.js'

/** What the HTTP layer needs from the emulator. */
export interface HandlerDeps {
  core: EmulatorCore
  faults: Faults
  tokens: ReadonlySet<string>
  pathPrefix: string
  /** Aborted when the emulator closes. */
  closing: AbortSignal
  record: (method: string, params: Params, outcome: CallOutcome) => void
}

export interface HandleOptions {
  /** The body when a host framework has already read it. */
  rawBody?: Buffer
}

function send (res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

function envelope (res: ServerResponse, outcome: CallOutcome): void {
  if (outcome.ok) {
    send(res, 200, { ok: true, result: outcome.result, ...(outcome.description !== undefined ? { description: outcome.description } : {}) })
  } else {
    send(res, outcome.error.error_code, { ok: false, ...outcome.error })
  }
}

async function delay (ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    function done (): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done)
  })
}

function faultError (fault: Fault): TelegramApiError | undefined {
  switch (fault.kind) {
    case 'retry_after': {
      const seconds = fault.spec.retryAfter ?? 1
      return new TelegramApiError(429, `Too Many Requests: retry after ${seconds}`, { retry_after: seconds })
    }
    case 'unauthorized': return new TelegramApiError(401, 'Unauthorized')
    case 'blocked': return new TelegramApiError(403, 'Forbidden: bot was blocked by the user')
    case 'chat_not_found': return new TelegramApiError(400, 'Bad Request: chat not found')
    case 'server_error': return new TelegramApiError(500, 'Internal Server Error')
    default: return undefined
  }
}

/**
 * Builds the plain `node:http` handler: `/bot<token>/<method>` (also `/bot<token>/test/<method>`)
 * under `pathPrefix`, GET or POST, and `GET /invoice/<slug>` describing an invoice link.
 */
export function createHttpHandler (deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse, opts?: HandleOptions) => Promise<void> {
  const { core, faults, tokens, pathPrefix, closing } = deps
  return async (req, res, opts = {}) => {
    const url = new URL(req.url ?? '/', 'http://emulator.local')
    let path = url.pathname
    if (pathPrefix !== '' && path.startsWith(pathPrefix)) path = path.slice(pathPrefix.length)
    const invoice = /^\/invoice\/([A-Za-z0-9]+)\/?$/.exec(path)
    if (invoice !== null) {
      const spec = core.state.invoices.get(`link:${invoice[1] as string}`)
      if (spec === undefined) return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' })
      const { title, description, currency, prices, subscriptionPeriod } = spec
      return send(res, 200, { ok: true, result: { title, description, currency, prices, total_amount: invoiceTotal(spec), subscription_period: subscriptionPeriod } })
    }
    const match = /^\/bot([^/]+)\/(?:test\/)?([^/]+)\/?$/.exec(path)
    if (match === null) return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' })
    if (!tokens.has(decodeURIComponent(match[1] as string))) {
      return send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' })
    }
    const method = canonicalMethod(match[2] as string)
    if (method === undefined) return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' })

    const controller = new AbortController()
    const abort = (): void => controller.abort()
    res.on('close', abort)
    closing.addEventListener('abort', abort)
    try {
      let params: Params
      try {
        params = parseParams(url.searchParams, opts.rawBody ?? await readBody(req), req.headers['content-type'])
      } catch (err) {
        const error = err instanceof TelegramApiError ? err.toBody() : { error_code: 400, description: `Bad Request: ${(err as Error).message}` }
        return envelope(res, { ok: false, error })
      }
      const fault = faults.take(method, callChatId(params))
      if (fault?.kind === 'drop') {
        deps.record(method, params, { ok: false, error: { error_code: 0, description: 'connection dropped (injected fault)' } })
        req.socket.destroy()
        return
      }
      if (fault?.kind === 'slow') await delay(fault.spec.delayMs ?? 1000, controller.signal)
      const injected = fault !== undefined ? faultError(fault) : undefined
      const outcome: CallOutcome = injected !== undefined
        ? { ok: false, error: injected.toBody() }
        : await execute(core, method, params, controller.signal)
      if (method !== 'getUpdates') deps.record(method, params, outcome)
      envelope(res, outcome)
    } finally {
      res.off('close', abort)
      closing.removeEventListener('abort', abort)
    }
  }
}
