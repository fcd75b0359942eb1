// Home: today and the last 30 days against the period before (revenue per currency, orders,
// average order, new and active customers), charts, and what needs the merchant's attention.
// Built on /api/v1/analytics/* (DESIGN.md); a route that is not there answers an empty state.
import { addDays, api, getOrNothing, h, isoDay, link, localized, minorDigits, money, t, table } from '../lib.js'
import { lineChart } from '../chart.js'

const LOW_STOCK = 5

/**
 * The `days` days that end with today (today = 1), `back` periods earlier, as the analytics
 * routes take them: `YYYY-MM-DD`, both ends included (days of the shop's TIMEZONE).
 */
function period (days, back = 0) {
  const last = addDays(isoDay(new Date()), -days * back)
  return { from: addDays(last, -(days - 1)), to: last }
}

const query = (p) => `from=${encodeURIComponent(p.from)}&to=${encodeURIComponent(p.to)}`

function change (now, before) {
  if (before === undefined || before === 0) return now > 0 ? h('span', { class: 'delta up' }, '↑') : null
  const pct = Math.round(((now - before) / before) * 100)
  return h('span', { class: `delta ${pct >= 0 ? 'up' : 'down'}`, title: t('home.vsBefore') }, `${pct >= 0 ? '+' : ''}${pct}%`)
}

function overviewCard (title, now, before) {
  if (now === undefined) return h('section', { class: 'card kpi' }, h('h2', {}, title), h('p', { class: 'muted' }, t('home.noData')))
  const prevRevenue = new Map((before?.revenue ?? []).map((r) => [r.currency, r]))
  const revenue = now.revenue.length === 0
    ? h('p', { class: 'big' }, '0')
    : now.revenue.map((r) => h('p', { class: 'big' }, money({ amount: r.net, currency: r.currency }), ' ', change(r.net, prevRevenue.get(r.currency)?.net)))
  const orders = now.revenue.reduce((n, r) => n + r.orders, 0)
  const ordersBefore = (before?.revenue ?? []).reduce((n, r) => n + r.orders, 0)
  return h('section', { class: 'card kpi' }, h('h2', {}, title), revenue,
    h('dl', {},
      h('dt', {}, t('nav.orders')), h('dd', {}, String(orders), ' ', change(orders, ordersBefore)),
      h('dt', {}, t('home.averageOrder')), h('dd', {}, now.averageOrder.length === 0 ? '—' : now.averageOrder.map(money).join(', ')),
      h('dt', {}, t('home.newCustomers')), h('dd', {}, String(now.customers.new), ' ', change(now.customers.new, before?.customers.new)),
      h('dt', {}, t('home.activeCustomers')), h('dd', {}, String(now.customers.active), ' ', change(now.customers.active, before?.customers.active))))
}

/** The 30 days as YYYY-MM-DD, and a series per currency (or one) from timeseries points. */
function seriesOf (points, days, label) {
  const byCurrency = new Map()
  for (const point of points) {
    const key = point.currency ?? ''
    if (!byCurrency.has(key)) byCurrency.set(key, new Map())
    byCurrency.get(key).set(String(point.date).slice(0, 10), point.value)
  }
  if (byCurrency.size === 0) byCurrency.set('', new Map())
  return [...byCurrency].map(([currency, values]) => ({ label: currency === '' ? label : `${label} ${currency}`, currency, values: days.map((d) => values.get(d) ?? 0) }))
}

