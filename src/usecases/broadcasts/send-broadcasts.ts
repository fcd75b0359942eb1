/**
 * The sending side of broadcasts, run by every instance's worker (src/jobs/broadcast-worker.ts):
 * due scheduled broadcasts get their recipients fixed; then batches of recipients are claimed
 * with a lease, each copy is sent in a send slot booked from the pace all instances share
 * (BROADCAST_RATE), and each recipient's outcome is recorded at once, fenced by the lease, so a
 * restart resumes with the unsent ones only (decision 0035).
 *
 * @example
 * const round = await runBroadcastRound(deps, () => stopping)
 */
import type { BroadcastPacer, BroadcastSender, BroadcastStore, ClaimedRecipient, SendResult } from './ports.js'

/** Copies whose intent is written ahead of their slot: a crash leaves at most these, and the copies in flight, `uncertain`. */
export const INTENT_AHEAD = 2

/**
 * A copy that went out late by at most this many send intervals (the event loop was busy) does not
 * move the rest of its batch: the next copies catch up, never closer than half an interval to each
 * other. Later than that is a stall, and the rest of the batch moves with it (decision 0066).
 */
export const CATCH_UP_SLOTS = 4

/**
 * Catching up only while at most this many copies of the worker are unanswered: when answers are
 * slow (a starved server or Telegram, or a high BROADCAST_RATE) a catch-up would pile requests up
 * (timeouts, then copies sent again), so the batch moves instead.
 */
export const CATCH_UP_IN_FLIGHT = 2

/**
 * Copies of one worker unanswered at once, at most: a starved machine (or Telegram) answering
 * slowly makes the worker wait instead of piling requests up until they time out, which would
 * leave their copies `uncertain` (decision 0073). Telegram at 30 a second keeps about ten unanswered.
 */
export const MAX_IN_FLIGHT = 64

/** Sends of one recipient that ended in a network failure (or a 5xx) before it counts as failed; 429s do not count. */
export const MAX_BROADCAST_ATTEMPTS = 5

export interface SendBroadcastsDeps {
  store: BroadcastStore
  sender: BroadcastSender
  pacer: BroadcastPacer
  now(): number
  sleep(ms: number): Promise<void>
  /** This worker's lease owner (`host:pid:random`). */
  owner: string
  leaseMs: number
  /** Recipients claimed at once [about half a second of sends]. */
  batchSize: number
  logger?: { warn(obj: object, msg: string): void, info(obj: object, msg: string): void }
}

export interface RoundResult { started: number, sent: number, other: number }

/**
 * THE point where recipients count as sent (the `broadcast.sent` analytics event belongs here,
 * in the store's same transaction): one statement for every copy Telegram accepted since the
 * last one was written. Answers, per recipient, false when the lease was lost to another worker
 * (which then owns the recipient).
 */
export async function recordRecipientsSent (deps: Pick<SendBroadcastsDeps, 'store' | 'owner'>, recipients: readonly ClaimedRecipient[], now: number): Promise<boolean[]> {
  const recorded = await deps.store.markSent(recipients.map((r) => ({ broadcastId: r.broadcastId, telegramId: r.telegramId })), deps.owner, now)
  return recipients.map((r) => recorded.has(`${r.broadcastId}/${r.telegramId}`))
}

/**
 * Group commit of sent recipients: a copy accepted while a write runs waits for the next one,
 * which takes every copy accepted meanwhile. No copy waits for a timer, so what a crash may
 * repeat is the copies in flight and the one write under way (decision 0035).
 */
function createSentRecorder (deps: SendBroadcastsDeps): (recipient: ClaimedRecipient) => Promise<boolean> {
  let queue: Array<{ recipient: ClaimedRecipient, done: (ok: boolean) => void, fail: (err: unknown) => void }> = []
  let writing = false
  const drain = async (): Promise<void> => {
    writing = true
    while (queue.length > 0) {
      const taken = queue
      queue = []
      try {
        const results = await recordRecipientsSent(deps, taken.map((q) => q.recipient), deps.now())
        taken.forEach((q, i) => q.done(results[i]!))
      } catch (err) {
        for (const q of taken) q.fail(err)
      }
    }
    writing = false
  }
  return (recipient) => new Promise<boolean>((resolve, reject) => {
    queue.push({ recipient, done: resolve, fail: reject })
    if (!writing) drain().catch(() => {})
  })
}

