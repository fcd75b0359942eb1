/**
 * The web chat (DESIGN.md "The sandbox"): `GET /sandbox/chat` (the page), its module and its
 * stylesheet, served as they are (no build step, no CDN). Registered only in sandbox mode. `GET /`
 * is the dashboard's (DESIGN.md); its login page links here in sandbox mode.
 */
import type { FastifyInstance } from 'fastify'
import { CHAT_CSS } from '../chat/chat-css.js'
import { CHAT_JS } from '../chat/chat-js.js'
import { renderChatPage } from '../chat/chat-page.js'

export const CHAT_PATH = '/sandbox/chat'

export async function chatRoutes (app: FastifyInstance): Promise<void> {
  const page = renderChatPage()
  app.get(CHAT_PATH, async (_request, reply) => await reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page))
  app.get(`${CHAT_PATH}/chat.js`, async (_request, reply) => await reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(CHAT_JS))
  app.get(`${CHAT_PATH}/chat.css`, async (_request, reply) => await reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(CHAT_CSS))
}
