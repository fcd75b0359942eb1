// Settings: how this Bozor runs (mode, providers, storage, version), the shop's own words in
// three languages (the bot uses them at once), and admin tokens (create, revoke).
import { api, canWrite, dateTime, field, flash, go, h, problemText, t, table } from '../lib.js'

const WORDS = [['name', 64], ['welcome', 2000], ['help', 3000], ['supportContact', 200], ['terms', 3500]]
const LANGS = ['en', 'ru', 'uz']

export async function render (main) {
  const res = await api('GET', '/settings')
  const status = h('p', { class: 'flash', hidden: true, role: 'status' })
  if (res.status !== 200) {
    main.replaceChildren(h('h1', {}, t('nav.settings')), h('p', { class: 'flash error' }, problemText(res)))
    return
  }
  const s = res.body
  const inputs = {}
  const wordFields = WORDS.map(([name, max]) => h('fieldset', {}, h('legend', {}, t(`settings.${name}`)),
    h('div', { class: 'lang-fields' }, LANGS.map((lang) => {
      const value = s.shop?.[name]?.[lang] ?? ''
      const input = max > 200 ? h('textarea', { name: `${name}.${lang}`, rows: 3, maxlength: max }, value) : h('input', { name: `${name}.${lang}`, value, maxlength: max })
      inputs[`${name}.${lang}`] = input
      return field(lang, input)
    }))))
  const words = h('form', {
    class: 'card wide',
    id: 'shop-words',
    onsubmit: async (e) => {
      e.preventDefault()
      const shop = {}
      for (const [name] of WORDS) {
        shop[name] = Object.fromEntries(LANGS.map((lang) => {
          const text = inputs[`${name}.${lang}`].value.trim()
          return [lang, text === '' ? null : text]
        }))
      }
      const answer = await api('PATCH', '/settings', { shop })
      if (answer.status === 200) flash(status, t('saved'), 'ok')
      else flash(status, problemText(answer), 'error')
    }
  }, h('h2', {}, t('settings.words')), h('p', { class: 'muted' }, t('settings.wordsHint')), wordFields, canWrite() ? h('button', { type: 'submit', class: 'primary' }, t('save')) : null)
  if (!canWrite()) for (const el of words.querySelectorAll('input, textarea')) el.disabled = true
  const info = h('section', { class: 'card' }, h('h2', {}, t('settings.running')), h('dl', {},
    h('dt', {}, t('settings.mode')), h('dd', {}, t(`mode.${s.mode}`)),
    h('dt', {}, t('settings.providers')), h('dd', {}, Object.entries(s.providers).map(([name, on]) => h('span', { class: on ? 'badge ok' : 'badge off' }, `${name}${on ? ' ✓' : ' —'}`))),
    h('dt', {}, t('settings.database')), h('dd', {}, s.storage.database),
    h('dt', {}, t('settings.kv')), h('dd', {}, s.storage.kv),
    h('dt', {}, t('settings.version')), h('dd', {}, s.version)))
  main.replaceChildren(h('h1', {}, t('nav.settings')), status, h('div', { class: 'cards' }, info, await tokens(status)), words)
}

async function tokens (status) {
  if (!canWrite()) return h('section', { class: 'card' }, h('h2', {}, t('settings.tokens')), h('p', { class: 'muted' }, t('settings.tokensNeedWrite')))
  const res = await api('GET', '/tokens')
  const name = h('input', { name: 'name', required: true, maxlength: 100 })
  const scope = h('select', { name: 'scope' }, h('option', { value: 'read' }, t('scope.read')), h('option', { value: 'write' }, t('scope.write')))
  const secret = h('p', { class: 'secret', hidden: true })
  const rows = (res.body?.items ?? []).map((token) => h('tr', {},
    h('td', {}, token.name), h('td', {}, t(`scope.${token.scope}`)), h('td', {}, token.lastUsedAt ? dateTime(token.lastUsedAt) : '—'),
    h('td', {}, h('button', {
      type: 'button',
      class: 'link danger',
      onclick: async () => {
        if (!window.confirm(t('settings.revokeConfirm', { name: token.name }))) return
        const answer = await api('DELETE', `/tokens/${token.id}`)
        if (answer.status === 204) go('/dashboard/settings')
        else flash(status, problemText(answer), 'error')
      }
    }, t('settings.revoke')))))
  return h('section', { class: 'card' }, h('h2', {}, t('settings.tokens')),
    table([t('customers.name'), t('settings.scope'), t('settings.lastUsed'), ''], rows),
    h('form', {
      id: 'new-token',
      onsubmit: async (e) => {
        e.preventDefault()
        const answer = await api('POST', '/tokens', { name: name.value.trim(), scope: scope.value })
        if (answer.status !== 201) return flash(status, problemText(answer), 'error')
        secret.replaceChildren(h('strong', {}, t('settings.secretOnce')), h('br'), h('code', {}, answer.body.token))
        secret.hidden = false
      }
    }, h('div', { class: 'row' }, field(t('customers.name'), name), field(t('settings.scope'), scope)), h('button', { type: 'submit' }, t('settings.createToken'))),
    secret)
}
