// Catalog: categories and products. A product is made with its English title and price, then
// edited in full: titles and descriptions in three languages, price, stock, kind, what a digital
// product delivers, fiscal code (Payme receipts), category, photos, for sale or not.
import { api, canWrite, field, flash, fromMinor, go, h, link, localized, money, problemText, showLoadError, t, table, toMinor } from '../lib.js'

const LANGS = ['en', 'ru', 'uz']

export async function render (main, rest) {
  if (rest[0] !== undefined) return await renderProduct(main, rest[0])
  return await renderCatalog(main)
}

/** Three inputs (en, ru, uz) for a localized text; `read()` gives `{en, ru?, uz?}` or undefined. */
function localizedInputs (name, value, multiline) {
  const inputs = LANGS.map((lang) => {
    const input = multiline
      ? h('textarea', { name: `${name}.${lang}`, rows: 3, maxlength: 4000, required: lang === 'en' && name === 'title' }, value?.[lang] ?? '')
      : h('input', { name: `${name}.${lang}`, value: value?.[lang] ?? '', maxlength: 4000, required: lang === 'en' && name === 'title' })
    return field(`${t(`catalog.${name}`)} (${lang})`, input)
  })
  const read = () => {
    const out = {}
    for (const lang of LANGS) {
      const text = inputs[LANGS.indexOf(lang)].querySelector('input, textarea').value.trim()
      if (text !== '') out[lang] = text
    }
    return out.en === undefined ? undefined : out
  }
  return { el: h('div', { class: 'lang-fields' }, inputs), read }
}

async function renderCatalog (main) {
  const status = h('p', { class: 'flash', hidden: true, role: 'status' })
  const [categories, products] = await Promise.all([api('GET', '/categories?limit=200'), api('GET', '/products?limit=200')])
  const cats = categories.body?.items ?? []
  const catTitle = new Map(cats.map((c) => [c.id, localized(c.title)]))
  const newCategory = canWrite()
    ? (() => {
        const title = localizedInputs('title')
        const position = h('input', { name: 'position', type: 'number', value: '0', step: '1' })
        return h('form', {
          class: 'card',
          id: 'new-category',
          onsubmit: async (e) => {
            e.preventDefault()
            const titleValue = title.read()
            if (titleValue === undefined) return flash(status, t('catalog.needsTitle'), 'error')
            const res = await api('POST', '/categories', { title: titleValue, position: Number(position.value || 0) })
            if (res.status === 201) { go('/dashboard/catalog'); return }
            flash(status, problemText(res), 'error')
          }
        }, h('h2', {}, t('catalog.newCategory')), title.el, field(t('catalog.position'), position), h('button', { type: 'submit', class: 'primary' }, t('create')))
      })()
    : null
  const newProduct = canWrite()
    ? (() => {
        const title = h('input', { name: 'title', required: true, maxlength: 4000 })
        const price = h('input', { name: 'price', required: true, inputmode: 'decimal', placeholder: '15000.00' })
        const currency = h('input', { name: 'currency', required: true, value: 'UZS', maxlength: 3, pattern: '[A-Z]{3}', class: 'short' })
        const kind = h('select', { name: 'kind' }, h('option', { value: 'physical' }, t('kind.physical')), h('option', { value: 'digital' }, t('kind.digital')))
        const stock = h('input', { name: 'stock', type: 'number', min: 0, step: 1, placeholder: t('catalog.unlimited') })
        const category = h('select', { name: 'categoryId' }, h('option', { value: '' }, '—'), cats.map((c) => h('option', { value: c.id }, localized(c.title))))
        return h('form', {
          class: 'card',
          id: 'new-product',
          onsubmit: async (e) => {
            e.preventDefault()
            const cur = currency.value.trim().toUpperCase()
            const amount = toMinor(price.value, cur)
            if (amount === undefined) return flash(status, t('badAmount'), 'error')
            const body = { title: { en: title.value.trim() }, price: { amount, currency: cur }, kind: kind.value, ...(stock.value !== '' ? { stock: Number(stock.value) } : {}), ...(category.value ? { categoryId: category.value } : {}) }
            const res = await api('POST', '/products', body)
            if (res.status === 201) { go(`/dashboard/catalog/${res.body.id}`); return }
            flash(status, problemText(res), 'error')
          }
        }, h('h2', {}, t('catalog.newProduct')), field(t('catalog.title') + ' (en)', title),
        h('div', { class: 'row' }, field(t('catalog.price'), price), field(t('catalog.currency'), currency)),
        h('div', { class: 'row' }, field(t('catalog.kind'), kind), field(t('catalog.stock'), stock)), field(t('catalog.category'), category),
        h('button', { type: 'submit', class: 'primary' }, t('create')))
      })()
    : null
  const productRows = (products.body?.items ?? []).map((p) => h('tr', {},
    h('td', {}, link(`/dashboard/catalog/${p.id}`, localized(p.title))),
    h('td', { class: 'num' }, money(p.price)),
    h('td', { class: 'num' }, p.stock === null ? '∞' : String(p.stock)),
    h('td', {}, p.categoryId ? catTitle.get(p.categoryId) ?? '' : ''),
    h('td', {}, p.active ? t('catalog.active') : h('span', { class: 'muted' }, t('catalog.inactive')))))
  const categoryRows = cats.map((c) => h('tr', {}, h('td', {}, localized(c.title)), h('td', {}, LANGS.filter((l) => c.title[l]).join(' ')), h('td', { class: 'num' }, String(c.position)),
    h('td', {}, canWrite()
      ? h('button', {
        type: 'button',
        class: 'link',
        onclick: async () => {
          const res = await api('DELETE', `/categories/${c.id}`)
          if (res.status === 204 || res.status === 200) go('/dashboard/catalog')
          else flash(status, problemText(res), 'error')
        }
      }, t('delete'))
      : null)))
  main.replaceChildren(h('h1', {}, t('nav.catalog')), status,
    h('div', { class: 'cards' }, newProduct, newCategory),
    h('h2', {}, t('catalog.products')),
    table([t('catalog.product'), t('catalog.price'), t('catalog.stock'), t('catalog.category'), t('catalog.status')], productRows),
    h('h2', {}, t('catalog.categories')),
    table([t('catalog.title'), t('catalog.languages'), t('catalog.position'), ''], categoryRows))
}

