// Issue 14, part 3: the web chat's page, module and stylesheet, and `/` pointing at the chat, in
// sandbox mode, each under the CSP (nothing inline, nothing from another origin).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { startSandbox } from '../helpers/sandbox.js'

test('the chat page, its module and stylesheet are served under the CSP, and / links to the chat', async (t) => {
  const { url, server } = await startSandbox(t)
  assert.match(server.deps.sandbox?.banner ?? '', /Chat with the bot: {2}http:\/\/127\.0\.0\.1:\d+\/sandbox\/chat\n/)
  const page = await fetch(`${url}/sandbox/chat`)
  assert.equal(page.status, 200)
  assert.match(String(page.headers.get('content-type')), /^text\/html/)
  assert.match(String(page.headers.get('content-security-policy')), /script-src 'self'/)
  const html = await page.text()
  assert.doesNotMatch(html, /<style|<script>|\sstyle=|\son\w+=|https?:\/\//i, 'nothing inline and nothing from another origin')
  assert.match(html, /<script type="module" src="\/sandbox\/chat\/chat.js"><\/script>/)
  const js = await fetch(`${url}/sandbox/chat/chat.js`)
  assert.equal(js.status, 200)
  assert.match(String(js.headers.get('content-type')), /^text\/javascript/)
  assert.match(await js.text(), /new EventSource\('\/sandbox\/api\/users\/'/)
  const css = await fetch(`${url}/sandbox/chat/chat.css`)
  assert.equal(css.status, 200)
  assert.match(String(css.headers.get('content-type')), /^text\/css/)
  const home = await fetch(`${url}/`)
  assert.equal(home.status, 200)
  assert.match(await home.text(), /<a href="\/sandbox\/chat">Chat with your bot/)
})

test('fuzz: the chat\'s routes with any query answer 200 with their type, never 5xx', async (t) => {
  const { url } = await startSandbox(t)
  await fc.assert(fc.asyncProperty(
    fc.constantFrom('/sandbox/chat', '/sandbox/chat/chat.js', '/sandbox/chat/chat.css', '/'),
    fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.string({ maxLength: 30 }), { maxKeys: 3 }),
    async (path, query) => {
      const res = await fetch(`${url}${path}?${new URLSearchParams(query).toString()}`)
      assert.equal(res.status, 200)
      assert.match(String(res.headers.get('content-type')), /^text\/(html|javascript|css)/)
      await res.arrayBuffer()
    }
  ), { seed: 1207, numRuns: 30 })
})
