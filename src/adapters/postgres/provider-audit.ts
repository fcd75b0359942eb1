import { lt } from 'drizzle-orm'
import type { Db } from './database.js'
import { providerAudit } from './schema.js'
import type { ProviderAudit, ProviderAuditEntry } from '../../usecases/ports-audit.js'

/** Audit rows are kept this long (DESIGN.md: requests kept for support and disputes). */
export const PROVIDER_AUDIT_RETENTION_MS = 90 * 24 * 60 * 60 * 1000

/** Request headers worth keeping; everything else (Authorization, cookies, …) is dropped. */
const KEPT_HEADERS = ['content-type', 'user-agent', 'x-forwarded-for', 'x-real-ip']

const REDACTED = '[redacted]'

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
    if (typeof value === 'string') out[name] = value
  }
  return out
}

/**
 * Writes one request/answer pair of a provider endpoint to `provider_audit`. The
 * Authorization header is never stored (only an allow-list of headers is), and every
 * configured secret (`secrets`, e.g. `PAYME_KEY`, `CLICK_SECRET_KEY`) is replaced by
 * `[redacted]` wherever it appears.
 *
 * @example
 * await writeProviderAudit(db, { provider: 'payme', endpoint: 'POST /payments/payme', headers: request.headers, body, response, status: 200, now }, [config.payme.key])
 */
export async function writeProviderAudit (db: Db, entry: ProviderAuditEntry, secrets: readonly string[]): Promise<void> {
  const request = redactSecrets({ headers: keptHeaders(entry.headers), ip: entry.ip, body: entry.body }, secrets)
  await db.insert(providerAudit).values({
    provider: entry.provider,
    direction: entry.direction ?? 'inbound',
    endpoint: entry.endpoint,
    orderId: entry.orderId !== undefined && entry.orderId !== null && /^[1-9]\d{0,17}$/.test(entry.orderId) ? entry.orderId : null,
    request,
    response: redactSecrets(entry.response, secrets),
    status: entry.status,
    at: new Date(entry.now)
  })
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

/** The audit trail over `db` (usecases/ports-audit.ts). */
export function createProviderAudit (db: Db): ProviderAudit {
  return {
    write: (entry, secrets) => writeProviderAudit(db, entry, secrets),
    prune: (now) => pruneProviderAudit(db, now)
  }
}
