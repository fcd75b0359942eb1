/**
 * The merchant's admin chat (`ADMIN_CHAT_ID`) and its upgrade to a supergroup. When a basic
 * group becomes a supergroup its id changes: Telegram answers sends to the old id with 400 and
 * `parameters.migrate_to_chat_id`, and posts a service message with `migrate_to_chat_id` in the
 * old group. Either way the new id is stored in the key-value store (shared by every instance,
 * kept without expiry) and used from then on; the failed send is retried once to the new id
 * (specs/telegram.md §3 and checklist 15). The merchant is told, in the log, to update
 * `ADMIN_CHAT_ID`.
 */
import { GrammyError } from 'grammy'
import type { KeyValue } from '../../usecases/ports-kv.js'

export interface AdminChat {
  /** `ADMIN_CHAT_ID` as configured; undefined when none is. */
  readonly configured: number | undefined
  /** The id to write to: the configured one, or the supergroup it became. */
  current(): Promise<number | undefined>
  /** True for the admin chat under its current or its configured id. */
  isAdminChat(chatId: number): Promise<boolean>
  /** Records that the admin chat `from` became the supergroup `to` (ignored for any other chat). */
  migrated(from: number, to: number): Promise<void>
  /**
   * Runs a send against the admin chat; on 400 with `migrate_to_chat_id` the new id is stored and
   * the send runs once more against it. Resolves undefined when no admin chat is configured.
   */
  send<T>(work: (chatId: number) => Promise<T>): Promise<T | undefined>
}

export interface AdminChatOptions {
  adminChatId: number | undefined
  kv: Pick<KeyValue, 'keys' | 'getJson' | 'setJson'>
  logger: { warn(obj: object, msg: string): void }
}

/** The new chat id a failed Bot API call names, if it failed because the group was upgraded. */
export function migratedChatId (err: unknown): number | undefined {
  return err instanceof GrammyError ? err.parameters.migrate_to_chat_id : undefined
}

export function createAdminChat (options: AdminChatOptions): AdminChat {
  const { adminChatId: configured, kv, logger } = options
  const key = configured === undefined ? undefined : kv.keys.key('tg', 'admin-chat', configured)
  let known: number | undefined = configured

  /** The stored id, when the store answers (another instance may have followed a migration). */
  const refresh = async (): Promise<number | undefined> => {
    if (key === undefined) return undefined
    try {
      const stored = await kv.getJson<number>(key)
      if (typeof stored === 'number' && Number.isSafeInteger(stored)) known = stored
    } catch {
      // the store is down: keep what this instance knows
    }
    return known
  }

  const migrated = async (from: number, to: number): Promise<void> => {
    if (configured === undefined || (from !== configured && from !== known) || !Number.isSafeInteger(to)) return
    if (known !== to) logger.warn({ module: 'admin-chat', from, to }, 'ADMIN_CHAT_ID became a supergroup; following it (set ADMIN_CHAT_ID to the new id)')
    known = to
    if (key === undefined) return
    try {
      await kv.setJson(key, to)
    } catch {
      // followed in this instance; the next failed send or service message stores it again
    }
  }

  // the stored id is read once per process; later migrations update `known` directly
  let loaded: Promise<unknown> | undefined
  const current = async (): Promise<number | undefined> => {
    await (loaded ??= refresh())
    return known
  }

  return {
    configured,
    current,
    async isAdminChat (chatId) {
      if (configured === undefined || chatId > 0) return false
      if (chatId === configured || chatId === await current()) return true
      return chatId === await refresh()
    },
    migrated,
    async send (work) {
      const chatId = await current()
      if (chatId === undefined) return undefined
      try {
        return await work(chatId)
      } catch (err) {
        const to = migratedChatId(err)
        if (to === undefined) throw err
        await migrated(chatId, to)
        return await work(to)
      }
    }
  }
}