/** Records what Telegram made of one copy. */
async function recordResult (deps: SendBroadcastsDeps, recordSent: (r: ClaimedRecipient) => Promise<boolean>, recipient: ClaimedRecipient, result: SendResult): Promise<boolean> {
  const now = deps.now()
  const key = { broadcastId: recipient.broadcastId, telegramId: recipient.telegramId }
  switch (result.kind) {
    case 'sent':
      return await recordSent(recipient)
    case 'blocked':
    case 'failed':
    case 'uncertain':
      await deps.store.markOutcome(key, deps.owner, result, now)
      return false
    case 'retry': {
      // a 429 is the whole bot's limit, not the recipient's fault: every instance waits it out
      const tooMany = result.error.startsWith('429')
      if (tooMany) await deps.pacer.holdFor(result.afterMs)
      await deps.store.markOutcome(key, deps.owner, !tooMany && recipient.attempts + 1 >= MAX_BROADCAST_ATTEMPTS ? { kind: 'failed', error: result.error } : result, now)
      return false
    }
  }
}

/**
 * Telegram's own count, kept by this worker: a send may start only a second after the answer to
 * the send `rate` copies before it. Telegram stamps a copy somewhere between our send and its
 * answer, so no second of Telegram's clock ever holds more than `rate` of our copies, whatever
 * the network or a busy CPU does to the spacing (decision 0060).
 */
export function createAnswerWindow (rate: number, now: () => number): { ready(): Promise<number>, track<T>(sent: Promise<T>): Promise<T>, share(workers: number): void } {
  const capacity = Math.max(1, Math.floor(rate))
  let size = capacity
  const answers: Array<Promise<number>> = []
  let index = 0
  return {
    /** Answers how long to wait (ms) before the next copy may start. */
    async ready () {
      const earlier = index >= size ? answers[(index - size) % capacity] : undefined
      if (earlier === undefined) return 0
      return Math.max(0, await earlier + 1001 - now())
    },
    track (sent) {
      answers[index % capacity] = sent.then(() => now(), () => now())
      index++
      return sent
    },
    /**
     * `workers` instances send at once (decision 0066): each keeps to its share of Telegram's
     * count, so together they never exceed it whatever their clocks and networks do.
     */
    share (workers) {
      size = Math.max(1, Math.floor(capacity / Math.max(1, workers)))
    }
  }
}

/**
 * Dispatches one claimed batch, each copy in its booked slot; resolves once the last copy has
 * gone out (not answered), with a promise per copy that settles when its outcome is recorded.
 * Before each copy its intent is recorded (`markSending`), which also stops it when the broadcast
 * was paused or cancelled meanwhile: pause and cancel take effect from the next copy.
 */
