// Issue 17: the merchant's dashboard in a real browser (playwright-core driving Debian's Chromium,
// headless), over one sandbox shop: log in with the banner's one-time link; make a category and a
// product and see them in the bot's catalog; refund an order and see the customer told; a read
// token's session changes nothing; a cross-site form post is refused; every page at 390 px has no
// horizontal scroll. Screenshots are kept in artifacts/screenshots/ (dashboard-*.png).
// Runs on the embedded leg only (browser tests run on one storage leg).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { testLeg } from '../helpers/db.js'
import { ROOT } from '../helpers/process.js'
import { checkoutInEnglish, DEMO, labelsOf, textOf, useShop } from '../helpers/journey.js'
import { buttonsOf } from '../helpers/sandbox.js'

const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = join(ROOT, 'artifacts', 'screenshots')
const skip = testLeg() !== 'embedded' ? 'the browser test runs on the embedded leg only' : !existsSync(CHROMIUM) ? `${CHROMIUM} is not installed (apt-get install chromium)` : false
const DESKTOP = { width: 1280, height: 900 }
const PHONE = { width: 390, height: 844 }

const shop = skip === false ? useShop() : () => { throw new Error('skipped') }
let browser: Browser
let merchant: BrowserContext
/** The merchant's one tab, shared by the tests (closing a tab costs seconds on a busy machine). */
let merchantPage: Page
const errors: string[] = []

before(async () => {
  if (skip !== false) return
  mkdirSync(ARTIFACTS, { recursive: true })
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] })
})
after(async () => { await browser?.close() })

