/**
 * `GET /assets/bozor.css`: the stylesheet of Bozor's own pages, served with a short cache; pages
 * link it instead of inlining styles, so the CSP forbids inline code
 * (src/http/plugins/security-headers.ts).
 */
import type { FastifyInstance } from 'fastify'
import { STYLESHEET } from '../views/stylesheet.js'

export const STYLESHEET_PATH = '/assets/bozor.css'

export async function assetRoutes (app: FastifyInstance): Promise<void> {
  app.get(STYLESHEET_PATH, async (_request, reply) => {
    return await reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET)
  })
}
