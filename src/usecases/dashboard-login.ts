/**
 * Dashboard login (DESIGN.md "Dashboard", decision 0040): a one-time code (15 minutes, used
 * once, carrying the scope of whoever asked) or a pasted admin token opens a session kept in the
 * database, 7 days idle. The session id is the cookie's secret; the CSRF token the dashboard
 * sends on every change is derived from it. A session opened with a token ends when the token
 * is revoked.
 *
 * @example
 * const { code } = await issueLoginCode({ store, clock }, { scope: 'write', issuedBy: 'cli' })
 * const opened = await loginWithCode({ store, clock }, code)   // { sessionId, scope } or an ERR_AUTH error
 */
import { DomainError, validationError } from '../domain/shared/errors.js'
import type { Clock } from '../domain/shared/clock.js'
import type { TokenScope } from './admin-tokens.js'

/** How long a one-time login code is valid. */
export const LOGIN_CODE_TTL_MS = 15 * 60 * 1000
/** A session ends after this long without a request. */
export const SESSION_IDLE_MS = 7 * 24 * 60 * 60 * 1000
/** A session's last-seen time is written at most this often (not on every request). */
export const SESSION_TOUCH_MS = 60 * 1000
/** Codes and session ids are 43 base64url characters (32 random bytes). */
export const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/

/** A live session as the auth hook sees it. */
export interface DashboardSession { scope: TokenScope, tokenId: string | null, openedBy: string, lastSeenAt: number }

/** Where codes and sessions live (src/adapters/postgres/dashboard-sessions.ts). */
export interface DashboardSessionStore {
  /** Keeps a new code; returns its secret (only a hash is stored). */
  createCode(input: { scope: TokenScope, tokenId: string | null, issuedBy: string, expiresAt: number }): Promise<string>
  /** Marks the code used, once: the code's grant, or undefined for unknown, used or expired ones. */
  useCode(code: string, now: number): Promise<{ scope: TokenScope, tokenId: string | null, issuedBy: string } | undefined>
  /** Keeps a new session; returns its secret id. */
  createSession(input: { scope: TokenScope, tokenId: string | null, openedBy: string, now: number }): Promise<string>
  /** The live session (not ended, seen within the idle limit, its token not revoked), or undefined. */
  findSession(sessionId: string, idleSince: number): Promise<DashboardSession | undefined>
  touchSession(sessionId: string, now: number): Promise<void>
  endSession(sessionId: string, now: number): Promise<void>
}

/** Verifies a pasted admin token: its id and scope, or undefined. */
export type TokenVerifier = (token: string) => Promise<{ tokenId: string, scope: TokenScope } | undefined>

export interface DashboardLoginDeps { store: DashboardSessionStore, clock: Clock }

const loginRefused = (): DomainError => new DomainError('ERR_AUTH', 'This login link or token is not valid: it may be used already, expired (15 minutes) or revoked. Ask for a new one (`bozor login`, the bot\'s /dashboard).', {})

/** Makes a one-time login code for `scope`; `issuedBy` says who asked (`sandbox`, `cli`, `bot:<telegram id>`). */
export async function issueLoginCode (deps: DashboardLoginDeps, input: { scope: string, tokenId?: string, issuedBy: string }): Promise<{ code: string, expiresAt: number }> {
  if (input.scope !== 'read' && input.scope !== 'write') throw validationError([{ field: 'scope', message: 'must be read or write' }])
  const expiresAt = deps.clock.now() + LOGIN_CODE_TTL_MS
  const code = await deps.store.createCode({ scope: input.scope, tokenId: input.tokenId ?? null, issuedBy: input.issuedBy, expiresAt })
  return { code, expiresAt }
}

/** Opens a session with a one-time code; `ERR_AUTH` when it is malformed, unknown, used or expired. */
export async function loginWithCode (deps: DashboardLoginDeps, code: string): Promise<{ sessionId: string, scope: TokenScope }> {
  if (!SECRET_PATTERN.test(code)) throw loginRefused()
  const now = deps.clock.now()
  const grant = await deps.store.useCode(code, now)
  if (grant === undefined) throw loginRefused()
  const sessionId = await deps.store.createSession({ scope: grant.scope, tokenId: grant.tokenId, openedBy: `code:${grant.issuedBy}`, now })
  return { sessionId, scope: grant.scope }
}

/** Opens a session with a pasted admin token; `ERR_AUTH` when it is unknown or revoked. */
export async function loginWithToken (deps: DashboardLoginDeps & { verify: TokenVerifier }, token: string): Promise<{ sessionId: string, scope: TokenScope }> {
  const found = await deps.verify(token)
  if (found === undefined) throw loginRefused()
  const tokenId = found.tokenId === 'env' ? null : found.tokenId
  const sessionId = await deps.store.createSession({ scope: found.scope, tokenId, openedBy: `token:${found.tokenId}`, now: deps.clock.now() })
  return { sessionId, scope: found.scope }
}

/** The live session behind a cookie, its last-seen time moved on (at most once a minute); undefined when it has ended. */
export async function resumeSession (deps: DashboardLoginDeps, sessionId: string): Promise<DashboardSession | undefined> {
  if (!SECRET_PATTERN.test(sessionId)) return undefined
  const now = deps.clock.now()
  const session = await deps.store.findSession(sessionId, now - SESSION_IDLE_MS)
  if (session === undefined) return undefined
  if (now - session.lastSeenAt >= SESSION_TOUCH_MS) await deps.store.touchSession(sessionId, now)
  return session
}

/** Ends a session (logout); ending an unknown or ended one does nothing. */
export async function logout (deps: DashboardLoginDeps, sessionId: string): Promise<void> {
  if (!SECRET_PATTERN.test(sessionId)) return
  await deps.store.endSession(sessionId, deps.clock.now())
}
