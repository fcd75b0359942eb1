// Broadcasts: compose (text, photo, button, audience) with the audience count and a test copy,
// the list, and one broadcast's message, times and live progress with pause, resume and cancel,
// and sending the uncertain copies again (decision 0065). Built on
// /api/v1/broadcasts (DESIGN.md); when the route is not there the page says so.
/* global DOMParser */
import { api, canWrite, dateTime, field, flash, go, h, link, problemText, t, table } from '../lib.js'

export async function render (main, rest) {
  if (rest[0] !== undefined) return await renderOne(main, rest[0])
  const list = await api('GET', '/broadcasts')
  if (list.status === 404) {
    main.replaceChildren(h('h1', {}, t('nav.broadcasts')), h('p', { class: 'muted', 'data-empty': 'broadcasts' }, t('broadcast.unavailable')))
    return
  }
  const status = h('p', { class: 'flash', hidden: true, role: 'status' })
  const text = h('textarea', { name: 'text', rows: 5, maxlength: 4096, required: true })
  const photo = h('input', { name: 'photo', placeholder: 'https://… / file_id' })
  const buttonText = h('input', { name: 'buttonText', maxlength: 64 })
  const buttonUrl = h('input', { name: 'buttonUrl', placeholder: 'https://… / prd_…' })
  const boughtProduct = h('input', { name: 'boughtProduct', placeholder: 'prd_…', maxlength: 64 })
  const sendAt = h('input', { name: 'sendAt', type: 'datetime-local' })
  const language = h('select', { name: 'language' }, h('option', { value: '' }, t('all')), ['en', 'ru', 'uz'].map((l) => h('option', { value: l }, l)))
  const activeWithin = h('input', { name: 'activeWithinDays', type: 'number', min: 1, max: 3650 })
  const source = h('input', { name: 'source', maxlength: 64 })
  const testTo = h('input', { name: 'testTo', inputmode: 'numeric', placeholder: 'Telegram id' })
  const count = h('p', { class: 'muted', 'data-count': '' })
  const preview = h('div', { class: 'preview', 'aria-label': t('broadcast.preview') })
  const body = () => ({
    text: text.value,
    ...(photo.value.trim() ? { photo: photo.value.trim() } : {}),
    // a product id opens the product in the bot; anything else is a URL
    ...(buttonText.value.trim() && buttonUrl.value.trim()
      ? { button: /^prd_/.test(buttonUrl.value.trim()) ? { text: buttonText.value.trim(), productId: buttonUrl.value.trim() } : { text: buttonText.value.trim(), url: buttonUrl.value.trim() } }
      : {}),
    ...(sendAt.value ? { sendAt: new Date(sendAt.value).toISOString() } : {}),
    audience: {
      ...(language.value ? { language: language.value } : {}),
      ...(boughtProduct.value.trim() ? { boughtProduct: boughtProduct.value.trim() } : {}),
      ...(activeWithin.value ? { activeWithinDays: Number(activeWithin.value) } : {}),
      ...(source.value.trim() ? { source: source.value.trim() } : {})
    }
  })
  const showPreview = () => {
    // the message as Telegram shows it, as text (the HTML is Telegram's, never this page's)
    preview.replaceChildren(h('div', { class: 'bubble' }, text.value || '…', buttonText.value ? h('div', { class: 'tg-button' }, buttonText.value) : null))
  }
  text.addEventListener('input', showPreview)
  buttonText.addEventListener('input', showPreview)
  showPreview()
  const check = async (withTest) => {
    const answer = await api('POST', '/broadcasts/preview', { ...body(), ...(withTest && testTo.value ? { testTo: Number(testTo.value) } : {}) })
    if (answer.status === 200) {
      count.textContent = t('broadcast.recipients', { n: answer.body.recipients })
      if (withTest) flash(status, t('broadcast.testSent'), 'ok')
    } else flash(status, problemText(answer), 'error')
  }
  const compose = canWrite()
    ? h('form', {
      class: 'card wide',
      id: 'new-broadcast',
      onsubmit: async (e) => {
        e.preventDefault()
        const answer = await api('POST', '/broadcasts', body())
        if (answer.status === 201) go(`/dashboard/broadcasts/${answer.body.id}`)
        else flash(status, problemText(answer), 'error')
      }
    }, h('h2', {}, t('broadcast.new')), field(t('broadcast.text'), text, t('broadcast.textHint')), field(t('broadcast.photo'), photo),
    h('div', { class: 'row' }, field(t('broadcast.buttonText'), buttonText), field(t('broadcast.buttonUrl'), buttonUrl)),
    h('fieldset', {}, h('legend', {}, t('broadcast.audience')), h('div', { class: 'row' }, field(t('language'), language), field(t('broadcast.activeWithin'), activeWithin), field(t('analytics.source'), source), field(t('broadcast.boughtProduct'), boughtProduct))),
    field(t('broadcast.sendAt'), sendAt),
    h('div', { class: 'row' }, h('button', { type: 'button', onclick: () => check(false) }, t('broadcast.count')), field(t('broadcast.testTo'), testTo), h('button', { type: 'button', onclick: () => check(true) }, t('broadcast.sendTest'))),
    count, h('h3', {}, t('broadcast.preview')), preview,
    h('button', { type: 'submit', class: 'primary' }, t('broadcast.send')))
    : null
  const rows = (list.body?.items ?? []).map((b) => h('tr', {}, h('td', {}, link(`/dashboard/broadcasts/${b.id}`, dateTime(b.createdAt)), h('div', { class: 'muted', 'data-snippet': '' }, snippet(b.text))), h('td', {}, t(`broadcast.${b.state}`)), h('td', { class: 'num' }, `${b.counts.sent}/${b.counts.total}`)))
  main.replaceChildren(h('h1', {}, t('nav.broadcasts')), status, compose, h('h2', {}, t('broadcast.list')), table([t('broadcast.one'), t('orders.state'), t('broadcast.progress')], rows))
}