/** A tab that records script errors and refused resources (CSP) in `errors`. */
async function tab (context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`))
  page.on('console', (message) => { if (message.type() === 'error' && !/status of 40[134]/.test(message.text())) errors.push(`${page.url()}: ${message.text()}`) })
  return page
}

/** A new browser context logged in with the admin token on the login page, and its tab. */
async function loggedInTab (options: Parameters<Browser['newContext']>[0]): Promise<{ context: BrowserContext, page: Page }> {
  const context = await browser.newContext(options)
  const page = await tab(context)
  await page.goto(`${shop().url}/login`)
  await page.locator('#token').fill(shop().adminToken)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.waitForURL(`${shop().url}/`)
  return { context, page }
}

/** The banner's `Dashboard:` link. */
function bannerLink (): string {
  const banner = shop().sandbox.server.deps.sandbox?.banner ?? ''
  const match = /Dashboard: +(\S+\/login\?code=\S+)/.exec(banner)
  assert.ok(match?.[1], `the banner has a dashboard link:\n${banner}`)
  return match[1]
}

async function noSideScroll (page: Page, what: string): Promise<void> {
  // in the page: document.scrollingElement.scrollWidth <= innerWidth (the test's tsconfig has no DOM types)
  const { scrollWidth, innerWidth } = await page.evaluate('({ scrollWidth: document.scrollingElement.scrollWidth, innerWidth: window.innerWidth })') as { scrollWidth: number, innerWidth: number }
  assert.ok(scrollWidth <= innerWidth, `${what}: the page scrolls sideways (${scrollWidth} > ${innerWidth})`)
}

test('log in with the banner\'s one-time link; the link works once', { skip, timeout: 120_000 }, async () => {
  const link = bannerLink()
  merchant = await browser.newContext({ viewport: DESKTOP })
  merchantPage = await tab(merchant)
  const page = merchantPage
  await page.goto(link)
  await page.waitForURL(`${shop().url}/`)
  await page.locator('h1', { hasText: 'Home' }).waitFor()
  await page.locator('nav a', { hasText: 'Orders' }).waitFor()
  assert.doesNotMatch(page.url(), /code=/)
  const cookies = await merchant.cookies()
  const session = cookies.find((c) => c.name === 'bozor_session')
  assert.ok(session)
  assert.equal(session.httpOnly, true)
  assert.equal(session.sameSite, 'Strict')
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-home-desktop.png') })
  // the same link in another browser: used already
  const stranger = await browser.newContext()
  const other = await tab(stranger)
  await other.goto(link)
  await other.locator('#login-error', { hasText: /used already|expired/ }).waitFor()
  assert.equal((await stranger.cookies()).some((c) => c.name === 'bozor_session'), false)
  await other.screenshot({ path: join(ARTIFACTS, 'dashboard-login-used.png') })
})

test('the merchant makes a category and a product (three languages, price, stock) and the bot\'s catalog shows it', { skip, timeout: 180_000 }, async () => {
  const page = merchantPage
  await page.setViewportSize(DESKTOP)
  await page.goto(`${shop().url}/dashboard/catalog`)
  const category = page.locator('#new-category')
  await category.locator('input[name="title.en"]').fill('Dashboard picks')
  await category.locator('input[name="title.ru"]').fill('Выбор панели')
  await category.getByRole('button', { name: 'Create' }).click()
  await page.locator('table td', { hasText: 'Dashboard picks' }).waitFor()
  const form = page.locator('#new-product')
  await form.locator('input[name="title"]').fill('Ceramic teapot')
  await form.locator('input[name="price"]').fill('120000')
  await form.locator('input[name="stock"]').fill('7')
  await form.locator('select[name="categoryId"]').selectOption({ label: 'Dashboard picks' })
  await form.getByRole('button', { name: 'Create' }).click()
  await page.waitForURL(/\/dashboard\/catalog\/prd_/)
  const edit = page.locator('#product-form')
  await edit.locator('input[name="title.ru"]').fill('Керамический чайник')
  await edit.locator('input[name="title.uz"]').fill('Sopol choynak')
  await edit.locator('textarea[name="description.en"]').fill('Hand-painted, 1.2 l.')
  await edit.locator('input[name="fiscal.code"]').fill('10405001001000000')
  await edit.locator('input[name="fiscal.packageCode"]').fill('1510355')
  await edit.locator('input[name="fiscal.vatPercent"]').fill('12')
  await edit.getByRole('button', { name: 'Save' }).click()
  await page.locator('.flash.ok', { hasText: 'Saved.' }).waitFor()
  // a photo uploaded from the page (a real 1×1 PNG) is kept and shown
  await page.locator('input[type="file"]').setInputFiles({ name: 'teapot.png', mimeType: 'image/png', buffer: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64') })
  await page.getByRole('button', { name: 'Upload' }).click()
  await page.locator('.flash.ok', { hasText: 'Photo added.' }).waitFor()
  await page.locator('.photos img').first().waitFor()
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-product-desktop.png'), fullPage: true })
  const productId = /\/dashboard\/catalog\/(prd_\w+)/.exec(page.url())![1]!
  const saved = await shop().admin('GET', `/products/${productId}`)
  assert.deepEqual(saved.body.title, { en: 'Ceramic teapot', ru: 'Керамический чайник', uz: 'Sopol choynak' })
  assert.deepEqual(saved.body.price, { amount: 12_000_000, currency: 'UZS' })
  assert.equal(saved.body.stock, 7)
  assert.deepEqual(saved.body.fiscal, { code: '10405001001000000', packageCode: '1510355', vatPercent: 12 })
  assert.equal(saved.body.images.length, 1)
  // a Russian-speaking customer finds it in the bot's catalog, in Russian
  const c = await shop().customer('Dilnoza', 'ru')
  await c.say('/catalog')
  const sections = await c.reply(/Каталог/)
  assert.ok(labelsOf(sections).includes('Выбор панели'), labelsOf(sections).join(' | '))
  await c.press(sections, 'Выбор панели')
  const products = await c.waitForEntry((e) => e.from === 'bot' && labelsOf(e).some((l) => l.startsWith('Керамический чайник')))
  assert.ok(labelsOf(products).some((l) => /^Керамический чайник · /.test(l)), labelsOf(products).join(' | '))
})

test('the merchant refunds an order on its page; the customer is told and the history says who did it', { skip, timeout: 180_000 }, async () => {
  const c = await shop().customer('Refund me')
  const { orderId, created } = await checkoutInEnglish(c, { productId: DEMO.course, title: /^Photo course/, provider: 'stripe' })
  const checkout = await shop().checkoutUrl(c.link(created, 'Pay with card (Stripe)'), 'stripe')
  await shop().pay('stripe', checkout, 'pay')
  await shop().orderWhen(orderId, 'fulfilled', (o) => o.state === 'fulfilled')
  const page = merchantPage
  await page.setViewportSize(DESKTOP)
  await page.goto(`${shop().url}/dashboard/orders`)
  await page.locator('a', { hasText: `#${orderId}` }).first().click()
  await page.waitForURL(`${shop().url}/dashboard/orders/${orderId}`)
  await page.locator('td', { hasText: 'stripe' }).first().waitFor()
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-order-desktop.png'), fullPage: true })
  const refund = page.locator('form.action', { has: page.locator('h3', { hasText: 'Refund' }) })
  assert.equal(await refund.locator('input[name="amount"]').inputValue(), '15.00', 'the whole order is offered')
  await refund.locator('input[name="reason"]').fill('the course was cancelled')
  await refund.getByRole('button', { name: 'Refund' }).click()
  await page.locator('.flash.ok', { hasText: 'Refund sent' }).waitFor()
  const told = await c.reply(/^↩️ Order #\d+/)
  assert.equal(textOf(told), `↩️ Order #${orderId}: $15.00 has been refunded.`)
  await shop().orderWhen(orderId, 'refunded', (o) => o.state === 'refunded')
  await page.reload()
  await page.locator('.page-head .state', { hasText: 'refunded' }).waitFor()
  // the banner's link carries the sandbox's token: the change is recorded under it
  const sandboxToken = (await shop().admin('GET', '/tokens')).body.items.find((token: { name: string }) => token.name === 'sandbox')
  await page.locator('td', { hasText: sandboxToken.id }).first().waitFor()
  await page.locator('td', { hasText: 'order.refund_requested' }).first().waitFor()
  // Analytics: revenue by provider and currency, from the orders' payments (net of the refund)
  await page.goto(`${shop().url}/dashboard/analytics`)
  const stripe = page.locator('[data-section="providers"] tr', { hasText: 'stripe' })
  await stripe.waitFor()
  assert.deepEqual(await stripe.locator('td').allInnerTexts(), ['stripe', 'USD', '$15', '$15', '$0', '1'])
})

