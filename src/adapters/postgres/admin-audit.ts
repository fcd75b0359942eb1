/**
 * The {@link AuditLog} over PostgreSQL/PGlite: the `admin_audit` table.
 *
 * @example
 * const audit = createAdminAudit(database.db)
 * await audit.list({ type: 'product', id: 'prd_…' }, { limit: 50 })
 */
import { and, desc, eq, lt } from 'drizzle-orm'
import type { AuditLog } from '../../usecases/ports-catalog.js'
import type { Db } from './database.js'
import { adminAudit } from './schema.js'

export function createAdminAudit (db: Db): AuditLog {
  return {
    async record (entry) {
      await db.insert(adminAudit).values({
        at: new Date(entry.at),
        actor: entry.actor,
        method: entry.method,
        route: entry.route,
        targetType: entry.targetType,
        targetId: entry.targetId,
        action: entry.action,
        summary: entry.summary
      })
    },
    async list (target, input) {
      const conditions = [eq(adminAudit.targetType, target.type), eq(adminAudit.targetId, target.id)]
      if (input.before !== undefined) conditions.push(lt(adminAudit.id, input.before))
      const rows = await db.select().from(adminAudit).where(and(...conditions)).orderBy(desc(adminAudit.id)).limit(input.limit)
      return rows.map((r) => ({
        seq: r.id,
        at: r.at.getTime(),
        actor: r.actor,
        method: r.method,
        route: r.route,
        targetType: r.targetType as typeof target.type,
        targetId: r.targetId,
        action: r.action,
        summary: r.summary
      }))
    }
  }
}
