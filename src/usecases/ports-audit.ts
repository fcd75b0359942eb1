/**
 * The provider audit trail: every call a payment provider makes to Bozor, with its answer,
 * kept for support and disputes (90 days). PostgreSQL: adapters/postgres/provider-audit.ts.
 */

export interface ProviderAuditEntry {
  provider: string
  direction?: 'inbound' | 'outbound'
  /** The route or URL, e.g. `POST /payments/payme`. */
  endpoint: string
  orderId?: string | null
  /** Request headers as received; only an allow-list (never Authorization) is stored. */
  headers?: Record<string, unknown>
  /** Remote address of the caller. */
  ip?: string
  /** The body as parsed (JSON, form) or its raw text when it did not parse. */
  body: unknown
  response: unknown
  status: number
  now: number
}

/**
 * @example
 * await audit.write({ provider: 'payme', endpoint: 'POST /payments/payme', body, response, status: 200, now }, [paymeKey])
 */
export interface ProviderAudit {
  /** Writes one request/answer pair; every secret in `secrets` is replaced by `[redacted]`. */
  write(entry: ProviderAuditEntry, secrets: readonly string[]): Promise<void>
  /** Deletes rows older than the retention; returns how many. */
  prune(now: number): Promise<number>
}
