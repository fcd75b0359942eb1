// Issue 15 point 3: product photos through `POST /api/v1/products/:id/photos` (multipart, the
// chosen @fastify/multipart): JPEG, PNG and WebP accepted by content whatever the name or declared
// type, anything else refused, size bounded, kept by Bozor and served at /media/photos/:id.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ADMIN, buildAdminApp, call } from '../helpers/admin.js'
import { MAX_PHOTO_BYTES, sniffPhotoType } from '../../src/usecases/product-photos.js'

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('JFIF fake jpeg body')])
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('fake png body')])
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x10, 0, 0, 0]), Buffer.from('WEBPVP8 fake')])

/** A multipart/form-data body with one file part. */
function multipart (bytes: Buffer, options: { field?: string, filename?: string, type?: string } = {}): { payload: Buffer, headers: Record<string, string> } {
  const boundary = '----bozor-test-boundary'
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${options.field ?? 'file'}"; filename="${options.filename ?? 'photo.jpg'}"\r\nContent-Type: ${options.type ?? 'image/jpeg'}\r\n\r\n`
  return { payload: Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

test('the type of a photo is read from its first bytes', () => {
  assert.equal(sniffPhotoType(JPEG), 'image/jpeg')
  assert.equal(sniffPhotoType(PNG), 'image/png')
  assert.equal(sniffPhotoType(WEBP), 'image/webp')
  assert.equal(sniffPhotoType(Buffer.from('GIF89a')), undefined)
  assert.equal(sniffPhotoType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')), undefined)
  assert.equal(sniffPhotoType(new Uint8Array()), undefined)
})

test('photos: uploaded, typed by content, kept and served; anything else refused with a problem', async (t) => {
  const { app, read } = await buildAdminApp(t)
  const product = await call(app, 'POST', '/api/v1/products', { title: { en: 'Mug' }, price: { amount: 1000, currency: 'USD' }, kind: 'physical' })
  const url = `/api/v1/products/${product.body.id}/photos`
  const upload = async (body: { payload: Buffer, headers: Record<string, string> }, headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` }) =>
    await app.inject({ method: 'POST', url, payload: body.payload, headers: { ...body.headers, ...headers } })

  const first = await upload(multipart(JPEG))
  assert.equal(first.statusCode, 201, first.body)
  const images = first.json().images as string[]
  assert.equal(images.length, 1)
  assert.match(images[0]!, /^http:\/\/localhost:3000\/media\/photos\/pho_[0-9a-z]{26}$/)
  const served = await app.inject({ url: new URL(images[0]!).pathname })
  assert.equal(served.statusCode, 200)
  assert.equal(served.headers['content-type'], 'image/jpeg')
  assert.equal(served.headers['x-content-type-options'], 'nosniff')
  assert.deepEqual(served.rawPayload, JPEG)

  const png = await upload(multipart(PNG, { filename: 'cat.gif', type: 'image/gif' }))
  assert.equal(png.statusCode, 201, 'the declared type and name do not matter')
  const pngUrl = new URL(png.json().images[1]).pathname
  assert.equal((await app.inject({ url: pngUrl })).headers['content-type'], 'image/png')
  assert.equal((await upload(multipart(WEBP, { filename: 'x.bin', type: 'application/octet-stream' }))).statusCode, 201)
  const three = (await call(app, 'GET', `/api/v1/products/${product.body.id}`)).body.images as string[]
  assert.equal(three.length, 3)
  // a PATCH that drops a kept photo from `images` deletes it: its URL is gone, the others stay
  const patched = await call(app, 'PATCH', `/api/v1/products/${product.body.id}`, { images: [three[0], three[2], 'AgACAgIAAxkBAAIBfileid'] })
  assert.equal(patched.status, 200, patched.text)
  assert.equal((await app.inject({ url: pngUrl })).statusCode, 404)
  assert.equal((await app.inject({ url: new URL(three[0]!).pathname })).statusCode, 200)
  assert.equal((await app.inject({ url: new URL(three[2]!).pathname })).statusCode, 200)
  const putBack = await call(app, 'PATCH', `/api/v1/products/${product.body.id}`, { images: three })
  assert.equal(putBack.status, 400, 'a deleted photo cannot be named again')
  assert.deepEqual(putBack.body.errors.map((e: { field: string }) => e.field), ['images[1]'])
  assert.equal((await call(app, 'GET', `/api/v1/products/${product.body.id}`)).body.images.length, 3, 'the refused PATCH changed nothing')

  const html = await upload(multipart(Buffer.from('<html><script>alert(1)</script></html>'), { type: 'image/jpeg' }))
  assert.equal(html.statusCode, 400)
  assert.deepEqual(html.json().errors, [{ field: 'file', message: 'is not a JPEG, PNG or WebP image' }])
  assert.match(String(html.headers['content-type']), /^application\/problem\+json/)
  const big = await upload(multipart(Buffer.concat([JPEG, Buffer.alloc(MAX_PHOTO_BYTES)])))
  assert.equal(big.statusCode, 413)
  assert.equal(big.json().code, 'ERR_PAYLOAD_TOO_LARGE')
  const empty = await upload(multipart(Buffer.alloc(0)))
  assert.equal(empty.statusCode, 400)
  const wrongField = await upload(multipart(JPEG, { field: 'image' }))
  assert.equal(wrongField.statusCode, 400)
  const json = await call(app, 'POST', url, { file: 'x' })
  assert.equal(json.status, 415)
  assert.match(String(json.headers['content-type']), /^application\/problem\+json/)
  assert.equal((await upload(multipart(JPEG), read)).statusCode, 403)
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/products/prd_nope/photos', ...multipart(JPEG), headers: { ...multipart(JPEG).headers, authorization: `Bearer ${ADMIN}` } })).statusCode, 404)
  const other = await call(app, 'POST', '/api/v1/products', { title: { en: 'Other' }, price: { amount: 1000, currency: 'USD' }, kind: 'physical' })
  assert.equal((await app.inject({ method: 'POST', url: `/api/v1/products/${other.body.id}`, payload: multipart(JPEG).payload, headers: { ...multipart(JPEG).headers, authorization: `Bearer ${ADMIN}` } })).statusCode, 404, 'no other route takes multipart')
  const missing = await app.inject({ url: '/media/photos/pho_00000000000000000000000000' })
  assert.deepEqual([missing.statusCode, missing.json().code], [404, 'ERR_PHOTO_NOT_FOUND'])
  const audit = await call(app, 'GET', `/api/v1/products/${product.body.id}/audit`)
  assert.equal(audit.body.items.filter((e: { action: string }) => e.action === 'product.photo_added').length, 3)
})

test('fuzzing the photo upload and /media/photos/:id never gets a 5xx, and every refusal is a problem', async (t) => {
  const fc = (await import('fast-check')).default
  const { app } = await buildAdminApp(t)
  const product = await call(app, 'POST', '/api/v1/products', { title: { en: 'Mug' }, price: { amount: 1000, currency: 'USD' }, kind: 'physical' })
  const heads = fc.constantFrom(Buffer.alloc(0), JPEG.subarray(0, 3), PNG.subarray(0, 8), Buffer.from('RIFF'), Buffer.from('GIF89a'))
  await fc.assert(fc.asyncProperty(heads, fc.uint8Array({ maxLength: 64 }), fc.string({ maxLength: 12 }), fc.string({ maxLength: 20 }), async (head, tail, field, type) => {
    const body = multipart(Buffer.concat([head, Buffer.from(tail)]), { field: field.replace(/["\r\n]/g, '') || 'file', type: type.replace(/[\r\n]/g, '') })
    const res = await app.inject({ method: 'POST', url: `/api/v1/products/${product.body.id}/photos`, payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${ADMIN}` } })
    assert.ok(res.statusCode < 500, `${res.statusCode} ${res.body}`)
    if (res.statusCode >= 400) assert.match(String(res.headers['content-type']), /^application\/problem\+json/, res.body)
  }), { seed: 1516, numRuns: 40 })
  await fc.assert(fc.asyncProperty(fc.oneof(fc.string({ maxLength: 40 }), fc.constant('pho_00000000000000000000000000'), fc.constant('%E0%A4%A'), fc.constant('%00')), async (id) => {
    const res = await app.inject({ url: `/media/photos/${id.startsWith('%') ? id : encodeURIComponent(id)}` })
    assert.ok(res.statusCode === 400 || res.statusCode === 404, `${id} → ${res.statusCode}`)
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
  }), { seed: 1517, numRuns: 40 })
})