test('a read token made in Settings: its session sees the pages and cannot change anything; revoking it ends the session', { skip, timeout: 120_000 }, async () => {
  // the merchant makes the token in Settings; its secret is shown once
  const merchantTab = merchantPage
  await merchantTab.setViewportSize(DESKTOP)
  await merchantTab.goto(`${shop().url}/dashboard/settings`)
  const tokenForm = merchantTab.locator('#new-token')
  await tokenForm.locator('input[name="name"]').fill('accountant')
  await tokenForm.locator('select[name="scope"]').selectOption('read')
  await tokenForm.getByRole('button', { name: 'Create token' }).click()
  const secret = (await merchantTab.locator('.secret code').innerText()).trim()
  assert.match(secret, /^bzr_/)
  const made = { body: { token: secret } }
  const context = await browser.newContext({ viewport: DESKTOP })
  const page = await tab(context)
  await page.goto(`${shop().url}/login`)
  await page.locator('#token').fill(made.body.token)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.waitForURL(`${shop().url}/`)
  await page.locator('.badge', { hasText: 'read only' }).waitFor()
  await page.goto(`${shop().url}/dashboard/catalog`)
  await page.locator('h2', { hasText: 'Products' }).waitFor()
  assert.equal(await page.locator('#new-product').count(), 0, 'no form to make a product')
  await page.goto(`${shop().url}/dashboard/settings`)
  await page.locator('h2', { hasText: 'The shop\'s texts' }).waitFor()
  assert.equal(await page.locator('#shop-words button[type="submit"]').count(), 0)
  // even with the session's CSRF token, the API refuses a change
  const answer = await page.evaluate(async () => {
    const session = await (await fetch('/dashboard/session')).json() as { csrfToken: string }
    const res = await fetch('/api/v1/products', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken }, body: JSON.stringify({ title: { en: 'Sneaky' }, price: { amount: 100, currency: 'USD' }, kind: 'digital' }) })
    return { status: res.status, body: await res.json() as { code: string } }
  })
  assert.equal(answer.status, 403)
  assert.equal(answer.body.code, 'ERR_SCOPE')
  const products = await shop().admin('GET', '/products?q=Sneaky')
  assert.equal(products.body.items.length, 0)
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-settings-read-only.png'), fullPage: true })
  // the merchant revokes it in Settings: the accountant's session ends
  await merchantTab.goto(`${shop().url}/dashboard/settings`)
  merchantTab.once('dialog', (dialog) => { dialog.accept().catch(() => {}) })
  await merchantTab.locator('tr', { hasText: 'accountant' }).getByRole('button', { name: 'Revoke' }).click()
  await merchantTab.locator('tr', { hasText: 'accountant' }).waitFor({ state: 'detached' })
  await page.goto(`${shop().url}/dashboard/orders`)
  await page.waitForURL(`${shop().url}/login`)
})

