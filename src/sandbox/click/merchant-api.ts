/**
 * A loopback emulator of Click's Merchant API reversal (specs/click.md §11) for tests:
 * `DELETE /payment/reversal/:service_id/:payment_id` with the `Auth` header checked (merchant
 * user id, `sha1(timestamp + secret_key)`, timestamp within `maxSkewS` of the clock). It knows
 * only the payments a test tells it about ({@link ClickMerchantEmulator.addPayment}), reverses
 * each once, refuses what Click refuses (a payment not of the current month in Tashkent time,
 * except a previous-month one on the 1st) and injects faults (an `error_code`, HTTP 500, no
 * answer). The error codes below are the emulator's own: Click documents none for reversal,
 * and Bozor treats every non-zero `error_code` alike.
 *
 * @example
 * const click = createClickMerchantEmulator({ serviceId: '12345', merchantUserId: '4321', secretKey, clock })
 * const { url } = await click.start() // CLICK_API_BASE=url
 * click.addPayment('3112459087', { amount: 12_500_000, at: clock.now() })
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { systemClock, type Clock } from '../../domain/shared/clock.js'

/** `error_code`s this emulator answers with (its own choice, see the module comment). */
export const CLICK_EMULATOR_ERRORS = {
  PAYMENT_NOT_FOUND: { code: -5, note: 'Payment not found' },
  ALREADY_REVERSED: { code: -9, note: 'Payment already reversed' },
  NOT_REVERSIBLE: { code: -4046, note: 'Reversal is allowed only for payments of the current month' },
  WRONG_SERVICE: { code: -8, note: 'Service does not belong to this merchant user' }
} as const

/** Tashkent is UTC+5 all year: Click's "current month" is read there. */
const TASHKENT_OFFSET_MS = 5 * 3_600_000

export interface ClickMerchantEmulatorOptions {
  serviceId: string
  merchantUserId: string
  secretKey: string
  clock?: Clock
  /** Largest accepted distance between the `Auth` timestamp and the clock [300 s]. */
  maxSkewS?: number
}

/** One call as the emulator saw it. */
export interface ClickMerchantRequest {
  method: string
  path: string
  /** The raw `Auth` header (a digest and a timestamp: no secret). */
  auth: string | null
  accept: string | null
  contentType: string | null
  paymentId: string | null
  /** HTTP status answered; null when the request was left unanswered. */
  status: number | null
  errorCode: number | null
}

/** A fault for the next reversal call(s). */
export type ClickMerchantFault =
  | { kind: 'error_code', code: number, note: string }
  | { kind: 'http', status: number }
  /** Never answers (the client times out); released on close. */
  | { kind: 'hang' }

export interface ClickPaymentInfo {
  /** Tiyin, as recorded; the reversal call carries no amount. */
  amount: number
  /** When the payment was made, ms. */
  at: number
  reversedAt: number | null
}

export interface ClickMerchantEmulator {
  /** Base URL once started (`CLICK_API_BASE`). */
  readonly url: string
  /** Every call, in arrival order. */
  readonly requests: ClickMerchantRequest[]
  start(opts?: { host?: string, port?: number }): Promise<{ url: string }>
  close(): Promise<void>
  /** Makes a successful payment known (Click's `payment_id` = the SHOP `click_paydoc_id`). */
  addPayment(paymentId: string, info: { amount: number, at: number }): void
  /** The payment as the emulator holds it. */
  payment(paymentId: string): ClickPaymentInfo | undefined
  /** Refuses every reversal of `paymentId` with this `error_code` (e.g. the card network refused). */
  refuse(paymentId: string, code: number, note: string): void
  /** Applies `fault` to the next `times` reversal calls that pass authentication [1]. */
  failNext(fault: ClickMerchantFault, times?: number): void
  /** Successful reversals (payment ids), in order. */
  reversals(): string[]
}

function sha1Hex (text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex')
}

