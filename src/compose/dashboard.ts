/**
 * The dashboard's parts of the composition root: where its assets are, how a pasted token is
 * checked, and the one-time login link.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { issueLoginCode, type DashboardLoginDeps, type TokenVerifier } from '../usecases/dashboard-login.js'

/** src/dashboard (the page modules, served as they are); from dist/ the package's src/dashboard. */
export const DASHBOARD_ASSETS_DIR = ((): string => {
  const beside = fileURLToPath(new URL('../dashboard/', import.meta.url))
  return existsSync(beside) ? beside : fileURLToPath(new URL('../../src/dashboard/', import.meta.url))
})()
/** uPlot's dist folder in node_modules (a runtime dependency: the dashboard's charts). */
export const UPLOT_DIR = dirname(createRequire(import.meta.url).resolve('uplot'))

/** A pasted dashboard token: ADMIN_TOKEN (compared in constant time over digests) or a live token. */
export function tokenVerifierOf (adminToken: string | undefined, verify: (token: string) => Promise<{ id: string, scope: 'read' | 'write' } | undefined>): TokenVerifier {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest()
  return async (token) => {
    if (adminToken !== undefined && timingSafeEqual(digest(token), digest(adminToken))) return { tokenId: 'env', scope: 'write' }
    const found = await verify(token)
    return found === undefined ? undefined : { tokenId: found.id, scope: found.scope }
  }
}

/** A one-time dashboard login link (DESIGN.md: 15 minutes, the scope of whoever asked). */
export async function dashboardLoginLink (login: DashboardLoginDeps, publicUrl: string, input: { scope: 'read' | 'write', issuedBy: string, tokenId?: string }): Promise<string> {
  const { code } = await issueLoginCode(login, input)
  return `${publicUrl.replace(/\/+$/, '')}/login?code=${code}`
}
