// Orders: the list with filters and CSV export; one order with its transactions, history, who did
// what, and the merchant's actions (fulfil, refund, resolve, cancel).
import { addDays, api, canWrite, dateTime, field, flash, fromMinor, h, link, money, problemText, showLoadError, startOfDay, t, table, toMinor } from '../lib.js'

const STATES = ['pending', 'paid', 'fulfilled', 'cancelled', 'expired', 'refunded']
const PROVIDERS = ['payme', 'click', 'stripe', 'stars']

export async function render (main, rest) {
  if (rest[0] !== undefined) return await renderOrder(main, rest[0])
  return await renderList(main)
}

function stateBadge (state) {
  return h('span', { class: `state state-${state}` }, t(`state.${state}`))
}

async function renderList (main) {
  const params = new URLSearchParams(window.location.search)
  const select = (name, values, label) => h('select', { name },
    h('option', { value: '' }, label), values.map((v) => h('option', { value: v, selected: params.get(name) === v }, t(`${name}.${v}`))))
  const dateInput = (name) => h('input', { type: 'date', name, value: (params.get(name) ?? '').slice(0, 10) })
  const form = h('form', { class: 'filters', onsubmit: (event) => { event.preventDefault(); apply() } },
    field(t('orders.state'), select('state', STATES, t('all'))),
    field(t('orders.provider'), select('provider', PROVIDERS, t('all'))),
    field(t('orders.attention'), h('select', { name: 'flag' }, h('option', { value: '' }, t('all')), h('option', { value: 'needs_attention', selected: params.get('flag') === 'needs_attention' }, t('flag.needs_attention')))),
    field(t('orders.customer'), h('input', { name: 'customer', inputmode: 'numeric', pattern: '[0-9]*', value: params.get('customer') ?? '', placeholder: 'Telegram id' })),
    field(t('from'), dateInput('from')),
    field(t('to'), dateInput('to')),
    h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary' }, t('apply'))))
  const query = () => {
    const q = new URLSearchParams()
    for (const name of ['state', 'provider', 'flag', 'customer']) if (params.get(name)) q.set(name, params.get(name))
    const from = startOfDay(params.get('from'))
    const to = startOfDay(params.get('to')) === undefined ? undefined : startOfDay(addDays(params.get('to'), 1))
    if (from) q.set('from', from)
    if (to) q.set('to', to)
    return q
  }
  const apply = () => {
    const data = new FormData(form)
    const next = new URLSearchParams()
    for (const [name, value] of data) if (String(value).trim() !== '') next.set(name, String(value).trim())
    window.history.pushState({}, '', `/dashboard/orders${next.size > 0 ? '?' + next : ''}`)
    window.dispatchEvent(new Event('popstate'))
  }
  const status = h('p', { class: 'flash', hidden: true })
  const body = h('div', {})
  const exportLink = h('a', { class: 'button', href: `/api/v1/orders/export?${query()}`, download: 'orders.csv' }, t('orders.export'))
  main.replaceChildren(h('div', { class: 'page-head' }, h('h1', {}, t('nav.orders')), exportLink), form, status, body)
  let cursor = null
  const rows = []
  const more = h('button', { type: 'button', hidden: true, onclick: () => load() }, t('more'))
  const load = async () => {
    const q = query()
    q.set('limit', '50')
    if (cursor) q.set('cursor', cursor)
    const res = await api('GET', `/orders?${q}`)
    if (res.status !== 200) return flash(status, problemText(res), 'error')
    for (const order of res.body.items) {
      rows.push(h('tr', {},
        h('td', {}, link(`/dashboard/orders/${order.id}`, `#${order.id}`)),
        h('td', {}, stateBadge(order.state), order.flags.includes('needs_attention') ? h('span', { class: 'badge warn' }, '!') : null),
        h('td', {}, link(`/dashboard/customers/${order.customer.telegramId}`, String(order.customer.telegramId))),
        h('td', { class: 'num' }, money(order.total)),
        h('td', {}, order.transactions.map((tx) => tx.provider).filter((p, i, all) => all.indexOf(p) === i).join(', ')),
        h('td', {}, dateTime(order.createdAt))))
    }
    cursor = res.body.nextCursor
    more.hidden = cursor === null
    body.replaceChildren(table([t('orders.number'), t('orders.state'), t('orders.customer'), t('orders.total'), t('orders.provider'), t('orders.placed')], rows), more)
  }
  await load()
}

async function renderOrder (main, id) {
  const res = await api('GET', `/orders/${encodeURIComponent(id)}`)
  if (res.status !== 200) {
    showLoadError(main, 'orders', res)
    return
  }
  const order = res.body
  const status = h('p', { class: 'flash', hidden: true, role: 'status' })
  const products = await api('GET', '/products?limit=200')
  const titles = new Map((products.body?.items ?? []).map((p) => [p.id, p.title.en]))
  const audit = await api('GET', `/orders/${order.id}/audit`)
  const act = async (path, body, done) => {
    const answer = await api('POST', `/orders/${order.id}/${path}`, body)
    if (answer.status === 200) {
      flash(status, t(done), 'ok')
      await renderOrder(main, id)
      const again = main.querySelector('.flash')
      if (again) flash(again, t(done), 'ok')
    } else {
      flash(status, problemText(answer), 'error')
    }
  }
  const actions = []
  if (canWrite()) {
    if (order.state === 'paid') {
      const note = h('input', { name: 'note', maxlength: 1000 })
      actions.push(h('form', { class: 'action', onsubmit: (e) => { e.preventDefault(); act('fulfil', note.value ? { note: note.value } : {}, 'orders.fulfilled') } },
        h('h3', {}, t('orders.fulfil')), field(t('orders.note'), note), h('button', { type: 'submit', class: 'primary' }, t('orders.fulfil'))))
    }
    const left = order.total.amount - order.refunded.amount
    if ((order.state === 'paid' || order.state === 'fulfilled') && left > 0) {
      const amount = h('input', { name: 'amount', inputmode: 'decimal', value: fromMinor(left, order.total.currency) })
      const reason = h('input', { name: 'reason', maxlength: 500 })
      actions.push(h('form', {
        class: 'action',
        onsubmit: (e) => {
          e.preventDefault()
          const minor = toMinor(amount.value, order.total.currency)
          if (minor === undefined || minor < 1) return flash(status, t('badAmount'), 'error')
          act('refund', { amount: minor, ...(reason.value ? { reason: reason.value } : {}) }, 'orders.refunded')
        }
      }, h('h3', {}, t('orders.refund')), field(`${t('orders.amount')} (${order.total.currency})`, amount), field(t('orders.reason'), reason),
      h('button', { type: 'submit', class: 'danger' }, t('orders.refund'))))
    }
    if (order.flags.includes('needs_attention')) {
      const note = h('input', { name: 'note', maxlength: 1000 })
      actions.push(h('form', { class: 'action', onsubmit: (e) => { e.preventDefault(); act('resolve', note.value ? { note: note.value } : {}, 'orders.resolved') } },
        h('h3', {}, t('orders.resolve')), field(t('orders.note'), note), h('button', { type: 'submit' }, t('orders.resolve'))))
    }
    if (order.state === 'pending') {
      actions.push(h('form', { class: 'action', onsubmit: (e) => { e.preventDefault(); act('cancel', {}, 'orders.cancelled') } },
        h('h3', {}, t('orders.cancel')), h('button', { type: 'submit', class: 'danger' }, t('orders.cancel'))))
    }
  }
  main.replaceChildren(
    link('/dashboard/orders', '← ' + t('nav.orders')),
    h('div', { class: 'page-head' }, h('h1', {}, `${t('orders.order')} #${order.id}`), stateBadge(order.state)),
    status,
    h('div', { class: 'cards' },
      h('section', { class: 'card' }, h('h2', {}, t('orders.summary')),
        h('dl', {},
          h('dt', {}, t('orders.customer')), h('dd', {}, link(`/dashboard/customers/${order.customer.telegramId}`, String(order.customer.telegramId))),
          h('dt', {}, t('orders.total')), h('dd', {}, money(order.total)),
          h('dt', {}, t('orders.refundedAmount')), h('dd', { class: 'refunded' }, money(order.refunded)),
          h('dt', {}, t('orders.placed')), h('dd', {}, dateTime(order.createdAt)),
          h('dt', {}, t('orders.flags')), h('dd', {}, order.flags.length === 0 ? '—' : order.flags.map((f) => t(`flag.${f}`)).join(', ')),
          order.delivery ? [h('dt', {}, t('orders.delivery')), h('dd', {}, [order.delivery.name, order.delivery.phone, order.delivery.address].filter(Boolean).join(' · '))] : null)),
      actions.length > 0 ? h('section', { class: 'card' }, h('h2', {}, t('orders.actions')), actions) : null),
    h('h2', {}, t('orders.items')),
    table([t('catalog.product'), t('orders.quantity'), t('catalog.price')], order.items.map((item) => h('tr', {},
      h('td', {}, titles.get(item.productId) ?? item.productId), h('td', { class: 'num' }, String(item.quantity)), h('td', { class: 'num' }, money(item.price))))),
    h('h2', {}, t('orders.transactions')),
    table([t('orders.provider'), t('orders.state'), t('orders.amount'), 'ID', t('orders.at')], order.transactions.map((tx) => h('tr', {},
      h('td', {}, tx.provider), h('td', {}, t(`tx.${tx.state}`)), h('td', { class: 'num' }, money(tx.amount)), h('td', { class: 'mono' }, tx.providerId), h('td', {}, dateTime(tx.createdAt))))),
    h('h2', {}, t('orders.history')),
    table([t('orders.at'), t('orders.change'), t('orders.reason')], order.history.map((step) => h('tr', {},
      h('td', {}, dateTime(step.at)), h('td', {}, `${step.from ? t(`state.${step.from}`) + ' → ' : ''}${t(`state.${step.to}`)}`), h('td', { class: 'wrap' }, step.reason ?? '')))),
    h('h2', {}, t('orders.who')),
    table([t('orders.at'), t('orders.actor'), t('orders.change')], (audit.body?.items ?? []).map((entry) => h('tr', {},
      h('td', {}, dateTime(entry.at)), h('td', { class: 'mono' }, entry.actor),
      h('td', { class: 'wrap' }, entry.action, Object.keys(entry.summary ?? {}).length > 0 ? h('span', { class: 'muted' }, ' ' + JSON.stringify(entry.summary)) : null)))))
}
