/**
 * Sandbox mode (no BOT_TOKEN; DESIGN.md "The sandbox (contract)"), part of the composition root:
 * the Bot API and Stripe emulators in process, sandbox credentials for every provider whose
 * variables are unset (a provider whose variables are set stays the real one), the demo catalog
 * on an empty catalog, a write admin token kept in DATA_DIR, and the start banner. Only
 * `compose.ts` uses this.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from '../config.js'
import type { Logger } from '../logger.js'
import type { Clock } from '../domain/shared/clock.js'
import type { Db } from '../adapters/postgres/database.js'
import { createAdminToken, verifyAdminToken } from '../adapters/postgres/admin-tokens.js'
import { addMissingCatalogRows, listProductRows } from '../adapters/postgres/catalog-store.js'
import type { createCache } from '../adapters/redis/cache.js'
import { DEMO_CATEGORIES, DEMO_PRODUCTS } from '../sandbox/demo-seed.js'
import { OffsetClock } from '../sandbox/offset-clock.js'
import { createStripeEmulator, type StripeEmulator } from '../sandbox/stripe/index.js'
import { createTelegramEmulator, type TelegramEmulator } from '../sandbox/telegram/index.js'
import { seedCatalog } from '../usecases/seed-catalog.js'

/** Where the simulated checkouts live, under PUBLIC_URL. */
export const SANDBOX_PATHS = { payme: '/sandbox/pay/payme', click: '/sandbox/pay/click', stripe: '/sandbox/stripe' } as const

/** The file in DATA_DIR that keeps the sandbox's write admin token between starts. */
export const SANDBOX_TOKEN_FILE = 'sandbox-admin-token'

/** The emulators of a sandbox start, and the configuration they fill in. */
export interface SandboxEmulators {
  /** `config` with sandbox credentials for each provider whose variables are unset. */
  config: Config
  /** The offset clock every part of the sandbox runs on (`POST /sandbox/api/clock`). */
  clock: OffsetClock
  telegram: TelegramEmulator
  /** The Stripe emulator, when Stripe is simulated (STRIPE_* unset). */
  stripe?: StripeEmulator
  /** Which providers are simulated (the others, if configured, are real). */
  simulated: { payme: boolean, click: boolean, stripe: boolean }
  close(): Promise<void>
}

const secret = (bytes = 18): string => randomBytes(bytes).toString('base64url')

/**
 * Starts the Bot API and (unless Stripe is configured) the Stripe emulator on loopback, and fills
 * in sandbox credentials. The secrets are made anew at each start: only this process's
 * simulators sign with them.
 */
export async function startSandboxEmulators (config: Config, base: Clock): Promise<SandboxEmulators> {
  const clock = new OffsetClock(base)
  const publicUrl = config.server.publicUrl.replace(/\/+$/, '')
  const telegram = createTelegramEmulator({ clock })
  let stripe: StripeEmulator | undefined
  try {
    await telegram.start({ host: '127.0.0.1', port: 0 })
    let stripeConfig = config.stripe
    if (stripeConfig === undefined) {
      stripe = createStripeEmulator({
        clock,
        secretKey: `sk_test_sandbox_${secret()}`,
        webhookSecret: `whsec_sandbox_${secret()}`,
        publicBaseUrl: `${publicUrl}${SANDBOX_PATHS.stripe}`,
        basePath: SANDBOX_PATHS.stripe,
        seed: Number.parseInt(randomBytes(4).toString('hex'), 16)
      })
      const address = await stripe.start({ host: '127.0.0.1', port: 0 })
      stripeConfig = { secretKey: stripe.secretKey, webhookSecret: stripe.webhookSecret, apiBase: { protocol: 'http', host: address.host, port: address.port } }
    }
    const sandboxed: Config = {
      ...config,
      stripe: stripeConfig,
      payme: config.payme ?? { merchantId: randomBytes(12).toString('hex'), key: secret(), checkoutUrl: `${publicUrl}${SANDBOX_PATHS.payme}` },
      click: config.click ?? { serviceId: '10001', merchantId: '20001', secretKey: secret(), checkoutUrl: `${publicUrl}${SANDBOX_PATHS.click}`, apiBase: 'https://api.click.uz/v2/merchant' },
      secrets: config.secrets
    }
    const emulators = { telegram, stripe }
    return {
      config: Object.freeze(sandboxed),
      clock,
      telegram,
      ...(stripe !== undefined ? { stripe } : {}),
      simulated: { payme: config.payme === undefined, click: config.click === undefined, stripe: config.stripe === undefined },
      close: () => closeEmulators(emulators)
    }
  } catch (error) {
    await closeEmulators({ telegram, stripe })
    throw error
  }
}

async function closeEmulators (emulators: { telegram: TelegramEmulator, stripe: StripeEmulator | undefined }): Promise<void> {
  await Promise.allSettled([emulators.telegram.close(), emulators.stripe?.close()])
}

/**
 * The demo catalog on an empty catalog (its fixed ids make a second run add nothing), through the
 * seed use case, which drops the catalog's cache tags as the admin API's product creation does. Returns how many
 * products were added.
 */
export async function seedSandboxCatalog (db: Db, cache: Pick<ReturnType<typeof createCache>, 'invalidateTag'>): Promise<number> {
  if ((await listProductRows(db, { limit: 1 })).length > 0) return 0
  const added = await seedCatalog({ store: { addMissing: (rows) => addMissingCatalogRows(db, rows) }, cache }, { categories: DEMO_CATEGORIES, products: DEMO_PRODUCTS })
  return added.products
}

/**
 * The sandbox's write admin token: the one kept in `DATA_DIR/sandbox-admin-token` while it is
 * still live in this database, else a new one (written there, mode 0600).
 */
export async function sandboxAdminToken (db: Db, dataDir: string, logger: Logger): Promise<string> {
  const file = join(dataDir, SANDBOX_TOKEN_FILE)
  let kept: string | undefined
  try { kept = readFileSync(file, 'utf8').trim() } catch { /* first start */ }
  if (kept !== undefined && kept !== '' && await verifyAdminToken(db, kept) !== undefined) return kept
  const created = await createAdminToken(db, { name: 'sandbox', scope: 'write' })
  mkdirSync(dataDir, { recursive: true })
  writeFileSync(file, `${created.token}\n`, { mode: 0o600 })
  logger.info({ tokenId: created.id }, 'sandbox: made a write admin token (kept in DATA_DIR)')
  return created.token
}

/**
 * The start banner (DESIGN.md), with only the lines whose pages exist: the chat line once
 * `/sandbox/chat` is served, the dashboard's one-time login link (15 minutes) when given; the Admin API line names `/api/v1` until
 * `/api/docs` exists.
 */
export function sandboxBanner (input: { publicUrl: string, adminToken: string, chat: boolean, apiDocs: boolean, dashboardLink?: string }): string {
  const base = input.publicUrl.replace(/\/+$/, '')
  const lines = ['Bozor sandbox — no configuration needed']
  if (input.chat) lines.push(`  Chat with the bot:  ${base}/sandbox/chat`)
  if (input.dashboardLink !== undefined) lines.push(`  Dashboard:          ${input.dashboardLink}`)
  lines.push(`  Admin API:          ${base}${input.apiDocs ? '/api/docs' : '/api/v1'}   token: ${input.adminToken}`)
  return `${lines.join('\n')}\n`
}
