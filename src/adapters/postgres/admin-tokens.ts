/**
 * Admin API tokens: created by `bozor token create`, shown once, stored as a SHA-256 hash.
 * Verification hashes the presented token and looks the hash up (the hash comparison happens in
 * the index, so no token text is ever compared character by character).
 *
 * @example
 * const { id, token } = await createAdminToken(db, { name: 'ci', scope: 'write' })
 * const found = await verifyAdminToken(db, token) // { id, name, scope } or undefined
 */
import { createHash, randomBytes } from 'node:crypto'
import { and, asc, eq, isNull } from 'drizzle-orm'
import type { Db } from './database.js'
import { adminToken } from './schema.js'

export type TokenScope = 'read' | 'write'
export interface AdminTokenInfo { id: string, name: string, scope: TokenScope }

export function hashToken (token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export async function createAdminToken (db: Db, input: { name: string, scope: TokenScope }): Promise<AdminTokenInfo & { token: string }> {
  const id = `tok_${randomBytes(8).toString('hex')}`
  const token = `bzr_${randomBytes(24).toString('base64url')}`
  await db.insert(adminToken).values({ id, name: input.name, scope: input.scope, tokenHash: hashToken(token) })
  return { id, name: input.name, scope: input.scope, token }
}

/** Marks the token revoked; false when no live token has that id. */
export async function revokeAdminToken (db: Db, id: string): Promise<boolean> {
  const rows = await db.update(adminToken).set({ revokedAt: new Date() })
    .where(and(eq(adminToken.id, id), isNull(adminToken.revokedAt))).returning({ id: adminToken.id })
  return rows.length > 0
}

/** The live token matching `token`, or undefined (unknown or revoked). */
export async function verifyAdminToken (db: Db, token: string): Promise<AdminTokenInfo | undefined> {
  const rows = await db.select({ id: adminToken.id, name: adminToken.name, scope: adminToken.scope })
    .from(adminToken)
    .where(and(eq(adminToken.tokenHash, hashToken(token)), isNull(adminToken.revokedAt)))
    .limit(1)
  return rows[0]
}

/** A token as listed (never its secret or hash). */
export interface AdminTokenListing extends AdminTokenInfo { createdAt: number, lastUsedAt: number | null }

/** The live tokens, oldest first. */
export async function listAdminTokens (db: Db): Promise<AdminTokenListing[]> {
  const rows = await db.select({ id: adminToken.id, name: adminToken.name, scope: adminToken.scope, createdAt: adminToken.createdAt, lastUsedAt: adminToken.lastUsedAt })
    .from(adminToken).where(isNull(adminToken.revokedAt)).orderBy(asc(adminToken.createdAt), asc(adminToken.id))
  return rows.map((r) => ({ id: r.id, name: r.name, scope: r.scope, createdAt: r.createdAt.getTime(), lastUsedAt: r.lastUsedAt?.getTime() ?? null }))
}
