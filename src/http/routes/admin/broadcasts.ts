/**
 * Broadcasts of the admin API (DESIGN.md "Broadcasts"): `POST /broadcasts` (201), `POST
 * /broadcasts/preview` (the audience's size; one copy to `testTo`), `GET /broadcasts` (newest
 * first), `GET /broadcasts/:id`, `POST /broadcasts/:id/pause | resume | cancel` and `POST
 * /broadcasts/:id/resend-uncertain` (the copies in flight at a crash sent again, decision 0065).
 */
import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import type { Clock } from '../../../domain/shared/clock.js'
import type { Language } from '../../../domain/shared/language.js'
import type { BroadcastSender, BroadcastStore, BroadcastView } from '../../../usecases/broadcasts/ports.js'
import { changeBroadcastState, createBroadcast, getBroadcast, listBroadcasts, previewBroadcast, resendUncertain, type BroadcastRequest } from '../../../usecases/broadcasts/manage-broadcasts.js'
import { ADMIN_PROBLEMS, List, ListQuery } from '../../schemas/admin.js'
import { Broadcast, BroadcastCreateBody, BroadcastParams, BroadcastPreview, BroadcastPreviewBody } from '../../schemas/broadcasts.js'

export interface BroadcastRoutesOptions {
  store: BroadcastStore
  /** The bot's sender (test copies); without a bot `testTo` answers 503. */
  sender?: BroadcastSender
  clock: Clock
  defaultLanguage: Language
}

export function renderBroadcast (b: BroadcastView): Static<typeof Broadcast> {
  const iso = (ms: number): string => new Date(ms).toISOString()
  return {
    id: b.id,
    state: b.state,
    text: b.content.text,
    ...(b.content.photo !== undefined ? { photo: b.content.photo } : {}),
    ...(b.content.button !== undefined ? { button: b.content.button } : {}),
    audience: b.audience as Static<typeof Broadcast>['audience'],
    ...(b.sendAt !== undefined ? { sendAt: iso(b.sendAt) } : {}),
    counts: b.counts,
    createdAt: iso(b.createdAt),
    ...(b.startedAt !== undefined ? { startedAt: iso(b.startedAt) } : {}),
    ...(b.finishedAt !== undefined ? { finishedAt: iso(b.finishedAt) } : {})
  }
}

function requestOf (body: Static<typeof BroadcastCreateBody>): BroadcastRequest {
  return {
    text: body.text,
    ...(body.photo !== undefined ? { photo: body.photo } : {}),
    ...(body.button !== undefined ? { button: body.button } : {}),
    audience: body.audience,
    ...(body.sendAt !== undefined ? { sendAt: Date.parse(body.sendAt) } : {})
  }
}

export async function broadcastRoutes (app: FastifyInstance, options: BroadcastRoutesOptions): Promise<void> {
  const deps = () => ({ store: options.store, now: options.clock.now() })
  const idOf = (params: unknown): string => (params as Static<typeof BroadcastParams>).id

  app.post('/broadcasts', {
    schema: { operationId: 'createBroadcast', tags: ['broadcasts'], summary: 'Create a broadcast: sent now, or at sendAt, to the audience at that time', body: BroadcastCreateBody, response: { 201: Broadcast, ...ADMIN_PROBLEMS } },
    config: { audit: { target: 'broadcast', action: 'broadcast.created' } }
  }, async (request, reply) => {
    const view = await createBroadcast(deps(), requestOf(request.body as Static<typeof BroadcastCreateBody>))
    return reply.code(201).send(renderBroadcast(view))
  })

  app.post('/broadcasts/preview', {
    schema: { operationId: 'previewBroadcast', tags: ['broadcasts'], summary: 'Count a broadcast\'s recipients now, and send one copy to testTo', body: BroadcastPreviewBody, response: { 200: BroadcastPreview, ...ADMIN_PROBLEMS } }
  }, async (request) => {
    const body = request.body as Static<typeof BroadcastPreviewBody>
    return await previewBroadcast({ ...deps(), defaultLanguage: options.defaultLanguage, ...(options.sender !== undefined ? { sender: options.sender } : {}) },
      { ...requestOf(body), ...(body.testTo !== undefined ? { testTo: body.testTo } : {}) })
  })

  app.get('/broadcasts', {
    schema: { operationId: 'listBroadcasts', tags: ['broadcasts'], summary: 'List broadcasts, newest first, with their progress', querystring: ListQuery, response: { 200: List(Broadcast), ...ADMIN_PROBLEMS } }
  }, async (request) => {
    const query = request.query as Static<typeof ListQuery>
    const page = await listBroadcasts(deps(), query)
    return { items: page.items.map(renderBroadcast), nextCursor: page.nextCursor }
  })

  app.get('/broadcasts/:id', {
    schema: { operationId: 'getBroadcast', tags: ['broadcasts'], summary: 'A broadcast with its progress counts', params: BroadcastParams, response: { 200: Broadcast, ...ADMIN_PROBLEMS } }
  }, async (request) => renderBroadcast(await getBroadcast(deps(), idOf(request.params))))

  for (const action of ['pause', 'resume', 'cancel'] as const) {
    app.post(`/broadcasts/:id/${action}`, {
      schema: { operationId: `${action}Broadcast`, tags: ['broadcasts'], summary: { pause: 'Pause a scheduled or sending broadcast', resume: 'Resume a paused broadcast', cancel: 'Cancel a broadcast: nothing more is sent' }[action], params: BroadcastParams, response: { 200: Broadcast, ...ADMIN_PROBLEMS } },
      config: { audit: { target: 'broadcast', action: { pause: 'broadcast.paused', resume: 'broadcast.resumed', cancel: 'broadcast.cancelled' }[action] } }
    }, async (request) => renderBroadcast(await changeBroadcastState(deps(), idOf(request.params), action)))
  }

  app.post('/broadcasts/:id/resend-uncertain', {
    schema: { operationId: 'resendUncertainBroadcast', tags: ['broadcasts'], summary: 'Send the uncertain copies again (in flight when a worker stopped: some may have arrived, so those customers may get it twice)', params: BroadcastParams, response: { 200: Broadcast, ...ADMIN_PROBLEMS } },
    config: { audit: { target: 'broadcast', action: 'broadcast.uncertain_resent' } }
  }, async (request) => renderBroadcast(await resendUncertain(deps(), idOf(request.params))))
}
