// The dashboard's entry module (decision 0041): reads the session, draws the frame (navigation,
// language, logout) and the page the path names. Pages are modules under pages/, loaded on use.
import { canWrite, currentLanguage, go, h, link, setLanguage, setSession, t } from './lib.js'

const PAGES = [
  { path: '/dashboard/orders', name: 'orders', load: () => import('./pages/orders.js') },
  { path: '/dashboard/catalog', name: 'catalog', load: () => import('./pages/catalog.js') },
  { path: '/dashboard/customers', name: 'customers', load: () => import('./pages/customers.js') },
  { path: '/dashboard/broadcasts', name: 'broadcasts', load: () => import('./pages/broadcasts.js') },
  { path: '/dashboard/analytics', name: 'analytics', load: () => import('./pages/analytics.js') },
  { path: '/dashboard/settings', name: 'settings', load: () => import('./pages/settings.js') }
]
const HOME = { path: '/', name: 'home', load: () => import('./pages/home.js') }

/** The page of a path and the rest of it (`/dashboard/orders/1042` → orders, ['1042']). */
function pageOf (pathname) {
  for (const page of PAGES) {
    if (pathname === page.path || pathname.startsWith(page.path + '/')) {
      return { page, rest: pathname.slice(page.path.length).split('/').filter(Boolean).map(decodeURIComponent) }
    }
  }
  return { page: HOME, rest: [] }
}

async function logout () {
  const res = await fetch('/dashboard/session', { credentials: 'same-origin' })
  const csrf = res.ok ? (await res.json()).csrfToken : ''
  await fetch('/logout', { method: 'POST', headers: { 'x-csrf-token': csrf }, credentials: 'same-origin' })
  window.location.assign('/login')
}

function frame (active) {
  const nav = h('nav', { class: 'nav', 'aria-label': t('menu') },
    [HOME, ...PAGES].map((page) => link(page.path, t(`nav.${page.name}`))))
  for (const a of nav.querySelectorAll('a')) if (a.getAttribute('href') === active.path) a.setAttribute('aria-current', 'page')
  const language = h('select', {
    'aria-label': t('language'),
    onchange: (event) => { setLanguage(event.target.value); render() }
  }, [['en', 'English'], ['ru', 'Русский'], ['uz', 'Oʻzbekcha']].map(([code, name]) => h('option', { value: code, selected: code === currentLanguage() }, name)))
  return h('header', { class: 'topbar' },
    h('div', { class: 'brand' }, link('/', 'Bozor'), canWrite() ? null : h('span', { class: 'badge', title: t('readOnlyHint') }, t('readOnly'))),
    nav,
    h('div', { class: 'tools' }, language, h('button', { type: 'button', class: 'link', onclick: logout }, t('logout'))))
}

async function render () {
  const root = document.getElementById('app')
  const { page, rest } = pageOf(window.location.pathname)
  document.documentElement.lang = currentLanguage()
  document.title = `${t(`nav.${page.name}`)} · Bozor`
  const main = h('main', { class: 'page', id: 'main' }, h('p', { class: 'muted' }, t('loading')))
  root.replaceChildren(frame(page), main)
  try {
    const module = await page.load()
    await module.render(main, rest)
  } catch (error) {
    main.replaceChildren(h('p', { class: 'flash error' }, `${t('error')}: ${error instanceof Error ? error.message : String(error)}`))
  }
}

async function start () {
  const res = await fetch('/dashboard/session', { credentials: 'same-origin' })
  if (res.status === 401) return window.location.assign('/login')
  setSession(await res.json())
  if (window.location.pathname === '/dashboard') window.history.replaceState({}, '', '/')
  window.addEventListener('popstate', () => { render() })
  await render()
}

export { go }
start()