async function dispatchBatch (deps: SendBroadcastsDeps, pace: DispatchPace, recordSent: (r: ClaimedRecipient) => Promise<boolean>, batch: ClaimedRecipient[], shouldStop: () => boolean): Promise<Array<Promise<boolean>>> {
  const reachable: ClaimedRecipient[] = []
  for (const recipient of batch) {
    if (recipient.reachable) reachable.push(recipient)
    else await deps.store.markOutcome(recipient, deps.owner, { kind: 'skipped' }, deps.now())
  }
  if (reachable.length === 0) return []
  const booked = deps.now()
  const firstMs = await deps.pacer.reserve(reachable.length)
  const sends: Array<Promise<boolean>> = []
  const stopped = new Set<string>()
  // the intent first (a crash after it leaves the recipient `uncertain`, never sent twice), written
  // INTENT_AHEAD copies ahead so a slow write never delays a slot; a paused or cancelled broadcast
  // answers false and the rest of its batch stays pending
  let shiftMs = 0
  const intents = new Map<number, Promise<boolean>>()
  const intentOf = (j: number): Promise<boolean> | undefined => {
    const recipient = reachable[j]
    if (recipient === undefined || stopped.has(recipient.broadcastId) || shouldStop()) return undefined
    let intent = intents.get(j)
    if (intent === undefined) {
      intent = deps.store.markSending(recipient, deps.owner)
      intent.catch(() => {})
      intents.set(j, intent)
    }
    return intent
  }
  for (let i = 0; i < reachable.length; i++) {
    const recipient = reachable[i]!
    if (stopped.has(recipient.broadcastId)) continue
    // a stopping worker sends nothing more: the rest are released and sent after the restart
    if (shouldStop()) break
    for (let j = i + 1; j <= i + INTENT_AHEAD; j++) intentOf(j)
    if (await intentOf(i) !== true) { stopped.add(recipient.broadcastId); continue }
    // the booked slot, and never past Telegram's count (the answer window). A copy a little late
    // (the event loop was busy) lets the next ones catch up, never closer than half an interval:
    // slots are not lost to a loaded machine. A stall (later than CATCH_UP_SLOTS intervals) moves
    // the rest of the batch with it, so it never turns into a burst of requests
    while (pace.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => pace.waiting.push(resolve))
    const due = booked + firstMs + i * deps.pacer.intervalMs + shiftMs
    const wait = Math.max(Math.max(due, pace.lastSent + deps.pacer.intervalMs / 2) - deps.now(), await pace.window.ready())
    if (wait > 0) await deps.sleep(wait)
    const late = deps.now() - due
    pace.lastSent = deps.now()
    if (late > deps.pacer.intervalMs / 2 && (late > CATCH_UP_SLOTS * deps.pacer.intervalMs || pace.inFlight > CATCH_UP_IN_FLIGHT)) shiftMs += late
    pace.inFlight++
    sends.push((async () => {
      const result = await pace.window.track(deps.sender.send(recipient.telegramId, recipient.content, recipient.language)).finally(() => { pace.inFlight--; pace.waiting.shift()?.() })
      return await recordResult(deps, recordSent, recipient, result)
    })().catch((err: unknown) => {
      // the outcome could not be recorded (database down): the lease lapses and the recipient is
      // marked uncertain (its copy may have gone out), not sent again
      deps.logger?.warn({ module: 'broadcasts', err, broadcastId: recipient.broadcastId }, 'could not record a broadcast recipient')
      return false
    }))
    intents.delete(i)
  }
  // intents written ahead for copies a stopping worker did not send: back to pending, not uncertain
  for (const [j, intent] of intents) {
    if (await intent.catch(() => false)) await deps.store.unmarkSending(reachable[j]!, deps.owner)
  }
  return sends
}

/** A worker's pace across its batches: Telegram's count of its copies, when its last copy went, how many are unanswered (and who waits for one). */
interface DispatchPace { window: ReturnType<typeof createAnswerWindow>, lastSent: number, inFlight: number, waiting: Array<() => void> }

/**
 * One round: start what is due, then claim and send batches until none is left or `shouldStop`.
 * The next batch is claimed while one is dispatched, so the booked slots follow each other with
 * no gap; leases are renewed while the round runs (429 waits can be long), and what is left
 * unsent is released once every copy in flight is recorded.
 */
export async function runBroadcastRound (deps: SendBroadcastsDeps, shouldStop: () => boolean): Promise<RoundResult> {
  const result: RoundResult = { started: await deps.store.startDue(deps.now()), sent: 0, other: 0 }
  if (result.started > 0) deps.logger?.info({ module: 'broadcasts', started: result.started }, 'broadcast sending started')
  const claim = (): Promise<ClaimedRecipient[]> => deps.store.claim({ owner: deps.owner, now: deps.now(), leaseMs: deps.leaseMs, limit: deps.batchSize })
  const recordSent = createSentRecorder(deps)
  const pace: DispatchPace = { window: createAnswerWindow(deps.pacer.rate, deps.now), lastSent: -Infinity, inFlight: 0, waiting: [] }
  const outcomes: Array<Promise<boolean>> = []
  const renew = setInterval(() => {
    deps.store.renew(deps.owner, deps.now(), deps.leaseMs).catch(() => {})
  }, Math.max(1000, Math.floor(deps.leaseMs / 4)))
  try {
    let next = shouldStop() ? Promise.resolve([]) : claim()
    for (;;) {
      const batch = await next
      if (batch.length === 0 || shouldStop()) break
      pace.window.share(await deps.store.activeWorkers(deps.now()))
      next = claim()
      next.catch(() => {})
      outcomes.push(...await dispatchBatch(deps, pace, recordSent, batch, shouldStop))
      result.other += batch.length
    }
    await next.catch(() => [])
  } finally {
    const sent = (await Promise.all(outcomes)).filter(Boolean).length
    result.sent += sent
    result.other -= sent
    clearInterval(renew)
    await deps.store.release(deps.owner)
  }
  const finished = await deps.store.finish(deps.now())
  if (finished > 0) deps.logger?.info({ module: 'broadcasts', finished }, 'broadcast done')
  return result
}
