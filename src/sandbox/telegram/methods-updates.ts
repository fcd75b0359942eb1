import { badRequest, conflict } from './api-error.js'
import { Described, type MethodHandler } from './core.js'
import { optBool, optInt, optJson, optString, reqString, type Params } from './params.js'

const SECRET = /^[A-Za-z0-9_-]{1,256}$/

function allowedUpdates (params: Params): string[] | undefined {
  const value = optJson(params, 'allowed_updates')
  if (value === undefined) return undefined
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw badRequest("can't parse allowed updates JSON object")
  }
  return value as string[]
}

const getMe: MethodHandler = (core) => ({
  ...core.bot,
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false
})

const getUpdates: MethodHandler = async (core, params, signal) => {
  if (core.pusher.config !== undefined) {
    throw conflict("can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
  }
  const limit = Math.min(100, Math.max(1, optInt(params, 'limit') ?? 100))
  const timeout = Math.max(0, optInt(params, 'timeout') ?? 0)
  const allowed = allowedUpdates(params)
  if (allowed !== undefined) core.queue.allowedUpdates = allowed
  return await core.queue.poll(optInt(params, 'offset'), limit, timeout * 1000, signal)
}

const setWebhook: MethodHandler = (core, params) => {
  const url = reqString(params, 'url')
  const allowed = allowedUpdates(params)
  if (allowed !== undefined) core.queue.allowedUpdates = allowed
  if (optBool(params, 'drop_pending_updates') === true) core.queue.dropAll()
  if (url === '') {
    const had = core.pusher.config !== undefined
    core.pusher.set(undefined)
    return new Described(true, had ? 'Webhook was deleted' : 'Webhook is already deleted')
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw badRequest('bad webhook: Failed to resolve host: Name or service not known')
  }
  // Real Telegram demands HTTPS on ports 443/80/88/8443; the emulator also takes loopback http.
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw badRequest('bad webhook: An HTTPS URL must be provided for webhook')
  }
  const secret = optString(params, 'secret_token')
  if (secret !== undefined && !SECRET.test(secret)) throw badRequest('secret token contains unallowed characters')
  const maxConnections = optInt(params, 'max_connections')
  const same = core.pusher.config?.url === url
  core.queue.cancelPoll(conflict("can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"))
  core.pusher.set({
    url,
    ...(secret !== undefined ? { secretToken: secret } : {}),
    ...(maxConnections !== undefined ? { maxConnections: Math.min(100, Math.max(1, maxConnections)) } : {})
  })
  return new Described(true, same ? 'Webhook is already set' : 'Webhook was set')
}

const deleteWebhook: MethodHandler = (core, params) => {
  if (optBool(params, 'drop_pending_updates') === true) core.queue.dropAll()
  const had = core.pusher.config !== undefined
  core.pusher.set(undefined)
  return new Described(true, had ? 'Webhook was deleted' : 'Webhook is already deleted')
}

const getWebhookInfo: MethodHandler = (core) => {
  const config = core.pusher.config
  const info: Record<string, unknown> = {
    url: config?.url ?? '',
    has_custom_certificate: false,
    pending_update_count: core.queue.pending().length
  }
  if (config !== undefined) {
    info.max_connections = config.maxConnections ?? 40
    info.ip_address = '127.0.0.1'
    if (core.queue.allowedUpdates !== undefined) info.allowed_updates = core.queue.allowedUpdates
  }
  if (core.pusher.lastErrorDate !== undefined) {
    info.last_error_date = core.pusher.lastErrorDate
    info.last_error_message = core.pusher.lastErrorMessage
  }
  return info
}

const SCOPES = new Set(['default', 'all_private_chats', 'all_group_chats', 'all_chat_administrators', 'chat', 'chat_administrators', 'chat_member'])

/** Storage key of a command list: scope (with its chat/user) + language. */
export function commandsKey (params: Params): string {
  const scope = (optJson(params, 'scope') ?? { type: 'default' }) as { type?: string, chat_id?: unknown, user_id?: unknown }
  if (typeof scope !== 'object' || scope === null || !SCOPES.has(String(scope.type))) throw badRequest('BOT_COMMAND_SCOPE_INVALID')
  const language = optString(params, 'language_code') ?? ''
  if (language !== '' && !/^[a-z]{2}$/.test(language)) throw badRequest('LANG_CODE_INVALID')
  return JSON.stringify([scope.type, scope.chat_id ?? null, scope.user_id ?? null, language])
}

const setMyCommands: MethodHandler = (core, params) => {
  const commands = optJson(params, 'commands')
  if (!Array.isArray(commands)) throw badRequest('parameter "commands" is required')
  if (commands.length > 100) throw badRequest('BOT_COMMANDS_TOO_MUCH')
  const clean = commands.map((c: unknown) => {
    const { command, description } = (c ?? {}) as { command?: unknown, description?: unknown }
    if (typeof command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(command)) throw badRequest('BOT_COMMAND_INVALID')
    if (typeof description !== 'string' || description.length < 1 || description.length > 256) {
      throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID')
    }
    return { command, description }
  })
  core.state.commands.set(commandsKey(params), clean)
  return true
}

const getMyCommands: MethodHandler = (core, params) => core.state.commands.get(commandsKey(params)) ?? []

const deleteMyCommands: MethodHandler = (core, params) => {
  core.state.commands.delete(commandsKey(params))
  return true
}

export const updateMethods: Record<string, MethodHandler> = {
  getMe, getUpdates, setWebhook, deleteWebhook, getWebhookInfo, setMyCommands, getMyCommands, deleteMyCommands
}
