/**
 * The web chat (DESIGN.md "The sandbox"): `GET /sandbox/chat` (the page), its module and its
 * stylesheet, served as they are (no build step, no CDN), and `GET /` pointing a newcomer at it
 * until the dashboard exists. Registered only in sandbox mode.
 */
import type { FastifyInstance } from 'fastify'
import { CHAT_CSS } from '../chat/chat-css.js'
import { CHAT_JS } from '../chat/chat-js.js'
import { renderChatPage } from '../chat/chat-page.js'

export const CHAT_PATH = '/sandbox/chat'

const HOME = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bozor sandbox</title><link rel="stylesheet" href="/assets/bozor.css"></head>
<body><main><h1>Bozor is running in sandbox mode</h1>
<p>No configuration is needed to try it: the Telegram Bot API and the payment providers are simulated in this process.</p>
<p><a href="${CHAT_PATH}">Chat with your bot →</a></p>
<p>Set <code>BOT_TOKEN</code> (see the README) to connect a real Telegram bot.</p></main></body></html>
`

export async function chatRoutes (app: FastifyInstance): Promise<void> {
  const page = renderChatPage()
  app.get(CHAT_PATH, async (_request, reply) => await reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page))
  app.get(`${CHAT_PATH}/chat.js`, async (_request, reply) => await reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(CHAT_JS))
  app.get(`${CHAT_PATH}/chat.css`, async (_request, reply) => await reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(CHAT_CSS))
  app.get('/', async (_request, reply) => await reply.type('text/html; charset=utf-8').send(HOME))
}
