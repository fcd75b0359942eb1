import { lt } from 'drizzle-orm'
import type { Db } from './database.js'
import { providerAudit } from './schema.js'
import type { ProviderAudit, ProviderAuditEntry } from '../../usecases/ports-audit.js'

/** Audit rows are kept this long (DESIGN.md: requests kept for support and disputes). */
export const PROVIDER_AUDIT_RETENTION_MS = 90 * 24 * 60 * 60 * 1000

/** Request headers worth keeping; everything else (Authorization, cookies, …) is dropped. */
const KEPT_HEADERS = ['content-type', 'user-agent', 'x-forwarded-for', 'x-real-ip']

const REDACTED = '[redacted]'

/** A kept header's value is cut to this many characters (a caller chooses its User-Agent). */
const HEADER_CAP = 256

export type { ProviderAuditEntry }

/** Replaces every occurrence of a secret inside strings of `value` (deeply). */
export function redactSecrets (value: unknown, secrets: readonly string[]): unknown {
  const live = secrets.filter((s) => s.length >= 4)
  if (live.length === 0) return value
  const scrub = (v: unknown): unknown => {
    if (typeof v === 'string') return live.reduce((text, secret) => text.split(secret).join(REDACTED), v)
    if (Array.isArray(v)) return v.map(scrub)
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [scrub(k) as string, scrub(inner)]))
    }
    return v
  }
  return scrub(value)
}

function keptHeaders (headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of KEPT_HEADERS) {
    const value = headers?.[name]
    if (typeof value === 'string') out[name] = value.slice(0, HEADER_CAP)
  }
  return out
}

type AuditRow = typeof providerAudit.$inferInsert

/** The row of one request/answer pair: allow-listed headers, every secret scrubbed. */
export function providerAuditRow (entry: ProviderAuditEntry, secrets: readonly string[]): AuditRow {
  return {
    provider: entry.provider,
    direction: entry.direction ?? 'inbound',
    endpoint: entry.endpoint,
    orderId: entry.orderId !== undefined && entry.orderId !== null && /^[1-9]\d{0,17}$/.test(entry.orderId) ? entry.orderId : null,
    request: redactSecrets({ headers: keptHeaders(entry.headers), ip: entry.ip, body: entry.body }, secrets),
    response: redactSecrets(entry.response, secrets),
    status: entry.status,
    at: new Date(entry.now)
  }
}

/**
 * Writes one request/answer pair of a provider endpoint to `provider_audit` over `db` (the
 * pool, or the transaction of the call's state change). The Authorization header is never
 * stored (only an allow-list of headers is), and every configured secret (`secrets`, e.g.
 * `PAYME_KEY`, `CLICK_SECRET_KEY`) is replaced by `[redacted]` wherever it appears.
 *
 * @example
 * await writeProviderAudit(db, { provider: 'payme', endpoint: 'POST /payments/payme', headers: request.headers, body, response, status: 200, now }, [config.payme.key])
 */
export async function writeProviderAudit (db: Db, entry: ProviderAuditEntry, secrets: readonly string[]): Promise<void> {
  await db.insert(providerAudit).values(providerAuditRow(entry, secrets))
}

/**
 * Deletes audit rows older than the retention (90 days by default); returns how many went.
 * Safe to call from several instances at once (a plain DELETE by age).
 *
 * @example
 * const removed = await pruneProviderAudit(db, clock.now())
 */
export async function pruneProviderAudit (db: Db, now: number, retentionMs = PROVIDER_AUDIT_RETENTION_MS): Promise<number> {
  const rows = await db.delete(providerAudit).where(lt(providerAudit.at, new Date(now - retentionMs)))
    .returning({ id: providerAudit.id })
  return rows.length
}

export interface ProviderAuditOptions {
  /** Entries dropped instead of written, by reason (a full queue, a batch the database refused). */
  onDrop?: (count: number, reason: 'buffer_full' | 'write_failed') => void
  logger?: { warn(obj: object, msg?: string): void }
  /** Most entries queued [2 000]. */
  maxEntries?: number
  /** A batch is written once this many wait [200]… */
  flushAt?: number
  /** …or this long after the first one was queued [1 000 ms]. */
  intervalMs?: number
}

/**
 * The audit trail over `db` (usecases/ports-audit.ts). `write` inserts at once; `record` queues a
 * redacted row in a bounded in-process queue written as one multi-row INSERT per batch, one batch
 * at a time, off the request path (like the analytics buffer, jobs/analytics-buffer.ts).
 *
 * @example
 * const audit = createProviderAudit(db, { onDrop: (n, reason) => metrics.providerAuditDropped.inc({ reason }, n), logger })
 * audit.record(entry, [config.payme.key])
 * await audit.close()
 */
export function createProviderAudit (db: Db, options: ProviderAuditOptions = {}): ProviderAudit {
  const max = options.maxEntries ?? 2000
  const flushAt = options.flushAt ?? 200
  const intervalMs = options.intervalMs ?? 1000
  let pending: AuditRow[] = []
  let timer: NodeJS.Timeout | undefined
  let writing: Promise<void> = Promise.resolve()

  const writeBatches = async (): Promise<void> => {
    while (pending.length > 0) {
      const batch = pending.slice(0, flushAt)
      pending = pending.slice(batch.length)
      try {
        await db.insert(providerAudit).values(batch)
      } catch (err) {
        options.onDrop?.(batch.length, 'write_failed')
        options.logger?.warn({ module: 'provider-audit', dropped: batch.length, err: err instanceof Error ? err.message : String(err) }, 'provider audit batch could not be written; dropped')
        return
      }
    }
  }

  const flush = async (): Promise<void> => {
    if (timer !== undefined) { clearTimeout(timer); timer = undefined }
    writing = writing.then(writeBatches)
    await writing
  }

  return {
    write: (entry, secrets) => writeProviderAudit(db, entry, secrets),
    record (entry, secrets) {
      if (pending.length >= max) { options.onDrop?.(1, 'buffer_full'); return }
      pending.push(providerAuditRow(entry, secrets))
      if (pending.length >= flushAt) { flush().catch(() => {}); return }
      if (timer === undefined) {
        timer = setTimeout(() => { timer = undefined; flush().catch(() => {}) }, intervalMs)
        timer.unref()
      }
    },
    flush,
    close: flush,
    prune: (now) => pruneProviderAudit(db, now)
  }
}
