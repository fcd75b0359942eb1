import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Type } from 'typebox'
import { buildTestApp } from '../helpers/app.js'
import { BODY_LIMIT_BYTES } from '../../src/app.js'

const GOOD_TOKEN = '123456789:' + 'Z'.repeat(35)

async function appWithEcho (t: Parameters<typeof buildTestApp>[0], env?: Record<string, string>) {
  const built = await buildTestApp(t, { env })
  built.app.post('/__test__/echo', {
    schema: { body: Type.Object({ amount: Type.Integer({ minimum: 1 }), note: Type.Optional(Type.String()) }) }
  }, async (request) => request.body)
  built.app.get('/__test__/boom', async () => { throw new Error(`database password is ${GOOD_TOKEN}`) })
  return built
}

test('a body failing its schema answers 400 ERR_VALIDATION listing each field', async (t) => {
  const { app } = await appWithEcho(t)
  const res = await app.inject({ method: 'POST', url: '/__test__/echo', payload: { amount: 1.5 } })
  assert.equal(res.statusCode, 400)
  const body = res.json()
  assert.equal(body.code, 'ERR_VALIDATION')
  assert.equal(body.status, 400)
  assert.deepEqual(body.errors.map((e: { field: string }) => e.field), ['amount'])
})

test('malformed JSON answers 400 with a problem body', async (t) => {
  const { app } = await appWithEcho(t)
  const res = await app.inject({ method: 'POST', url: '/__test__/echo', payload: '{"amount":', headers: { 'content-type': 'application/json' } })
  assert.equal(res.statusCode, 400)
  assert.equal(res.json().code, 'ERR_VALIDATION')
  assert.match(res.headers['content-type'] as string, /^application\/problem\+json/)
})

test('a body over the size limit answers 413 ERR_PAYLOAD_TOO_LARGE', async (t) => {
  const { app } = await appWithEcho(t)
  const res = await app.inject({ method: 'POST', url: '/__test__/echo', payload: JSON.stringify({ amount: 1, note: 'x'.repeat(BODY_LIMIT_BYTES) }), headers: { 'content-type': 'application/json' } })
  assert.equal(res.statusCode, 413)
  assert.equal(res.json().code, 'ERR_PAYLOAD_TOO_LARGE')
})

test('an unsupported content type answers 415 with a problem body', async (t) => {
  const { app } = await appWithEcho(t)
  const res = await app.inject({ method: 'POST', url: '/__test__/echo', payload: 'amount=1', headers: { 'content-type': 'text/csv' } })
  assert.equal(res.statusCode, 415)
  assert.equal(res.json().code, 'ERR_UNSUPPORTED_MEDIA_TYPE')
})

test('an unexpected error answers 500 without leaking its message, and the log holds no secret', async (t) => {
  const { app, logs } = await appWithEcho(t, { BOT_TOKEN: GOOD_TOKEN })
  const res = await app.inject({ url: '/__test__/boom', headers: { authorization: 'Bearer admin-secret-value' } })
  assert.equal(res.statusCode, 500)
  assert.deepEqual(res.json(), {
    type: 'urn:bozor:error:ERR_INTERNAL', title: 'Internal Server Error', status: 500, code: 'ERR_INTERNAL', detail: 'Something went wrong on our side. It has been logged.'
  })
  const text = logs.join('\n')
  assert.match(text, /request failed/)
  assert.match(text, /database password is \[REDACTED\]/)
  assert.doesNotMatch(text, new RegExp(GOOD_TOKEN))
  assert.doesNotMatch(text, /admin-secret-value/)
})
