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
  /**
   * The body as parsed (JSON, form) or its raw text when it did not parse. For a call that failed
   * authentication or parsing, a capped summary instead ({@link CallSummary}).
   */
  body: unknown
  response: unknown
  status: number
  now: number
}

/**
 * What is kept of a call that failed authentication or parsing (issue 19): never the body itself.
 * `excerpt` is at most a few dozen characters of the body's start.
 */
export interface CallSummary {
  summary: true
  /** The method or action, when the body was readable enough to name one. */
  method: string | null
  /** The body's length in bytes (the claimed Content-Length when the server did not read it). */
  bytes: number
  /** Of the body as read; null when the server did not read it (over the limit, a bad length). */
  sha256: string | null
  excerpt: string
}

/**
 * @example
 * await audit.write({ provider: 'payme', endpoint: 'POST /payments/payme', body, response, status: 200, now }, [paymeKey])
 */
export interface ProviderAudit {
  /** Writes one request/answer pair; every secret in `secrets` is replaced by `[redacted]`. */
  write(entry: ProviderAuditEntry, secrets: readonly string[]): Promise<void>
  /**
   * Queues one request/answer pair (redacted at once) for a batch written off the request path:
   * for calls that change nothing (read-only methods, refused calls). A full queue drops the
   * entry and counts it; `flush` writes what waits, `close` writes the rest at shutdown.
   */
  record(entry: ProviderAuditEntry, secrets: readonly string[]): void
  flush(): Promise<void>
  close(): Promise<void>
  /** Deletes rows older than the retention; returns how many. */
  prune(now: number): Promise<number>
}
