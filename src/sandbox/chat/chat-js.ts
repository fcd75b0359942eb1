/**
 * The web chat's client (served at /sandbox/chat/chat.js as an ES module, no build step, no CDN):
 * it talks only to the customer's JSON API of DESIGN.md "The sandbox" (`/sandbox/api/...`) and
 * follows each customer's conversation over server-sent events.
 */
export const CHAT_JS = String.raw`
const api = (path, init) => fetch('/sandbox/api' + path, init)
const post = (path, body) => api(path, { method: 'POST', headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
const $ = (selector) => document.querySelector(selector)
const el = (tag, attrs, children) => {
  const node = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === 'text') node.textContent = value
    else if (key === 'className') node.className = value
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value)
    else node.setAttribute(key, value)
  }
  for (const child of children || []) if (child) node.append(child)
  return node
}
const LANGUAGES = { en: 'English', ru: 'Русский', uz: "O'zbek" }
const COLORS = ['#e17076', '#7bc862', '#65aadd', '#a695e7', '#ee7aae', '#6ec9cb', '#faa774']

const state = { users: [], current: undefined, entries: new Map(), last: 0, stream: undefined, replyKeyboard: undefined, invoice: undefined }

function notice (text) {
  const box = $('#notice')
  box.textContent = text
  box.hidden = text === ''
}

async function checked (response) {
  if (response.ok) return response.status === 204 ? undefined : response.json()
  let detail = response.status + ' ' + response.statusText
  try { const problem = await response.json(); detail = problem.detail || problem.title || detail } catch {}
  notice(detail)
  throw new Error(detail)
}

function money (total) {
  if (total.currency === 'XTR') return total.amount + ' ⭐'
  return (total.amount / 100).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + ' ' + total.currency
}

function timeOf (iso) {
  const date = new Date(iso)
  return String(date.getHours()).padStart(2, '0') + ':' + String(date.getMinutes()).padStart(2, '0')
}

function renderUsers () {
  const list = $('#users')
  list.replaceChildren()
  const switcher = $('#switcher')
  switcher.replaceChildren()
  state.users.forEach((user, index) => {
    const current = state.current !== undefined && user.id === state.current.id
    const avatar = el('span', { className: 'avatar', text: (user.firstName || '?').slice(0, 1).toUpperCase() })
    avatar.dataset.color = String(index % COLORS.length)
    avatar.classList.add('c' + (index % COLORS.length))
    list.append(el('li', {}, [el('button', { type: 'button', 'aria-current': String(current), 'data-user': String(user.id), onclick: () => select(user.id) }, [
      avatar,
      el('span', {}, [document.createTextNode(user.firstName), el('small', { text: LANGUAGES[user.languageCode] + (user.blocked ? ' · blocked the bot' : '') })])
    ])]))
    const option = el('option', { value: String(user.id), text: user.firstName })
    if (current) option.selected = true
    switcher.append(option)
  })
  switcher.append(el('option', { value: 'new', text: '+ New customer…' }))
  const user = state.current
  $('#who').textContent = user === undefined ? 'No customer yet' : user.firstName
  $('#who-sub').textContent = user === undefined ? '' : 'bot · ' + LANGUAGES[user.languageCode] + (user.blocked ? ' · you blocked the bot' : '')
  const block = $('#block')
  block.hidden = user === undefined
  block.textContent = user !== undefined && user.blocked ? 'Restart bot' : 'Block bot'
}

function keyboardOf (entry) {
  const rows = entry.replyMarkup && entry.replyMarkup.inline_keyboard
  if (!rows) return undefined
  return el('div', { className: 'keyboard' }, rows.filter((row) => row.length > 0).map((row) => el('div', { className: 'row' }, row.map((button) => {
    if (button.url) return el('a', { href: button.url, target: '_blank', rel: 'noopener', text: button.text })
    if (button.pay) return el('button', { type: 'button', text: button.text, onclick: () => openInvoice(entry) })
    return el('button', { type: 'button', text: button.text, onclick: () => press(entry.messageId, button.callback_data) })
  }))))
}

/** Makes the /commands in a bot message clickable, as Telegram does. */
function linkCommands (root) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT)
  const nodes = []
  while (walker.nextNode()) if (walker.currentNode.parentElement.closest('a, code, pre') === null) nodes.push(walker.currentNode)
  for (const node of nodes) {
    const parts = node.textContent.split(/((?<![\w/.:@-])\/[a-z][a-z0-9_]{0,31})(?![\w/.])/)
    if (parts.length === 1) continue
    node.replaceWith(...parts.map((part, i) => i % 2 === 1
      ? el('a', { href: '#', className: 'cmd', text: part, onclick: (event) => { event.preventDefault(); send({ text: part }) } })
      : document.createTextNode(part)))
  }
}

function renderEntry (entry) {
  const bubble = el('div', { className: 'bubble' })
  bubble.innerHTML = entry.html
  if (entry.from === 'bot') linkCommands(bubble)
  if (entry.invoice) {
    bubble.append(el('div', { className: 'invoice' }, [el('strong', { text: entry.invoice.title }), document.createTextNode(money(entry.invoice.total))]))
  }
  bubble.append(el('span', { className: 'time', text: (entry.change === 'edit' ? 'edited ' : '') + timeOf(entry.at) }))
  let photo
  if (entry.photo) {
    photo = /^(https?:)?\//.test(entry.photo)
      ? el('img', { className: 'photo', src: entry.photo, alt: '' })
      : el('div', { className: 'photo-missing', text: '🖼 photo' })
  }
  const pay = entry.invoice && !(entry.replyMarkup && entry.replyMarkup.inline_keyboard)
    ? el('div', { className: 'keyboard' }, [el('div', { className: 'row' }, [el('button', { type: 'button', text: 'Pay ' + money(entry.invoice.total), onclick: () => openInvoice(entry) })])])
    : undefined
  return el('div', { className: 'msg ' + entry.from, 'data-message': String(entry.messageId) }, [photo, bubble, keyboardOf(entry), pay])
}

function renderMessages () {
  const box = $('#messages')
  box.replaceChildren()
  const entries = [...state.entries.values()].sort((a, b) => a.messageId - b.messageId)
  if (entries.length === 0) {
    box.append(el('p', { className: 'empty', text: state.current === undefined ? 'Add a customer to start.' : 'Say hello: send /start to the bot.' }))
  }
  for (const entry of entries) box.append(renderEntry(entry))
  box.scrollTop = box.scrollHeight
  renderReplyKeyboard()
}

function renderReplyKeyboard () {
  const box = $('#reply-kb')
  box.replaceChildren()
  const rows = state.replyKeyboard
  box.hidden = rows === undefined
  if (rows === undefined) return
  for (const row of rows) {
    box.append(el('div', { className: 'row' }, row.map((button) => {
      const label = typeof button === 'string' ? button : button.text
      const contact = typeof button === 'object' && button.request_contact === true
      return el('button', { type: 'button', text: label, onclick: () => contact ? send({ contact: true }) : send({ text: label }) })
    })))
  }
}

function apply (entry) {
  if (entry.seq <= state.last) return
  state.last = entry.seq
  if (entry.change === 'delete') state.entries.delete(entry.messageId)
  else state.entries.set(entry.messageId, entry)
  const markup = entry.replyMarkup
  if (entry.change === 'new' && entry.from === 'bot' && markup) {
    if (markup.keyboard) state.replyKeyboard = markup.keyboard
    else if (markup.remove_keyboard) state.replyKeyboard = undefined
  }
}

async function select (id) {
  if (state.stream) state.stream.close()
  state.current = state.users.find((user) => user.id === id)
  state.entries = new Map()
  state.last = 0
  state.replyKeyboard = undefined
  notice('')
  renderUsers()
  if (state.current === undefined) return renderMessages()
  localStorage.setItem('bozor.chat.user', String(id))
  const page = await checked(await api('/users/' + id + '/messages?after=0'))
  for (const entry of page.items) apply(entry)
  renderMessages()
  const stream = new EventSource('/sandbox/api/users/' + id + '/stream?after=' + state.last)
  stream.addEventListener('entry', (event) => {
    if (state.current === undefined || state.current.id !== id) return
    apply(JSON.parse(event.data))
    renderMessages()
  })
  state.stream = stream
}

async function send (body) {
  if (state.current === undefined) return
  await checked(await post('/users/' + state.current.id + '/messages', body))
}

async function press (messageId, data) {
  await checked(await post('/users/' + state.current.id + '/callback', { messageId, data }))
}

function openInvoice (entry) {
  state.invoice = entry
  $('#sheet-title').textContent = entry.invoice.title
  $('#sheet-total').textContent = money(entry.invoice.total)
  $('#sheet').hidden = false
}

async function payInvoice (outcome) {
  const entry = state.invoice
  $('#sheet').hidden = true
  if (entry === undefined) return
  await checked(await post('/users/' + state.current.id + '/invoices/' + entry.messageId + '/pay', { outcome }))
}

async function loadUsers () {
  state.users = (await checked(await api('/users'))).items
}

async function addUser (firstName, languageCode) {
  const user = await checked(await post('/users', { firstName, languageCode }))
  await loadUsers()
  await select(user.id)
}

function browserLanguage () {
  const code = (navigator.language || 'en').slice(0, 2)
  return LANGUAGES[code] ? code : 'en'
}

async function start () {
  $('#composer').addEventListener('submit', async (event) => {
    event.preventDefault()
    const input = $('#text')
    const text = input.value.trim()
    if (text === '') return
    input.value = ''
    await send({ text })
  })
  $('#new-user').addEventListener('submit', async (event) => {
    event.preventDefault()
    const name = $('#new-name').value.trim() || 'Customer ' + (state.users.length + 1)
    $('#new-name').value = ''
    await addUser(name, $('#new-language').value)
  })
  $('#switcher').addEventListener('change', async (event) => {
    const value = event.target.value
    if (value === 'new') await addUser('Customer ' + (state.users.length + 1), browserLanguage())
    else await select(Number(value))
  })
  $('#block').addEventListener('click', async () => {
    const user = state.current
    await checked(await post('/users/' + user.id + (user.blocked ? '/unblock' : '/block')))
    await loadUsers()
    state.current = state.users.find((u) => u.id === user.id)
    renderUsers()
  })
  $('#pay').addEventListener('click', () => payInvoice('pay'))
  $('#cancel').addEventListener('click', () => payInvoice('cancel'))
  $('#new-language').value = browserLanguage()
  await loadUsers()
  if (state.users.length === 0) return await addUser('Customer 1', browserLanguage())
  const remembered = Number(localStorage.getItem('bozor.chat.user'))
  await select(state.users.some((user) => user.id === remembered) ? remembered : state.users[0].id)
}

start().catch((error) => notice(String(error.message || error)))
`
