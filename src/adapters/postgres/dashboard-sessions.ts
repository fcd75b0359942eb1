/**
 * Dashboard login codes and sessions (decision 0040) over `dashboard_login_code` and
 * `dashboard_session`. Secrets are 32 random bytes (base64url); only their SHA-256 is stored, so
 * a lookup compares hashes in the index and a database leak opens no session.
 *
 * @example
 * const store = createDashboardSessionStore(db)
 * const code = await store.createCode({ scope: 'write', tokenId: null, issuedBy: 'cli', expiresAt: Date.now() + 900_000 })
 */
import { createHash, randomBytes } from 'node:crypto'
import { and, eq, gt, isNull, or, sql } from 'drizzle-orm'
import type { Db } from './database.js'
import { adminToken, dashboardLoginCode, dashboardSession } from './schema.js'
import type { DashboardSessionStore } from '../../usecases/dashboard-login.js'

const hashOf = (secret: string): string => createHash('sha256').update(secret).digest('hex')
const newSecret = (): string => randomBytes(32).toString('base64url')

export function createDashboardSessionStore (db: Db): DashboardSessionStore {
  return {
    async createCode (input) {
      const code = newSecret()
      await db.insert(dashboardLoginCode).values({ codeHash: hashOf(code), scope: input.scope, tokenId: input.tokenId, issuedBy: input.issuedBy, expiresAt: new Date(input.expiresAt) })
      return code
    },
    async useCode (code, now) {
      // one UPDATE … RETURNING: two requests racing with the same code cannot both win
      const rows = await db.update(dashboardLoginCode).set({ usedAt: new Date(now) })
        .where(and(eq(dashboardLoginCode.codeHash, hashOf(code)), isNull(dashboardLoginCode.usedAt), gt(dashboardLoginCode.expiresAt, new Date(now))))
        .returning({ scope: dashboardLoginCode.scope, tokenId: dashboardLoginCode.tokenId, issuedBy: dashboardLoginCode.issuedBy })
      const row = rows[0]
      if (row === undefined) return undefined
      if (row.tokenId !== null) {
        const live = await db.select({ id: adminToken.id }).from(adminToken).where(and(eq(adminToken.id, row.tokenId), isNull(adminToken.revokedAt))).limit(1)
        if (live.length === 0) return undefined
      }
      return row
    },
    async createSession (input) {
      const id = newSecret()
      const at = new Date(input.now)
      await db.insert(dashboardSession).values({ idHash: hashOf(id), scope: input.scope, tokenId: input.tokenId, openedBy: input.openedBy, createdAt: at, lastSeenAt: at })
      return id
    },
    async findSession (sessionId, idleSince) {
      const rows = await db.select({ scope: dashboardSession.scope, tokenId: dashboardSession.tokenId, openedBy: dashboardSession.openedBy, lastSeenAt: dashboardSession.lastSeenAt })
        .from(dashboardSession)
        .leftJoin(adminToken, eq(adminToken.id, dashboardSession.tokenId))
        .where(and(
          eq(dashboardSession.idHash, hashOf(sessionId)),
          isNull(dashboardSession.endedAt),
          gt(dashboardSession.lastSeenAt, new Date(idleSince)),
          // a session opened with a token lives only as long as the token
          or(isNull(dashboardSession.tokenId), isNull(adminToken.revokedAt))
        ))
        .limit(1)
      const row = rows[0]
      return row === undefined ? undefined : { scope: row.scope, tokenId: row.tokenId, openedBy: row.openedBy, lastSeenAt: row.lastSeenAt.getTime() }
    },
    async touchSession (sessionId, now) {
      await db.update(dashboardSession).set({ lastSeenAt: sql`greatest(${dashboardSession.lastSeenAt}, ${new Date(now).toISOString()}::timestamptz)` })
        .where(eq(dashboardSession.idHash, hashOf(sessionId)))
    },
    async endSession (sessionId, now) {
      await db.update(dashboardSession).set({ endedAt: new Date(now) })
        .where(and(eq(dashboardSession.idHash, hashOf(sessionId)), isNull(dashboardSession.endedAt)))
    }
  }
}