test('a form posted from another site with the merchant\'s cookie is refused and changes nothing', { skip, timeout: 120_000 }, async () => {
  const c = await shop().customer('Target')
  await c.say('/start')
  await c.reply(/Welcome/)
  const target = `${shop().url}/api/v1/customers/${c.id}/block`
  // another origin (another port on the same host: the same site, so even a SameSite cookie goes along)
  const evil: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html')
    res.end(`<!doctype html><form id="f" method="post" action="${target}"><input name="x" value="1"><button>go</button></form>`)
  })
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve))
  try {
    const page = merchantPage
    await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`)
    const [response] = await Promise.all([page.waitForNavigation(), page.locator('button').click()])
    assert.equal(response?.status(), 403)
    assert.match(await page.locator('body').innerText(), /ERR_CSRF/)
    const customer = await shop().admin('GET', `/customers/${c.id}`)
    assert.equal(customer.body.blocked, false, 'the customer was not blocked')
  } finally {
    evil.close()
  }
})

test('every page works at 390 px with no sideways scroll, and at desktop width (screenshots kept)', { skip, timeout: 180_000 }, async () => {
  const order = (await shop().admin('GET', '/orders?limit=1')).body.items[0]
  const product = (await shop().admin('GET', '/products?q=teapot')).body.items[0]
  const customer = (await shop().admin('GET', '/customers?limit=1')).body.items[0]
  const pages: Array<[string, string, string]> = [
    ['home', '/', 'Home'],
    ['orders', '/dashboard/orders', 'Orders'],
    ['order', `/dashboard/orders/${order.id}`, `Order #${order.id}`],
    ['catalog', '/dashboard/catalog', 'Catalog'],
    ['product', `/dashboard/catalog/${product.id}`, 'Ceramic teapot'],
    ['customers', '/dashboard/customers', 'Customers'],
    ['customer', `/dashboard/customers/${customer.telegramId}`, customer.name],
    ['broadcasts', '/dashboard/broadcasts', 'Broadcasts'],
    ['analytics', '/dashboard/analytics', 'Analytics'],
    ['settings', '/dashboard/settings', 'Settings']
  ]
  // one tab: every page at 390 px (no sideways scroll), then the lists at desktop width
  const page = merchantPage
  await page.setViewportSize(DESKTOP)
  for (const [viewport, size, which] of [['phone', PHONE, pages], ['desktop', DESKTOP, pages.filter(([name]) => ['orders', 'catalog', 'customers', 'customer', 'analytics', 'settings', 'broadcasts'].includes(name))]] as const) {
    await page.setViewportSize(size)
    for (const [name, path, heading] of which) {
      await page.goto(`${shop().url}${path}`)
      await page.locator('h1', { hasText: heading }).first().waitFor()
      await page.locator('main .muted', { hasText: 'Loading' }).waitFor({ state: 'detached' })
      if (viewport === 'phone') await noSideScroll(page, name)
      await page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}-${viewport}.png`), fullPage: viewport === 'phone' })
    }
  }
  // uPlot (from node_modules) draws under the CSP: a chart of two days on the home page
  await page.setViewportSize(PHONE)
  await page.goto(`${shop().url}/`)
  await page.locator('h1', { hasText: 'Home' }).waitFor()
  await page.evaluate("import('/dashboard/assets/chart.js').then((m) => { document.querySelector('main').append(m.lineChart(['2026-12-01', '2026-12-02'], [{ label: 'Orders', values: [1, 3] }])) })")
  await page.locator('main .chart canvas').last().waitFor()
  await page.locator('main .chart .u-legend', { hasText: 'Orders' }).last().waitFor()
  await noSideScroll(page, 'a chart at 390 px')
  // the pages in Russian and Uzbek
  await page.setViewportSize(PHONE)
  await page.goto(`${shop().url}/dashboard/orders`)
  await page.locator('.tools select').selectOption('ru')
  await page.locator('h1', { hasText: 'Заказы' }).waitFor()
  await page.locator('nav a', { hasText: 'Каталог' }).waitFor()
  await noSideScroll(page, 'orders in Russian')
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-orders-phone-ru.png'), fullPage: true })
  await page.locator('.tools select').selectOption('uz')
  await page.locator('h1', { hasText: 'Buyurtmalar' }).waitFor()
  await page.locator('.tools select').selectOption('en')
  await page.locator('h1', { hasText: 'Orders' }).waitFor()
  assert.deepEqual(errors, [], 'no script errors and nothing refused by the CSP')
})

test('logout ends the session: the pages send to /login again', { skip, timeout: 60_000 }, async () => {
  const page = merchantPage
  await page.setViewportSize(DESKTOP)
  await page.goto(`${shop().url}/dashboard/settings`)
  await page.getByRole('button', { name: 'Log out' }).click()
  await page.waitForURL(`${shop().url}/login`)
  await page.goto(`${shop().url}/dashboard/orders`)
  await page.waitForURL(`${shop().url}/login`)
})

test('the home charts render with data from scripted journeys', { skip, timeout: 120_000 }, async () => {
  const { page } = await loggedInTab({ viewport: DESKTOP })
  await page.locator('[data-chart="revenue"] canvas').first().waitFor()
  await page.locator('[data-chart="orders"] canvas').first().waitFor()
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-home-charts.png'), fullPage: true })
})

test('a broadcast is sent from the dashboard and reaches done', { skip, timeout: 120_000 }, async () => {
  const c = await shop().customer('Listener')
  await c.say('/start')
  const { page } = await loggedInTab({ viewport: DESKTOP })
  await page.goto(`${shop().url}/dashboard/broadcasts`)
  await page.locator('#new-broadcast textarea[name="text"]').fill('New teapots are in!')
  // a button that opens a product in the bot: its id in the link field
  const products = await (await fetch(`${shop().url}/api/v1/products?limit=1`, { headers: { authorization: `Bearer ${shop().adminToken}` } })).json() as { items: Array<{ id: string }> }
  await page.locator('#new-broadcast input[name="buttonText"]').fill('See the teapot')
  await page.locator('#new-broadcast input[name="buttonUrl"]').fill(products.items[0]!.id)
  await page.getByRole('button', { name: 'Count recipients' }).click()
  await page.locator('[data-count]', { hasText: /recipients/ }).waitFor()
  await page.getByRole('button', { name: 'Send broadcast' }).click()
  await page.locator('[data-state="done"]').waitFor({ timeout: 60_000 })
  // the counts, and nothing of an absent part printed as text
  assert.doesNotMatch(await page.locator('body').innerText(), /\bnull\b|\bundefined\b/)
  const message = await c.reply(/New teapots are in!/)
  const button = buttonsOf(message).find((b) => b.text === 'See the teapot')
  assert.match(String(button?.url), new RegExp(`\\?start=p_${products.items[0]!.id}$`), 'the button opens the product in the bot')
  // the page shows the message it sent, with its button, and when it started and finished
  assert.equal(await page.locator('[data-message]').innerText(), 'New teapots are in!\nSee the teapot')
  assert.match(await page.locator('body').innerText(), /Started[\s\S]*Finished/)
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-broadcast-done.png'), fullPage: true })
  // and the list names each broadcast by its first words
  await page.goto(`${shop().url}/dashboard/broadcasts`)
  await page.locator('[data-snippet]', { hasText: 'New teapots are in!' }).first().waitFor()
  await page.setViewportSize(PHONE)
  await noSideScroll(page, 'broadcast list (phone)')
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-broadcasts-list-phone.png'), fullPage: true })
})

test('a broadcast with a copy Telegram never answered shows it uncertain, with the warning and the resend button, on a desktop and at 390 px', { skip, timeout: 120_000 }, async () => {
  const lost = await shop().customer('Unanswered')
  await lost.say('/start')
  await lost.reply(/./)
  const telegram = shop().sandbox.server.deps.sandbox!.telegram
  const drop = telegram.faults.inject({ kind: 'drop', method: 'sendMessage', chatId: lost.id, times: 1 })
  const admin = { authorization: `Bearer ${shop().adminToken}`, 'content-type': 'application/json' }
  const created = await (await fetch(`${shop().url}/api/v1/broadcasts`, { method: 'POST', headers: admin, body: JSON.stringify({ text: 'Tea tasting on <b>Friday</b> &amp; Saturday', audience: {} }) })).json() as { id: string }
  for (const [size, name] of [[DESKTOP, 'desktop'], [PHONE, 'phone']] as const) {
    const { context, page } = await loggedInTab({ viewport: size })
    await page.goto(`${shop().url}/dashboard/broadcasts/${created.id}`)
    await page.locator('[data-state="done"]').waitFor({ timeout: 60_000 })
    await page.locator('[data-uncertain]', { hasText: /Telegram never answered 1 of the copies/ }).waitFor()
    await page.getByRole('button', { name: 'Send the uncertain ones again' }).waitFor()
    // the words the customer reads, not the HTML's tags and entities
    assert.equal(await page.locator('[data-message]').innerText(), 'Tea tasting on Friday & Saturday')
    assert.doesNotMatch(await page.locator('body').innerText(), /\bnull\b|\bundefined\b/)
    await noSideScroll(page, `broadcast page (${name})`)
    await page.screenshot({ path: join(ARTIFACTS, `dashboard-broadcast-uncertain-${name}.png`), fullPage: true })
    if (name === 'phone') {
      // the merchant sends it again: the customer gets the copy, and nothing is uncertain any more
      await page.getByRole('button', { name: 'Send the uncertain ones again' }).click()
      await page.locator('[data-state="done"]').waitFor({ timeout: 60_000 })
      await page.locator('[data-uncertain]').waitFor({ state: 'detached' })
      await lost.reply(/Tea tasting on Friday/)
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-broadcast-resent-phone.png'), fullPage: true })
    }
    await context.close()
  }
  assert.equal(drop.fired, 1)
})

test('the pages count days in the shop\'s TIMEZONE (UTC here), not in the browser\'s zone', { skip, timeout: 120_000 }, async () => {
  // a browser zone whose date differs from UTC's at this hour: +14 h late in the UTC day, -11 h early in it
  const zone = new Date().getUTCHours() >= 11 ? 'Pacific/Kiritimati' : 'Pacific/Pago_Pago'
  const context = await browser.newContext({ viewport: DESKTOP, timezoneId: zone })
  const page = await tab(context)
  await page.goto(`${shop().url}/login`)
  await page.locator('#token').fill(shop().adminToken)
  const asked = page.waitForRequest((request) => request.url().includes('/analytics/active?date='))
  await page.getByRole('button', { name: 'Log in' }).click()
  const date = new URL((await asked).url()).searchParams.get('date')
  const utcToday = new Date().toISOString().slice(0, 10)
  const browserToday = new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(new Date())
  assert.notEqual(browserToday, utcToday, 'the browser\'s zone is on another date')
  assert.equal(date, utcToday, `home asks for the shop's today (${utcToday}), not the browser's (${browserToday})`)
  // the orders filter turns the chosen day into the shop's midnights
  const listed = page.waitForRequest((request) => /\/api\/v1\/orders\?.*from=/.test(request.url()))
  await page.goto(`${shop().url}/dashboard/orders?from=2026-03-01&to=2026-03-01`)
  const query = new URL((await listed).url()).searchParams
  assert.equal(query.get('from'), '2026-03-01T00:00:00.000Z')
  assert.equal(query.get('to'), '2026-03-02T00:00:00.000Z')
  await context.close()
})
