// Issue 14, parts 3 and 8: the web chat in a real browser (playwright-core driving Debian's
// Chromium, headless). A newcomer opens /sandbox/chat, buys the demo e-book from the bot, pays on
// the Click simulator page the pay button opens, and sees the payment confirmation and the goods
// in the chat. Screenshots (desktop and 390 px) are kept in artifacts/screenshots/.
//
// One storage leg (embedded) keeps the suite's time in budget; without /usr/bin/chromium the test
// is skipped with the reason (.ci/run installs it).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Page } from 'playwright-core'
import { testLeg } from '../helpers/db.js'
import { ROOT } from '../helpers/process.js'
import { startSandbox } from '../helpers/sandbox.js'

const CHROMIUM = '/usr/bin/chromium'
/** In the checkout (tests may run from a compiled copy elsewhere: ROOT is the checkout). */
const ARTIFACTS = join(ROOT, 'artifacts', 'screenshots')
const skip = testLeg() !== 'embedded' ? 'the browser test runs on the embedded leg only' : !existsSync(CHROMIUM) ? `${CHROMIUM} is not installed (apt-get install chromium)` : false

/** Presses the newest button (or link) with this label in the bot's messages. */
async function press (page: Page, label: RegExp): Promise<void> {
  await page.locator('.msg.bot .keyboard').getByText(label).last().click()
}

test('the web chat: buy the e-book, pay on the Click simulator, and the confirmation and goods arrive in the chat', { skip, timeout: 180_000 }, async (t) => {
  const sandbox = await startSandbox(t)
  mkdirSync(ARTIFACTS, { recursive: true })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] })
  t.after(() => browser.close())
  const errors: string[] = []
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  page.on('pageerror', (error) => errors.push(error.message))
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()) })
  await page.goto(`${sandbox.url}/sandbox/chat`)
  await page.locator('#text').fill('/start')
  await page.locator('#composer button').click()
  await page.locator('.msg.bot a.cmd', { hasText: '/catalog' }).first().click()
  await press(page, /Digital goods/)
  await press(page, /cookbook/)
  await press(page, /Buy/)
  await press(page, /^1$/)
  await press(page, /Pay with Click/)
  const [simulator] = await Promise.all([context.waitForEvent('page'), page.locator('.msg.bot .keyboard a', { hasText: 'Pay with Click' }).last().click()])
  // the signed pay link redirects to Click's checkout: the simulator page
  await simulator.waitForURL(/\/sandbox\/pay\/click/)
  await simulator.screenshot({ path: join(ARTIFACTS, 'chat-desktop-click-simulator.png') })
  await simulator.getByRole('button', { name: /^Pay/ }).first().click()
  await simulator.getByText(/is paid/).waitFor()
  await page.locator('.msg.bot', { hasText: 'Payment received for order' }).waitFor()
  await page.locator('.msg.bot', { hasText: 'Your download' }).waitFor()
  await page.screenshot({ path: join(ARTIFACTS, 'chat-desktop-paid.png') })

  // the same conversation at phone width
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } })
  phone.on('pageerror', (error) => errors.push(error.message))
  await phone.goto(`${sandbox.url}/sandbox/chat`)
  await phone.locator('.msg.bot', { hasText: 'Your download' }).waitFor()
  assert.equal(await phone.locator('.side').isVisible(), false, 'no sidebar at 390 px: the customer switcher is in the top bar')
  assert.equal(await phone.locator('#switcher').isVisible(), true)
  await phone.screenshot({ path: join(ARTIFACTS, 'chat-phone-paid.png') })
  assert.deepEqual(errors, [], 'no script errors and no refused resources (CSP)')
})