export async function render (main) {
  const month = period(30)
  const [today, yesterday, last30, prev30, revenue, orders, active] = await Promise.all([
    getOrNothing(`/analytics/overview?${query(period(1))}`),
    getOrNothing(`/analytics/overview?${query(period(1, 1))}`),
    getOrNothing(`/analytics/overview?${query(month)}`),
    getOrNothing(`/analytics/overview?${query(period(30, 1))}`),
    getOrNothing(`/analytics/timeseries?metric=revenue&${query(month)}`),
    getOrNothing(`/analytics/timeseries?metric=orders&${query(month)}`),
    getOrNothing(`/analytics/active?date=${isoDay(new Date())}`)
  ])
  const days = Array.from({ length: 30 }, (_, i) => addDays(isoDay(new Date()), i - 29))
  const charts = h('div', { class: 'cards' })
  if (revenue !== undefined) {
    for (const s of seriesOf(revenue.points ?? [], days, t('home.revenue'))) {
      // revenue points are minor units: the chart shows major units of their currency
      const scale = s.currency ? 10 ** minorDigits(s.currency) : 1
      charts.append(h('section', { class: 'card chart-card', 'data-chart': 'revenue' }, h('h2', {}, `${t('home.revenue')} ${s.currency}`.trim()), lineChart(days, [{ label: s.label, values: s.values.map((v) => v / scale) }])))
    }
  }
  if (orders !== undefined) {
    charts.append(h('section', { class: 'card chart-card', 'data-chart': 'orders' }, h('h2', {}, t('nav.orders')), lineChart(days, seriesOf(orders.points ?? [], days, t('nav.orders')).map((s) => ({ label: s.label, values: s.values })))))
  }
  if (charts.childElementCount === 0) charts.append(h('section', { class: 'card' }, h('h2', {}, t('home.charts')), h('p', { class: 'muted' }, t('home.noData'))))
  main.replaceChildren(
    h('h1', {}, t('nav.home')),
    h('div', { class: 'cards' }, overviewCard(t('home.today'), today, yesterday), overviewCard(t('home.last30'), last30, prev30),
      active !== undefined ? h('section', { class: 'card kpi' }, h('h2', {}, t('home.active')), h('dl', {}, h('dt', {}, 'DAU'), h('dd', {}, String(active.dau)), h('dt', {}, 'WAU'), h('dd', {}, String(active.wau)), h('dt', {}, 'MAU'), h('dd', {}, String(active.mau)))) : null),
    charts,
    h('h2', {}, t('home.attention')),
    await attention())
}

async function attention () {
  const week = period(7)
  const [paid, flagged, products, failures, broadcasts] = await Promise.all([
    api('GET', '/orders?state=paid&limit=20'),
    api('GET', '/orders?flag=needs_attention&limit=20'),
    api('GET', '/products?active=true&limit=200'),
    getOrNothing(`/analytics/payment-failures?${query(week)}`),
    getOrNothing('/broadcasts')
  ])
  const rows = []
  for (const order of paid.body?.items ?? []) {
    rows.push(h('tr', {}, h('td', {}, t('home.toFulfil')), h('td', {}, link(`/dashboard/orders/${order.id}`, `#${order.id}`)), h('td', { class: 'num' }, money(order.total))))
  }
  for (const order of flagged.body?.items ?? []) {
    rows.push(h('tr', {}, h('td', {}, h('span', { class: 'badge warn' }, t('flag.needs_attention'))), h('td', {}, link(`/dashboard/orders/${order.id}`, `#${order.id}`)), h('td', { class: 'num' }, money(order.total))))
  }
  for (const failure of failures?.items ?? failures?.failures ?? []) {
    rows.push(h('tr', {}, h('td', {}, t('home.failedPayments')), h('td', {}, `${failure.provider ?? ''} ${failure.reason ?? ''}`.trim()), h('td', { class: 'num' }, String(failure.count ?? failure.failures ?? ''))))
  }
  for (const product of products.body?.items ?? []) {
    if (product.stock === null || product.stock > LOW_STOCK) continue
    rows.push(h('tr', {}, h('td', {}, product.stock === 0 ? h('span', { class: 'badge warn' }, t('home.outOfStock')) : t('home.lowStock')), h('td', {}, link(`/dashboard/catalog/${product.id}`, localized(product.title))), h('td', { class: 'num' }, String(product.stock))))
  }
  for (const b of broadcasts?.items ?? []) {
    if (!['sending', 'paused', 'scheduled'].includes(b.state)) continue
    rows.push(h('tr', {}, h('td', {}, t('home.broadcast')), h('td', {}, link(`/dashboard/broadcasts/${b.id}`, t(`broadcast.${b.state}`))), h('td', { class: 'num' }, `${b.counts.sent}/${b.counts.total}`)))
  }
  return table([t('home.what'), t('home.which'), ''], rows)
}
