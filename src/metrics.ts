/**
 * One prom-client registry per app (tests build many apps in one process): process metrics,
 * the HTTP request histogram and the `bozor_*` counters other modules register on it.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export interface Metrics {
  registry: Registry
  httpDuration: Histogram<'method' | 'route' | 'status_code'>
  kvFallbacks: Counter<'area'>
  rateLimitFallbacks: Counter<'policy'>
  /** Telegram updates by outcome (handled, duplicate, failed). */
  telegramUpdates: Counter<'outcome'>
  /** getWebhookInfo's `pending_update_count` (webhook mode). */
  telegramPendingUpdates: Gauge
  /** 1, labelled with getWebhookInfo's `last_error_message` (empty when none). */
  telegramWebhookError: Gauge<'message'>
  /** Bot analytics events dropped instead of written (buffer full, or a batch the database refused). */
  analyticsDropped: Counter<'reason'>
  /** Payme and Click calls that failed authentication (Payme's Basic auth, Click's signature). */
  providerUnauthenticated: Counter<'provider'>
  /** Provider audit rows dropped instead of written (queue full, or a batch the database refused). */
  providerAuditDropped: Counter<'reason'>
}

export function createMetrics (): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry]
  })
  const kvFallbacks = new Counter({
    name: 'bozor_kv_fallback_total',
    help: 'Operations answered by an in-process fallback because the key-value store was unavailable',
    labelNames: ['area'] as const,
    registers: [registry]
  })
  const rateLimitFallbacks = new Counter({
    name: 'bozor_rate_limit_fallback_total',
    help: 'Rate-limit checks answered by the in-process limiter because the key-value store was unavailable',
    labelNames: ['policy'] as const,
    registers: [registry]
  })
  const telegramUpdates = new Counter({
    name: 'bozor_telegram_updates_total',
    help: 'Telegram updates received, by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry]
  })
  const telegramPendingUpdates = new Gauge({
    name: 'bozor_telegram_webhook_pending_updates',
    help: 'Updates Telegram holds for the webhook (getWebhookInfo pending_update_count)',
    registers: [registry]
  })
  const telegramWebhookError = new Gauge({
    name: 'bozor_telegram_webhook_last_error',
    help: 'Telegram\'s last webhook delivery error (getWebhookInfo last_error_message as a label; empty when none)',
    labelNames: ['message'] as const,
    registers: [registry]
  })
  const analyticsDropped = new Counter({
    name: 'bozor_analytics_events_dropped_total',
    help: 'Bot analytics events dropped instead of written, by reason (buffer_full, write_failed)',
    labelNames: ['reason'] as const,
    registers: [registry]
  })
  const providerUnauthenticated = new Counter({
    name: 'bozor_provider_unauthenticated_total',
    help: 'Payme and Click callbacks that failed authentication (Basic auth, signature), by provider',
    labelNames: ['provider'] as const,
    registers: [registry]
  })
  const providerAuditDropped = new Counter({
    name: 'bozor_provider_audit_dropped_total',
    help: 'Provider audit rows dropped instead of written, by reason (buffer_full, write_failed)',
    labelNames: ['reason'] as const,
    registers: [registry]
  })
  return { registry, analyticsDropped, providerUnauthenticated, providerAuditDropped, httpDuration, kvFallbacks, rateLimitFallbacks, telegramUpdates, telegramPendingUpdates, telegramWebhookError }
}