/**
 * A message's Telegram HTML as the words the customer reads: the browser parses it (tags out,
 * every entity decoded) in a document of its own, where nothing loads or runs.
 */
function plainText (html) {
  return new DOMParser().parseFromString(html, 'text/html').body.textContent ?? ''
}

/** The first words of a message, cut at 60 characters. */
function snippet (html) {
  const plain = plainText(html).replace(/\s+/g, ' ').trim()
  return plain.length > 60 ? plain.slice(0, 59) + '…' : plain
}

/** The message as the customer reads it (its words; the HTML is Telegram's, never this page's), and when it went. */
function messageOf (b) {
  const button = b.button === undefined ? '' : h('div', { class: 'tg-button' }, b.button.text)
  const photo = b.photo === undefined ? '' : h('div', { class: 'muted' }, t('broadcast.withPhoto'))
  const times = [['broadcast.created', b.createdAt], ['broadcast.scheduledFor', b.sendAt], ['broadcast.started', b.startedAt], ['broadcast.finished', b.finishedAt]]
    .filter(([, at]) => at !== undefined)
  return [h('h2', {}, t('broadcast.message')), h('div', { class: 'bubble', 'data-message': '' }, photo, plainText(b.text), button),
    h('dl', { 'data-times': '' }, times.map(([key, at]) => [h('dt', {}, t(key)), h('dd', {}, dateTime(at))]))]
}

async function renderOne (main, id) {
  const status = h('p', { class: 'flash', hidden: true, role: 'status' })
  const box = h('div', {})
  main.replaceChildren(link('/dashboard/broadcasts', '← ' + t('nav.broadcasts')), status, box)
  const draw = async () => {
    const res = await api('GET', `/broadcasts/${encodeURIComponent(id)}`)
    if (res.status !== 200) { flash(status, problemText(res), 'error'); return false }
    const b = res.body
    const act = async (action) => {
      const answer = await api('POST', `/broadcasts/${b.id}/${action}`)
      if (answer.status !== 200) flash(status, problemText(answer), 'error')
      // a resume or a resend sets it running again: the live progress starts again with it
      if (await draw() && !polling) { polling = true; setTimeout(again, 2000) }
    }
    const done = b.counts.total === 0 ? 100 : Math.round(((b.counts.total - b.counts.remaining) / b.counts.total) * 100)
    const resendable = b.counts.uncertain > 0 && ['sending', 'paused', 'done'].includes(b.state)
    const bar = h('progress', { max: 100, value: done }, `${done}%`)
    // replaceChildren takes nodes and strings: an absent part is '' (a null would print "null")
    box.replaceChildren(h('div', { class: 'page-head' }, h('h1', {}, t('broadcast.one')), h('span', { class: `state state-${b.state}`, 'data-state': b.state }, t(`broadcast.${b.state}`))),
      bar,
      h('dl', { class: 'counts' }, ['total', 'sent', 'failed', 'blocked', 'remaining', 'skipped', 'uncertain'].map((k) => [h('dt', {}, t(`broadcast.${k}`)), h('dd', { 'data-count': k }, String(b.counts[k]))])),
      // copies Telegram never answered (a server stopped, a connection lost: decisions 0059, 0073): the merchant may send them again
      resendable ? h('p', { class: 'muted', 'data-uncertain': '' }, t('broadcast.uncertainHint', { n: b.counts.uncertain })) : '',
      canWrite()
        ? h('div', { class: 'buttons' },
          b.state === 'sending' ? h('button', { type: 'button', onclick: () => act('pause') }, t('broadcast.pause')) : null,
          b.state === 'paused' ? h('button', { type: 'button', onclick: () => act('resume') }, t('broadcast.resume')) : null,
          ['scheduled', 'sending', 'paused'].includes(b.state) ? h('button', { type: 'button', class: 'danger', onclick: () => act('cancel') }, t('broadcast.cancel')) : null,
          resendable ? h('button', { type: 'button', onclick: () => act('resend-uncertain') }, t('broadcast.resendUncertain')) : null)
        : '',
      ...messageOf(b))
    return ['scheduled', 'sending'].includes(b.state)
  }
  // live progress: read again every two seconds while it runs and this page is shown
  let polling = true
  const again = async () => {
    if (main.isConnected && await draw()) setTimeout(again, 2000)
    else polling = false
  }
  await again()
}
