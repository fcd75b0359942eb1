// Issue 15 point 7: the API reference at /api/docs in a real browser (playwright-core driving
// Debian's Chromium, headless), desktop and 390 px: Swagger UI renders every tag of the admin API
// from /api/docs/json, with no script error and no resource refused by the CSP (nothing from a
// CDN). Screenshots are kept in artifacts/screenshots/.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { chromium } from 'playwright-core'
import { testLeg } from '../helpers/db.js'
import { ROOT } from '../helpers/process.js'
import { buildAdminApp } from '../helpers/admin.js'

const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = join(ROOT, 'artifacts', 'screenshots')
const skip = testLeg() !== 'embedded' ? 'the browser test runs on the embedded leg only' : !existsSync(CHROMIUM) ? `${CHROMIUM} is not installed (apt-get install chromium)` : false

test('the API reference at /api/docs renders under the CSP, with nothing from another origin', { skip, timeout: 120_000 }, async (t) => {
  const { app } = await buildAdminApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const page = await app.inject({ url: '/api/docs/' })
  assert.equal(page.statusCode, 200)
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/)
  assert.doesNotMatch(page.body, /https?:\/\//, 'the page names no other origin')
  mkdirSync(ARTIFACTS, { recursive: true })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] })
  t.after(() => browser.close())
  const errors: string[] = []
  const foreign: string[] = []
  for (const [name, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]] as const) {
    const tab = await browser.newPage({ viewport })
    tab.on('pageerror', (error) => errors.push(error.message))
    tab.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()) })
    tab.on('request', (request) => { if (!request.url().startsWith(base) && !request.url().startsWith('data:')) foreign.push(request.url()) })
    await tab.goto(`${base}/api/docs`)
    await tab.locator('.opblock-tag', { hasText: 'products' }).first().waitFor()
    await tab.locator('.opblock-tag', { hasText: 'orders' }).first().waitFor()
    await tab.getByText('Bozor admin API').first().waitFor()
    await tab.screenshot({ path: join(ARTIFACTS, `api-docs-${name}.png`), fullPage: false })
    // an operation opened shows its parameters and documented responses (problems included)
    await tab.locator('.opblock-summary', { hasText: '/api/v1/products/{id}' }).first().click()
    await tab.locator('.responses-wrapper').first().waitFor()
    await tab.getByText('application/problem+json').first().waitFor()
    await tab.screenshot({ path: join(ARTIFACTS, `api-docs-${name}-operation.png`), fullPage: false })
    await tab.close()
  }
  assert.deepEqual(foreign, [], 'nothing is loaded from another origin')
  assert.deepEqual(errors, [], 'no script errors and no refused resources (CSP)')
})