function sameText (a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8')
  const y = Buffer.from(b, 'utf8')
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Year*12 + month of `ms` in Tashkent. */
function monthIndex (ms: number): number {
  const d = new Date(ms + TASHKENT_OFFSET_MS)
  return d.getUTCFullYear() * 12 + d.getUTCMonth()
}

/** Click's rule: current month; the previous month only on the 1st (Tashkent time). */
export function isReversibleAt (paidAt: number, now: number): boolean {
  const paid = monthIndex(paidAt)
  const current = monthIndex(now)
  if (paid === current) return true
  return paid === current - 1 && new Date(now + TASHKENT_OFFSET_MS).getUTCDate() === 1
}

export function createClickMerchantEmulator (options: ClickMerchantEmulatorOptions): ClickMerchantEmulator {
  const clock = options.clock ?? systemClock
  const maxSkewS = options.maxSkewS ?? 300
  const payments = new Map<string, ClickPaymentInfo>()
  const refusals = new Map<string, { code: number, note: string }>()
  const faults: ClickMerchantFault[] = []
  const requests: ClickMerchantRequest[] = []
  const reversed: string[] = []
  const hanging = new Set<ServerResponse>()
  let server: Server | undefined
  let url = ''

  const send = (res: ServerResponse, record: ClickMerchantRequest, status: number, body: Record<string, unknown>): void => {
    record.status = status
    record.errorCode = typeof body.error_code === 'number' ? body.error_code : null
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
    res.end(JSON.stringify(body))
  }

  /** Null when the header is valid, otherwise why not. */
  function authProblem (header: string | null): string | null {
    if (header === null) return 'Auth header missing'
    const parts = header.split(':')
    if (parts.length !== 3) return 'Auth header malformed'
    const [user = '', digest = '', ts = ''] = parts
    if (!/^\d{10}$/.test(ts)) return 'Auth timestamp must be Unix seconds (10 digits)'
    if (Math.abs(Math.floor(clock.now() / 1000) - Number(ts)) > maxSkewS) return 'Auth timestamp expired'
    if (user !== options.merchantUserId) return 'Unknown merchant user'
    if (!sameText(digest.toLowerCase(), sha1Hex(ts + options.secretKey))) return 'Auth digest mismatch'
    return null
  }

  function handle (req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const header = (name: string): string | null => {
      const value = req.headers[name]
      return typeof value === 'string' ? value : null
    }
    const record: ClickMerchantRequest = { method: req.method ?? '', path, auth: header('auth'), accept: header('accept'), contentType: header('content-type'), paymentId: null, status: null, errorCode: null }
    requests.push(record)
    const match = /^\/payment\/reversal\/(\d+)\/(\d+)$/.exec(path)
    if (match === null) { send(res, record, 404, { error_code: -404, error_note: 'Not found' }); return }
    if (req.method !== 'DELETE') { send(res, record, 405, { error_code: -405, error_note: 'Method not allowed' }); return }
    const problem = authProblem(record.auth)
    if (problem !== null) { send(res, record, 401, { error_code: -401, error_note: problem }); return }
    const [, serviceId = '', paymentId = ''] = match
    record.paymentId = paymentId
    const fault = faults.shift()
    if (fault?.kind === 'hang') { hanging.add(res); res.on('close', () => hanging.delete(res)); return }
    if (fault?.kind === 'http') { send(res, record, fault.status, { error_code: -fault.status, error_note: 'Internal error' }); return }
    if (fault?.kind === 'error_code') { send(res, record, 200, { error_code: fault.code, error_note: fault.note }); return }
    const fail = (e: { code: number, note: string }): void => send(res, record, 200, { error_code: e.code, error_note: e.note })
    if (serviceId !== options.serviceId) { fail(CLICK_EMULATOR_ERRORS.WRONG_SERVICE); return }
    const payment = payments.get(paymentId)
    if (payment === undefined) { fail(CLICK_EMULATOR_ERRORS.PAYMENT_NOT_FOUND); return }
    if (payment.reversedAt !== null) { fail(CLICK_EMULATOR_ERRORS.ALREADY_REVERSED); return }
    const refusal = refusals.get(paymentId)
    if (refusal !== undefined) { fail(refusal); return }
    if (!isReversibleAt(payment.at, clock.now())) { fail(CLICK_EMULATOR_ERRORS.NOT_REVERSIBLE); return }
    payment.reversedAt = clock.now()
    reversed.push(paymentId)
    // a bare JSON number, digit for digit (a 64-bit id must not pass through a double)
    record.status = 200
    record.errorCode = 0
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
    res.end(`{"error_code":0,"error_note":"Success","payment_id":${paymentId}}`)
  }

  return {
    get url () { return url },
    requests,
    async start (opts = {}) {
      if (server !== undefined) return { url }
      const s = createServer((req, res) => {
        req.resume()
        req.on('end', () => handle(req, res))
      })
      server = s
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject)
        s.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve())
      })
      const address = s.address() as AddressInfo
      url = `http://${address.address}:${address.port}`
      return { url }
    },
    async close () {
      const s = server
      if (s === undefined) return
      server = undefined
      for (const res of hanging) res.destroy()
      hanging.clear()
      s.closeAllConnections()
      await new Promise<void>((resolve) => s.close(() => resolve()))
    },
    addPayment (paymentId, info) {
      payments.set(paymentId, { amount: info.amount, at: info.at, reversedAt: null })
    },
    payment (paymentId) {
      const p = payments.get(paymentId)
      return p === undefined ? undefined : { ...p }
    },
    refuse (paymentId, code, note) {
      refusals.set(paymentId, { code, note })
    },
    failNext (fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault)
    },
    reversals () {
      return [...reversed]
    }
  }
}
