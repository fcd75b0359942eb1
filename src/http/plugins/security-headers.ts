/**
 * Security headers on every answer (DESIGN.md: every HTML page is sent with @fastify/helmet's
 * headers and a CSP that allows no third-party origin): scripts, styles, images, fonts and
 * connections from Bozor's own origin only, no inline code, no framing, no plugins. Pages load
 * their CSS from `/assets/…` (src/http/routes/assets.ts), never from a `<style>` block.
 *
 * @example
 * await app.register(securityHeaders)
 */
import fp from 'fastify-plugin'
import helmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'

/** The Content-Security-Policy directives of every page. */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
  'object-src': ["'none'"]
}

async function securityHeadersPlugin (app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: Object.fromEntries(Object.entries(CSP_DIRECTIVES).map(([k, v]) => [k, [...v]])) },
    // pay links are opened from Telegram's in-app browser and redirect to the providers
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' }
  })
}

export const securityHeaders = fp(securityHeadersPlugin, { name: 'security-headers', fastify: '5.x' })