async function renderProduct (main, id) {
  const [res, categories] = await Promise.all([api('GET', `/products/${encodeURIComponent(id)}`), api('GET', '/categories?limit=200')])
  if (res.status !== 200) {
    showLoadError(main, 'catalog', res)
    return
  }
  const p = res.body
  const status = h('p', { class: 'flash', hidden: true, role: 'status' })
  const title = localizedInputs('title', p.title)
  const description = localizedInputs('description', p.description, true)
  const price = h('input', { name: 'price', inputmode: 'decimal', value: fromMinor(p.price.amount, p.price.currency), required: true })
  const currency = h('input', { name: 'currency', value: p.price.currency, maxlength: 3, class: 'short', required: true })
  const kind = h('select', { name: 'kind' }, ['physical', 'digital'].map((k) => h('option', { value: k, selected: p.kind === k }, t(`kind.${k}`))))
  const stock = h('input', { name: 'stock', type: 'number', min: 0, step: 1, value: p.stock === null ? '' : String(p.stock), placeholder: t('catalog.unlimited') })
  const payload = h('textarea', { name: 'payload', rows: 2, maxlength: 4000 }, p.payload ?? '')
  const category = h('select', { name: 'categoryId' }, h('option', { value: '' }, '—'), (categories.body?.items ?? []).map((c) => h('option', { value: c.id, selected: p.categoryId === c.id }, localized(c.title))))
  const active = h('input', { type: 'checkbox', name: 'active', checked: p.active })
  const refundable = h('input', { type: 'checkbox', name: 'refundable', checked: p.refundable })
  const fiscalCode = h('input', { name: 'fiscal.code', value: p.fiscal?.code ?? '', pattern: '[0-9]{17}', inputmode: 'numeric', placeholder: '17 digits' })
  const fiscalPackage = h('input', { name: 'fiscal.packageCode', value: p.fiscal?.packageCode ?? '', inputmode: 'numeric' })
  const fiscalVat = h('input', { name: 'fiscal.vatPercent', type: 'number', min: 0, max: 100, value: p.fiscal?.vatPercent ?? '' })
  const save = async (e) => {
    e.preventDefault()
    const cur = currency.value.trim().toUpperCase()
    const amount = toMinor(price.value, cur)
    if (amount === undefined) return flash(status, t('badAmount'), 'error')
    const titleValue = title.read()
    if (titleValue === undefined) return flash(status, t('catalog.needsTitle'), 'error')
    const desc = description.read()
    const body = {
      title: titleValue,
      description: desc ?? null,
      price: { amount, currency: cur },
      kind: kind.value,
      stock: stock.value === '' ? null : Number(stock.value),
      payload: payload.value.trim() === '' ? null : payload.value,
      categoryId: category.value || null,
      active: active.checked,
      refundable: refundable.checked,
      fiscal: fiscalCode.value.trim() === '' ? null : { code: fiscalCode.value.trim(), packageCode: fiscalPackage.value.trim(), vatPercent: Number(fiscalVat.value || 0) }
    }
    const answer = await api('PATCH', `/products/${p.id}`, body)
    if (answer.status === 200) flash(status, t('saved'), 'ok')
    else flash(status, problemText(answer), 'error')
  }
  const file = h('input', { type: 'file', name: 'file', accept: 'image/jpeg,image/png,image/webp' })
  const upload = h('form', {
    class: 'card',
    onsubmit: async (e) => {
      e.preventDefault()
      if (file.files.length === 0) return
      const data = new FormData()
      data.append('file', file.files[0])
      const answer = await api('POST', `/products/${p.id}/photos`, data)
      if (answer.status === 201) { await renderProduct(main, id); flash(main.querySelector('.flash'), t('catalog.photoAdded'), 'ok') } else flash(status, problemText(answer), 'error')
    }
  }, h('h2', {}, t('catalog.photos')),
  h('div', { class: 'photos' }, p.images.filter((src) => src.startsWith('/') || src.startsWith(window.location.origin)).map((src) => h('img', { src, alt: localized(p.title), loading: 'lazy' }))),
  canWrite() ? [field(t('catalog.photo'), file), h('button', { type: 'submit' }, t('catalog.upload'))] : null)
  const form = h('form', { class: 'card wide', id: 'product-form', onsubmit: save },
    h('h2', {}, t('catalog.texts')), title.el, description.el,
    h('div', { class: 'row' }, field(t('catalog.price'), price), field(t('catalog.currency'), currency)),
    h('div', { class: 'row' }, field(t('catalog.kind'), kind), field(t('catalog.stock'), stock, t('catalog.stockHint'))),
    field(t('catalog.payload'), payload, t('catalog.payloadHint')),
    field(t('catalog.category'), category),
    h('fieldset', {}, h('legend', {}, t('catalog.fiscal')), h('div', { class: 'row' }, field(t('catalog.fiscalCode'), fiscalCode), field(t('catalog.packageCode'), fiscalPackage), field(t('catalog.vat'), fiscalVat))),
    h('label', { class: 'check' }, active, ' ', t('catalog.activeLabel')),
    h('label', { class: 'check' }, refundable, ' ', t('catalog.refundable')),
    canWrite() ? h('button', { type: 'submit', class: 'primary' }, t('save')) : null)
  if (!canWrite()) for (const el of form.querySelectorAll('input, select, textarea')) el.disabled = true
  main.replaceChildren(link('/dashboard/catalog', '← ' + t('nav.catalog')), h('div', { class: 'page-head' }, h('h1', {}, localized(p.title)), h('span', { class: 'muted mono' }, p.id)), status, form, upload)
}
