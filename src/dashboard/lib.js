// Small helpers of the dashboard's page modules (no build step: served as they are, decision 0041).
// Every text goes into the page with textContent, never as HTML.
/* global Node */
import { TEXTS } from './i18n.js'

const LANGS = ['en', 'ru', 'uz']

/** The dashboard's language: the one chosen here before, else the browser's, else en. */
export function currentLanguage () {
  const kept = window.localStorage.getItem('bozor.lang')
  if (LANGS.includes(kept)) return kept
  for (const code of navigator.languages ?? []) {
    const short = code.slice(0, 2).toLowerCase()
    if (LANGS.includes(short)) return short
  }
  return 'en'
}

export function setLanguage (lang) {
  if (LANGS.includes(lang)) window.localStorage.setItem('bozor.lang', lang)
}

/** The text `key` in the current language with `{name}` filled from `params`. */
export function t (key, params = {}) {
  const lang = currentLanguage()
  const template = TEXTS[lang][key] ?? TEXTS.en[key] ?? key
  return template.replace(/\{(\w+)\}/g, (whole, name) => params[name] === undefined ? whole : String(params[name]))
}

/** An element: `h('button', { class: 'primary', onclick }, 'Save')`. Strings become text nodes. */
export function h (tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value)
    else if (name === 'class') el.className = value
    else if (name === 'value') el.value = value
    else if (name === 'checked') el.checked = Boolean(value)
    else el.setAttribute(name, value === true ? '' : String(value))
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue
    el.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
  return el
}

let session = { scope: 'read', csrfToken: '' }
export function setSession (value) { session = value }
export function canWrite () { return session.scope === 'write' }

/**
 * A call of the admin API with the session cookie (and X-CSRF-Token on changes). Answers
 * `{ status, body }`; a 401 sends the browser to /login.
 */
export async function api (method, path, body) {
  const headers = { accept: 'application/json' }
  if (method !== 'GET') headers['x-csrf-token'] = session.csrfToken
  const form = body instanceof FormData
  if (body !== undefined && !form) headers['content-type'] = 'application/json'
  const res = await fetch(`/api/v1${path}`, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: form ? body : JSON.stringify(body) } : {}) })
  if (res.status === 401) {
    window.location.assign('/login')
    return { status: 401, body: undefined }
  }
  const type = res.headers.get('content-type') ?? ''
  const parsed = type.includes('json') && res.status !== 204 ? await res.json().catch(() => undefined) : undefined
  return { status: res.status, body: parsed }
}

/** GET that answers the body, or `undefined` when the route answered 404 (not there yet) or failed. */
export async function getOrNothing (path) {
  const res = await api('GET', path)
  return res.status === 200 ? res.body : undefined
}

/** A detail page that could not load: a link back to its list (`section`: orders, catalog, …) and why. */
export function showLoadError (main, section, res) {
  main.replaceChildren(link(`/dashboard/${section}`, '← ' + t(`nav.${section}`)), h('p', { class: 'flash error' }, problemText(res)))
}

/** A problem answer as one line for the page. */
export function problemText (res) {
  const body = res.body ?? {}
  const fields = Array.isArray(body.errors) ? ' (' + body.errors.map((e) => `${e.field}: ${e.message}`).join('; ') + ')' : ''
  return `${t('error')} ${res.status}${body.code ? ' ' + body.code : ''}: ${body.detail ?? body.title ?? ''}${fields}`
}

/** Digits after the point of a currency's minor unit (XTR: 0). */
export function minorDigits (currency) {
  if (currency === 'XTR') return 0
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  } catch {
    return 2
  }
}

/** `{amount, currency}` in minor units, shown in the current language. */
export function money (value) {
  if (value === undefined || value === null) return ''
  const digits = minorDigits(value.currency)
  const major = value.amount / 10 ** digits
  if (value.currency === 'XTR') return `${major} XTR`
  try {
    return new Intl.NumberFormat(currentLanguage(), { style: 'currency', currency: value.currency, minimumFractionDigits: 0, maximumFractionDigits: digits }).format(major)
  } catch {
    return `${major} ${value.currency}`
  }
}

/** A decimal text in major units ("12.50") to minor units, exactly; undefined when it is not one. */
export function toMinor (text, currency) {
  const digits = minorDigits(currency)
  const match = /^\s*(\d{1,15})(?:[.,](\d+))?\s*$/.exec(String(text))
  if (match === null) return undefined
  const fraction = match[2] ?? ''
  if (fraction.length > digits) return undefined
  return Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0')
}

/** Minor units to the decimal text a form shows. */
export function fromMinor (amount, currency) {
  const digits = minorDigits(currency)
  if (digits === 0) return String(amount)
  const text = String(amount).padStart(digits + 1, '0')
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`
}

export function dateTime (iso) {
  if (!iso) return ''
  return new Date(iso).toLocaleString(currentLanguage(), { dateStyle: 'medium', timeStyle: 'short' })
}

/** A status line under a form: `flash(el, text, 'error' | 'ok')`. */
export function flash (el, text, kind = 'ok') {
  el.textContent = text
  el.className = `flash ${kind}`
  el.hidden = false
}

/** Opens a dashboard page without reloading. */
export function go (path) {
  window.history.pushState({}, '', path)
  window.dispatchEvent(new Event('popstate'))
}

/** A link that opens a dashboard page in place. */
export function link (path, ...children) {
  return h('a', { href: path, onclick: (event) => { if (event.button === 0 && !event.metaKey && !event.ctrlKey) { event.preventDefault(); go(path) } } }, ...children)
}

/** The title of a localized text in the current language (en when missing). */
export function localized (text) {
  if (!text) return ''
  return text[currentLanguage()] || text.en || ''
}

/** A labelled field: `field(t('name'), input)`. */
export function field (label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`
  input.id = id
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hint ? h('small', {}, hint) : null)
}

/** A table that scrolls sideways inside its own box on a phone (the page itself never does). */
export function table (headers, rows) {
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, headers.map((name) => h('th', {}, name)))),
    h('tbody', {}, rows.length === 0 ? h('tr', {}, h('td', { colspan: headers.length, class: 'empty' }, t('nothing'))) : rows)))
}

/** The shop's TIMEZONE (the shell's `data-timezone`): days are counted in its calendar, as the
 * analytics routes count them, not in the browser's. */
function shopZone () {
  const zone = document.body.dataset.timezone
  try {
    if (zone) return Intl.DateTimeFormat('en-CA', { timeZone: zone }).resolvedOptions().timeZone
  } catch {}
  return undefined
}

/** The day (YYYY-MM-DD) a moment falls on in the shop's calendar. */
export function isoDay (date) {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: shopZone(), year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(date))
  const part = (type) => parts.find((p) => p.type === type)?.value
  return `${part('year')}-${part('month')}-${part('day')}`
}

/** The calendar day n days after `day` (YYYY-MM-DD; n may be negative). */
export function addDays (day, n) {
  return new Date(Date.parse(day + 'T00:00:00Z') + n * 86_400_000).toISOString().slice(0, 10)
}

/** The instant (ISO) the shop's `day` begins: midnight in TIMEZONE, daylight saving included
 * (undefined for text that is not a day). */
export function startOfDay (day) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day ?? '') || Number.isNaN(Date.parse(day + 'T00:00:00Z'))) return undefined
  const zone = shopZone()
  const wall = (ms) => {
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(ms)).map((x) => [x.type, x.value]))
    return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second))
  }
  const target = Date.parse(day + 'T00:00:00Z')
  let at = target - (wall(target) - target)
  at -= wall(at) - target // a second step when the first guess crossed a change of offset
  return new Date(at).toISOString()
}
