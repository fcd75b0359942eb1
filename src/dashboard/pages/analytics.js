// Analytics over a date range: the funnel, revenue by currency, revenue per provider (from the
// orders' payments), referral sources, top products and payment failures. Built on
// /api/v1/analytics/* (DESIGN.md); a route that is not there shows an empty state.
import { addDays, api, getOrNothing, go, h, isoDay, money, t, table, field, startOfDay } from '../lib.js'
import { lineChart } from '../chart.js'

export async function render (main) {
  const params = new URLSearchParams(window.location.search)
  const asDay = (text) => startOfDay(text) === undefined ? undefined : text
  const fromDay = asDay(params.get('from')) ?? addDays(isoDay(new Date()), -29)
  const toDay = asDay(params.get('to')) ?? isoDay(new Date())
  // the analytics routes take days (`YYYY-MM-DD` in the shop's TIMEZONE), both ends included
  const range = `from=${encodeURIComponent(fromDay)}&to=${encodeURIComponent(toDay)}`
  const fromInput = h('input', { type: 'date', name: 'from', value: fromDay })
  const toInput = h('input', { type: 'date', name: 'to', value: toDay })
  const form = h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); go(`/dashboard/analytics?from=${fromInput.value}&to=${toInput.value}`) } },
    field(t('from'), fromInput), field(t('to'), toInput), h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary' }, t('apply'))))
  const [overview, funnel, sources, failures, products, customers] = await Promise.all([
    getOrNothing(`/analytics/overview?${range}`),
    getOrNothing(`/analytics/funnel?${range}`),
    getOrNothing(`/analytics/sources?${range}`),
    getOrNothing(`/analytics/payment-failures?${range}`),
    getOrNothing(`/analytics/products?${range}`),
    getOrNothing(`/analytics/timeseries?metric=active_customers&${range}`)
  ])
  const empty = (title) => h('section', { class: 'card' }, h('h2', {}, title), h('p', { class: 'muted' }, t('home.noData')))
  const funnelCard = funnel === undefined
    ? empty(t('analytics.funnel'))
    : h('section', { class: 'card', 'data-section': 'funnel' }, h('h2', {}, t('analytics.funnel')), h('ol', { class: 'funnel' }, funnel.steps.map((step) => {
      const top = funnel.steps[0]?.customers || 1
      return h('li', {}, h('span', { class: 'label' }, t(`funnel.${step.step}`)), h('span', { class: 'bar' }, h('span', { class: 'fill', 'data-width': String(Math.round((step.customers / top) * 100)) })),
        h('span', { class: 'num' }, `${step.customers} · ${Math.round((step.conversion ?? 0) * 100)}%`))
    })))
  const revenueCard = overview === undefined
    ? empty(t('analytics.revenue'))
    : h('section', { class: 'card' }, h('h2', {}, t('analytics.revenue')), table([t('catalog.currency'), t('analytics.gross'), t('analytics.refunded'), t('analytics.net'), t('nav.orders')],
      overview.revenue.map((r) => h('tr', {}, h('td', {}, r.currency), h('td', { class: 'num' }, money({ amount: r.gross, currency: r.currency })), h('td', { class: 'num' }, money({ amount: r.refunded, currency: r.currency })), h('td', { class: 'num' }, money({ amount: r.net, currency: r.currency })), h('td', { class: 'num' }, String(r.orders))))))
  const list = (body) => body?.items ?? body?.sources ?? body?.products ?? body?.failures ?? []
  const sourcesCard = sources === undefined
    ? empty(t('analytics.sources'))
    : h('section', { class: 'card' }, h('h2', {}, t('analytics.sources')), table([t('analytics.source'), t('nav.customers'), t('nav.orders'), t('home.revenue')],
      list(sources).map((s) => h('tr', {}, h('td', {}, s.source ?? s.code ?? '—'), h('td', { class: 'num' }, String(s.customers ?? 0)), h('td', { class: 'num' }, String(s.orders ?? 0)), h('td', { class: 'num' }, (Array.isArray(s.revenue) ? s.revenue : s.revenue ? [s.revenue] : []).map(money).join(', '))))))
  const failuresCard = failures === undefined
    ? empty(t('analytics.failures'))
    : h('section', { class: 'card' }, h('h2', {}, t('analytics.failures')), table([t('orders.provider'), t('orders.reason'), t('analytics.count')],
      list(failures).map((f) => h('tr', {}, h('td', {}, f.provider ?? ''), h('td', {}, f.reason ?? ''), h('td', { class: 'num' }, String(f.count ?? f.failures ?? 0))))))
  const productsCard = products === undefined
    ? empty(t('analytics.products'))
    : h('section', { class: 'card' }, h('h2', {}, t('analytics.products')), table([t('catalog.product'), t('analytics.units'), t('home.revenue')],
      list(products).map((p) => h('tr', {}, h('td', {}, p.title?.en ?? p.productId ?? p.id ?? ''), h('td', { class: 'num' }, String(p.units ?? p.quantity ?? 0)), h('td', { class: 'num' }, (Array.isArray(p.revenue) ? p.revenue : p.revenue ? [p.revenue] : []).map(money).join(', '))))))
  const days = []
  for (let d = fromDay; d <= toDay && days.length < 400; d = addDays(d, 1)) days.push(d)
  const activeCard = customers === undefined
    ? empty(t('home.activeCustomers'))
    : h('section', { class: 'card chart-card' }, h('h2', {}, t('home.activeCustomers')), lineChart(days, [{ label: t('home.activeCustomers'), values: days.map((day) => (customers.points ?? []).find((p) => String(p.date).slice(0, 10) === day)?.value ?? 0) }]))
  // the orders list takes instants: the shop's midnights around the chosen days
  const from = startOfDay(fromDay)
  const to = startOfDay(addDays(toDay, 1))
  const byProvider = await revenueByProvider(from, to)
  const providerCard = h('section', { class: 'card', 'data-section': 'providers' }, h('h2', {}, t('analytics.byProvider')),
    table([t('orders.provider'), t('catalog.currency'), t('analytics.gross'), t('analytics.refunded'), t('analytics.net'), t('nav.orders')], byProvider.map((r) => h('tr', {},
      h('td', {}, r.provider), h('td', {}, r.currency), h('td', { class: 'num' }, money({ amount: r.gross, currency: r.currency })),
      h('td', { class: 'num' }, money({ amount: r.refunded, currency: r.currency })), h('td', { class: 'num' }, money({ amount: r.gross - r.refunded, currency: r.currency })), h('td', { class: 'num' }, String(r.orders))))))
  main.replaceChildren(h('h1', {}, t('nav.analytics')), form, h('div', { class: 'cards' }, funnelCard, revenueCard, providerCard, activeCard, sourcesCard, productsCard, failuresCard))
  // bar widths from data attributes: the CSP allows no inline style attribute, the CSSOM is fine
  for (const fill of main.querySelectorAll('.fill')) fill.style.width = `${fill.dataset.width}%`
}

/**
 * Revenue per provider and currency over the orders placed in [from, to) (at most 2000 orders
 * read): what each order was paid with, less what was refunded. From the ledger as the orders show it.
 */
async function revenueByProvider (from, to) {
  const rows = new Map()
  let cursor = null
  for (let page = 0; page < 10; page++) {
    const q = new URLSearchParams({ from, to, limit: '200' })
    if (cursor) q.set('cursor', cursor)
    const res = await api('GET', `/orders?${q}`)
    if (res.status !== 200) break
    for (const order of res.body.items) {
      const paid = order.transactions.find((tx) => tx.state === 'succeeded' || tx.state === 'refunded')
      if (paid === undefined) continue
      const key = `${paid.provider} ${order.total.currency}`
      const row = rows.get(key) ?? { provider: paid.provider, currency: order.total.currency, gross: 0, refunded: 0, orders: 0 }
      row.gross += order.total.amount
      row.refunded += order.refunded.amount
      row.orders += 1
      rows.set(key, row)
    }
    cursor = res.body.nextCursor
    if (cursor === null) break
  }
  return [...rows.values()].sort((a, b) => a.provider.localeCompare(b.provider) || a.currency.localeCompare(b.currency))
}
