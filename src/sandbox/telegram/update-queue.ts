import type { Clock } from '../../domain/shared/clock.js'
import { conflict, type TelegramApiError } from './api-error.js'
import type { TelegramLimits, TgUpdate } from './types.js'

export interface QueuedUpdate { update: TgUpdate, createdAt: number }

export type UpdatePayload = Omit<TgUpdate, 'update_id'>

const NOT_BY_DEFAULT = new Set(['chat_member', 'message_reaction', 'message_reaction_count'])

interface Poller { limit: number, finish: (result: TgUpdate[] | TelegramApiError) => void }

/** The type of an update: its one payload field (`message`, `callback_query`, ...). */
export function updateType (update: UpdatePayload): string {
  return Object.keys(update).find((k) => k !== 'update_id') ?? 'unknown'
}

/**
 * The bot's pending updates with increasing `update_id`, served either by `getUpdates`
 * (offset confirms and drops older ones; long polling resolves early on a new update)
 * or by the webhook pusher. Updates older than the retention window are dropped.
 */
export class UpdateQueue {
  readonly #clock: Clock
  readonly #limits: TelegramLimits
  #items: QueuedUpdate[] = []
  #nextId: number
  #poller: Poller | undefined
  /** `undefined` = Telegram's default set; set by setWebhook/getUpdates `allowed_updates`. */
  allowedUpdates: string[] | undefined
  /** Called after every enqueued update (the webhook pusher and event listeners hook in here). */
  onEnqueue: (update: TgUpdate) => void = () => {}
  /** Called when a long poll starts waiting (lets tests act without sleeping). */
  onWait: () => void = () => {}

  constructor (clock: Clock, limits: TelegramLimits, firstUpdateId: number) {
    this.#clock = clock
    this.#limits = limits
    this.#nextId = firstUpdateId
  }

  #allowed (type: string): boolean {
    const list = this.allowedUpdates
    if (list === undefined || list.length === 0) return !NOT_BY_DEFAULT.has(type)
    return list.includes(type)
  }

  /** Enqueues an update; returns it, or undefined when `allowed_updates` filters it out. */
  push (payload: UpdatePayload): TgUpdate | undefined {
    if (!this.#allowed(updateType(payload))) return undefined
    const update = { update_id: this.#nextId++, ...payload } as TgUpdate
    this.#items.push({ update, createdAt: this.#clock.now() })
    if (this.#poller !== undefined) this.#finishPoll(this.#items.slice(0, this.#poller.limit).map((q) => q.update))
    this.onEnqueue(update)
    return update
  }

  /** Pending (unconfirmed, undelivered) updates, oldest first. */
  pending (): QueuedUpdate[] {
    const horizon = this.#clock.now() - this.#limits.updateRetentionMs
    this.#items = this.#items.filter((q) => q.createdAt >= horizon)
    return this.#items
  }

  remove (updateId: number): void {
    this.#items = this.#items.filter((q) => q.update.update_id !== updateId)
  }

  dropAll (): void {
    this.#items = []
  }

  /**
   * getUpdates semantics. Positive `offset` confirms everything below it; negative keeps
   * only the last `-offset` updates. Waits up to `timeoutMs` when nothing is pending; a
   * second concurrent poll ends the first with 409.
   */
  async poll (offset: number | undefined, limit: number, timeoutMs: number, signal?: AbortSignal): Promise<TgUpdate[]> {
    let items = this.pending()
    if (offset !== undefined && offset < 0) items = items.slice(offset)
    else if (offset !== undefined && offset > 0) items = items.filter((q) => q.update.update_id >= offset)
    this.#items = items
    this.cancelPoll(conflict('terminated by other getUpdates request; make sure that only one bot instance is running'))
    if (items.length > 0 || timeoutMs <= 0) return items.slice(0, limit).map((q) => q.update)
    return await new Promise<TgUpdate[]>((resolve, reject) => {
      const onAbort = (): void => { if (this.#poller === poller) this.#finishPoll([]) }
      const timer = setTimeout(() => this.#finishPoll([]), timeoutMs)
      const poller: Poller = {
        limit,
        finish: (result) => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          if (Array.isArray(result)) resolve(result)
          else reject(result)
        }
      }
      this.#poller = poller
      signal?.addEventListener('abort', onAbort)
      this.onWait()
    })
  }

  #finishPoll (result: TgUpdate[] | TelegramApiError): void {
    const poller = this.#poller
    this.#poller = undefined
    poller?.finish(result)
  }

  /** Ends a waiting long poll, with an error (409 when a webhook is set) or an empty list. */
  cancelPoll (error?: TelegramApiError): void {
    if (this.#poller !== undefined) this.#finishPoll(error ?? [])
  }
}
