// Customers: search by name, username or id, language and block; a profile with orders, spending,
// recent activity in the bot, and the merchant's actions (block, message, forget).
import { api, canWrite, dateTime, field, flash, go, h, link, money, problemText, showLoadError, t, table } from '../lib.js'

export async function render (main, rest) {
  if (rest[0] !== undefined) return await renderCustomer(main, rest[0])
  return await renderList(main)
}

async function renderList (main) {
  const params = new URLSearchParams(window.location.search)
  const q = h('input', { type: 'search', name: 'q', value: params.get('q') ?? '', maxlength: 100, placeholder: t('customers.searchHint') })
  const language = h('select', { name: 'language' }, h('option', { value: '' }, t('all')), ['en', 'ru', 'uz'].map((l) => h('option', { value: l, selected: params.get('language') === l }, l)))
  const blocked = h('select', { name: 'blocked' }, h('option', { value: '' }, t('all')), h('option', { value: 'true', selected: params.get('blocked') === 'true' }, t('customers.blocked')), h('option', { value: 'false', selected: params.get('blocked') === 'false' }, t('customers.notBlocked')))
  const form = h('form', {
    class: 'filters',
    role: 'search',
    onsubmit: (e) => {
      e.preventDefault()
      const next = new URLSearchParams()
      if (q.value.trim()) next.set('q', q.value.trim())
      if (language.value) next.set('language', language.value)
      if (blocked.value) next.set('blocked', blocked.value)
      go(`/dashboard/customers${next.size > 0 ? '?' + next : ''}`)
    }
  }, field(t('search'), q), field(t('language'), language), field(t('customers.block'), blocked), h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary' }, t('search'))))
  const status = h('p', { class: 'flash', hidden: true })
  const query = new URLSearchParams({ limit: '100' })
  for (const name of ['q', 'language', 'blocked']) if (params.get(name)) query.set(name, params.get(name))
  const res = await api('GET', `/customers?${query}`)
  if (res.status !== 200) flash(status, problemText(res), 'error')
  const rows = (res.body?.items ?? []).map((c) => h('tr', {},
    h('td', {}, link(`/dashboard/customers/${c.telegramId}`, c.name || String(c.telegramId))),
    h('td', {}, c.username ? '@' + c.username : ''),
    h('td', {}, c.language),
    h('td', { class: 'num' }, String(c.orders)),
    h('td', { class: 'num' }, c.spent.map(money).join(', ')),
    h('td', {}, dateTime(c.lastSeen)),
    h('td', {}, c.blocked ? h('span', { class: 'badge warn' }, t('customers.blocked')) : '')))
  main.replaceChildren(h('h1', {}, t('nav.customers')), form, status,
    table([t('customers.name'), t('customers.username'), t('language'), t('nav.orders'), t('customers.spent'), t('customers.lastSeen'), ''], rows))
}

async function renderCustomer (main, id) {
  const res = await api('GET', `/customers/${encodeURIComponent(id)}`)
  if (res.status !== 200) {
    showLoadError(main, 'customers', res)
    return
  }
  const c = res.body
  const [orders, activity] = await Promise.all([api('GET', `/orders?customer=${c.telegramId}&limit=50`), api('GET', `/customers/${c.telegramId}/activity?limit=30`)])
  const status = h('p', { class: 'flash', hidden: true, role: 'status' })
  const post = async (path, body, done) => {
    const answer = await api('POST', `/customers/${c.telegramId}/${path}`, body)
    if (answer.status >= 200 && answer.status < 300) {
      if (path === 'forget') { go('/dashboard/customers'); return }
      await renderCustomer(main, id)
      flash(main.querySelector('.flash'), t(done), 'ok')
    } else flash(status, problemText(answer), 'error')
  }
  const text = h('textarea', { name: 'text', rows: 3, maxlength: 4000, required: true })
  const actions = canWrite()
    ? h('section', { class: 'card' }, h('h2', {}, t('orders.actions')),
      h('form', { class: 'action', onsubmit: (e) => { e.preventDefault(); post('messages', { text: text.value }, 'customers.sent') } },
        field(t('customers.message'), text), h('button', { type: 'submit', class: 'primary' }, t('customers.send'))),
      h('div', { class: 'buttons' },
        h('button', { type: 'button', onclick: () => post(c.blocked ? 'unblock' : 'block', undefined, c.blocked ? 'customers.unblocked' : 'customers.blockedDone') }, t(c.blocked ? 'customers.unblock' : 'customers.block')),
        h('button', { type: 'button', class: 'danger', onclick: () => { if (window.confirm(t('customers.forgetConfirm'))) post('forget', undefined, 'customers.forgotten') } }, t('customers.forget'))))
    : null
  main.replaceChildren(link('/dashboard/customers', '← ' + t('nav.customers')),
    h('div', { class: 'page-head' }, h('h1', {}, c.name || String(c.telegramId)), c.blocked ? h('span', { class: 'badge warn' }, t('customers.blocked')) : null),
    status,
    h('div', { class: 'cards' },
      h('section', { class: 'card' }, h('h2', {}, t('customers.profile')), h('dl', {},
        h('dt', {}, 'Telegram id'), h('dd', { class: 'mono' }, String(c.telegramId)),
        h('dt', {}, t('customers.username')), h('dd', {}, c.username ? '@' + c.username : '—'),
        h('dt', {}, t('language')), h('dd', {}, c.language),
        h('dt', {}, t('customers.source')), h('dd', {}, c.source ?? '—'),
        h('dt', {}, t('customers.firstSeen')), h('dd', {}, dateTime(c.firstSeen)),
        h('dt', {}, t('customers.lastSeen')), h('dd', {}, dateTime(c.lastSeen)),
        h('dt', {}, t('nav.orders')), h('dd', {}, String(c.orders)),
        h('dt', {}, t('customers.spent')), h('dd', {}, c.spent.length === 0 ? '—' : c.spent.map(money).join(', ')),
        c.botBlocked ? [h('dt', {}, t('customers.botBlocked')), h('dd', {}, '✓')] : null)),
      actions),
    h('h2', {}, t('nav.orders')),
    table([t('orders.number'), t('orders.state'), t('orders.total'), t('orders.placed')], (orders.body?.items ?? []).map((o) => h('tr', {},
      h('td', {}, link(`/dashboard/orders/${o.id}`, `#${o.id}`)), h('td', {}, t(`state.${o.state}`)), h('td', { class: 'num' }, money(o.total)), h('td', {}, dateTime(o.createdAt))))),
    h('h2', {}, t('customers.activity')),
    table([t('orders.at'), t('customers.action')], (activity.body?.items ?? []).map((a) => h('tr', {}, h('td', {}, dateTime(a.at)), h('td', {}, a.action)))))
}
