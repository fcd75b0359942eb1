/**
 * How a simulator reaches the app's own provider endpoints: over HTTP on the listening address
 * (loopback), as the real provider would, or through `inject()` while the app does not listen
 * (tests that never start the server).
 */
import type { FastifyInstance } from 'fastify'

export interface SelfResponse { status: number, body: string }

/** A POST to one of the app's own routes. */
export type SelfPost = (path: string, headers: Record<string, string>, body: string) => Promise<SelfResponse>

/** The app's loopback base URL while it listens, else undefined. */
export function listeningBase (app: FastifyInstance): string | undefined {
  if (!app.server.listening) return undefined
  const address = app.server.address()
  if (address === null || typeof address === 'string') return undefined
  const loopback = address.address === '0.0.0.0' || address.address === '' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address
  return `http://${loopback.includes(':') ? `[${loopback}]` : loopback}:${address.port}`
}

export function createSelfPost (app: FastifyInstance): SelfPost {
  return async (path, headers, body) => {
    const base = listeningBase(app)
    if (base === undefined) {
      const res = await app.inject({ method: 'POST', url: path, headers, payload: body })
      return { status: res.statusCode, body: res.body }
    }
    const res = await fetch(`${base}${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) })
    return { status: res.status, body: await res.text() }
  }
}
